"""Dependencies between capability packages go one way: `readings` builds on `metering` (meters, links,
replacements, billing periods); `metering` never imports `readings`, at module level or inside a
function, so either can change without dragging the other into a cycle. Nor does it import `reminders`,
which reads metering's schedule index and builds on readings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package → packages its sources must never import (directly; any import statement anywhere in a module)
FORBIDDEN = {"chalicelib.metering": ("chalicelib.readings", "chalicelib.reminders")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module an `import` or `from … import` anywhere in the source names, relative ones resolved;
    for `from x import y` both `x` and `x.y` (y may be a submodule)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def within(imported: str, forbidden: tuple[str, ...]) -> bool:
    return any(imported == f or imported.startswith(f + ".") for f in forbidden)


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        name = module_name(path)
        for imported in imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py"):
            if within(imported, forbidden):
                found.append(f"{name} imports {imported}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_packages_do_not_import_higher_ones(package: str) -> None:
    assert (ROOT / package.replace(".", "/")).is_dir()
    assert violations(package, FORBIDDEN[package]) == []


def test_readings_builds_on_metering() -> None:
    """The direction the rule keeps: readings does use metering (else the rule above guards nothing real)."""
    service = (ROOT / "chalicelib/readings/service.py").read_text(encoding="utf-8")
    assert any(within(m, ("chalicelib.metering",)) for m in imported_modules(service, "chalicelib.readings.service"))


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        # a function-level import counts as much as a top-level one
        ("def f():\n    from chalicelib.readings.rules import Period\n", "chalicelib.metering.service", True),
        ("from chalicelib import readings\n", "chalicelib.metering.api", True),
        ("import chalicelib.readings.window as w\n", "chalicelib.metering.api", True),
        ("from ..readings import rules\n", "chalicelib.metering.api", True),
        ("from .periods import Period\n", "chalicelib.metering.replacements", False),
        ("from chalicelib.readings_archive import x\n", "chalicelib.metering.api", False),
    ],
)
def test_the_check_sees_every_form_of_import(source: str, module: str, expected: bool) -> None:
    assert any(within(m, ("chalicelib.readings",)) for m in imported_modules(source, module)) is expected
