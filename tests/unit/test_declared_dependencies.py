"""Every package the code imports is declared where it is installed from, and the locks pin what the
requirements name: the Lambda code imports only what requirements.txt names (boto3 and botocore come
with the Lambda runtime, chalice's own runtime with its packager), local running, tests and benchmarks
what requirements-dev.txt adds, and the edge agent nothing but pyserial and the standard library."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVIDED = {"boto3", "botocore", "chalice"}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name → version of every `name==version` line, following `-r` includes."""
    text = path.read_text()
    found = {canonical(m[1]): m[2] for m in _REQUIREMENT.finditer(text)}
    for include in re.findall(r"^-r\s+(\S+)", text, re.M):
        found.update(pins(path.parent / include))
    return found


def _local_names() -> set[str]:
    """Modules of this repository that tests and tools import by their bare name."""
    names = {"app", "chalicelib", "infra", "tests", "bench", "kabinet_agent"}
    for folder in (ROOT / "tests", ROOT / "edge-agent" / "tests"):
        names |= {p.stem for p in folder.rglob("*.py")} | {p.name for p in folder.rglob("*") if p.is_dir()}
    return names


def imported_distributions(*paths: Path) -> dict[str, set[str]]:
    """Distribution (canonical name) → the files importing it, for every import that is neither the
    standard library nor this repository's own code."""
    local, owners = _local_names(), packages_distributions()
    found: dict[str, set[str]] = {}
    for base in paths:
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in local or top == "__future__":
                        continue
                    for distribution in owners.get(top, [f"<{top}: not installed>"]):
                        found.setdefault(canonical(distribution), set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_lambda_code_imports_only_the_runtime_requirements() -> None:
    declared = set(pins(ROOT / "requirements.txt")) | PROVIDED
    imported = imported_distributions(ROOT / "app.py", ROOT / "chalicelib")
    assert {name: files for name, files in imported.items() if name not in declared} == {}


def test_tools_and_tests_import_only_declared_packages() -> None:
    declared = set(pins(ROOT / "requirements-dev.txt"))
    imported = imported_distributions(ROOT / "infra", ROOT / "tests", ROOT / "bench")
    assert {name: files for name, files in imported.items() if name not in declared} == {}


def test_the_edge_agent_needs_pyserial_and_the_standard_library_only() -> None:
    assert set(imported_distributions(ROOT / "edge-agent" / "kabinet_agent")) == {"pyserial"}


@pytest.mark.parametrize(
    "requirements, lock", [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]
)
def test_the_lock_pins_what_the_requirements_name_with_hashes(requirements: str, lock: str) -> None:
    """A requirement edited without `make lock` would install the old version: make run/test install the lock."""
    wanted, locked = pins(ROOT / requirements), pins(ROOT / lock)
    assert {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version} == {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text().split("\n", 2)[-1].strip())
    assert all("--hash=sha256:" in entry for entry in entries if _REQUIREMENT.match(entry))
