"""The АИИС КУЭ package keeps its parts apart (chalicelib/aiis/__init__.py).

Read from the sources' import statements (module level and inside functions alike): `storage` imports no
part; `ingestion`, `reads` and `admin` import `storage` and themselves only; code outside the package
(the rest of chalicelib, app.py, infra, bench) uses a part only through its public modules. Tests may
import a part's own modules to test them.
"""

from __future__ import annotations

from test_package_dependencies import ROOT, imported_modules, module_name

PACKAGE = "chalicelib.aiis"
PARTS = ("storage", "ingestion", "reads", "admin")
PUBLIC = {
    "storage": {"days", "repository", "agents_repository"},
    "ingestion": {"api", "ingest", "signing"},
    "reads": {"api", "reader", "models"},
    "admin": {"staff_api", "agents", "models"},
}


def part_of(module: str) -> tuple[str, str] | None:
    """(part, module within the part) of a module of the package; None outside the parts."""
    pieces = module.split(".")
    if pieces[:2] != PACKAGE.split(".") or len(pieces) < 3 or pieces[2] not in PARTS:
        return None
    return pieces[2], ".".join(pieces[3:])


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Every import that breaks the rules, as `importer -> what: why`; `sources` maps a module name to
    its source and whether it is a package's `__init__`."""
    found: set[str] = set()
    for module, (source, is_package) in sources.items():
        own = part_of(module)
        for target in imported_modules(source, module, is_package):
            into = part_of(target)
            if into is None:
                continue
            part, inner = into
            if own is not None:
                if own[0] == "storage" and part != "storage":
                    found.add(f"{module} -> {part}: storage imports no part")
                elif part not in ("storage", own[0]):
                    found.add(f"{module} -> {part}: a part imports storage and itself only")
            elif inner and inner.split(".")[0] not in PUBLIC[part]:
                found.add(f"{module} -> {PACKAGE}.{part}.{inner.split('.')[0]}: not a public module of {part}")
    return sorted(found)


def project_sources() -> dict[str, tuple[str, bool]]:
    paths = [*(ROOT / "chalicelib").rglob("*.py"), ROOT / "app.py", *(ROOT / "infra").rglob("*.py")]
    paths += (ROOT / "bench").rglob("*.py")
    return {module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py") for p in paths}


def test_the_parts_depend_on_storage_only_and_others_use_their_public_modules():
    sources = project_sources()
    assert violations(sources) == []
    # The rules were checked against real imports: every part does use storage.
    for part in ("ingestion", "reads", "admin"):
        targets = {
            target
            for module, (source, is_package) in sources.items()
            if module.startswith(f"{PACKAGE}.{part}.")
            for target in imported_modules(source, module, is_package)
        }
        assert any(t.startswith(f"{PACKAGE}.storage.") for t in targets), part


def test_a_crossing_import_is_reported():
    sources = {
        "chalicelib.aiis.storage.repository": ("from chalicelib.aiis.ingestion.records import EventRecord\n", False),
        "chalicelib.aiis.ingestion.records": ("from ..storage.days import Slot\n", False),
        "chalicelib.aiis.reads.reader": ("def f():\n    from ..ingestion import records\n", False),
        "chalicelib.aiis.admin": ("from . import exports\n", True),
        "chalicelib.exchange.billing_import": ("from chalicelib.aiis.admin.exports import PointsExport\n", False),
        "bench.aiis": ("from chalicelib.aiis.ingestion import signing\n", False),
    }
    assert violations(sources) == [
        "chalicelib.aiis.reads.reader -> ingestion: a part imports storage and itself only",
        "chalicelib.aiis.storage.repository -> ingestion: storage imports no part",
        "chalicelib.exchange.billing_import -> chalicelib.aiis.admin.exports: not a public module of admin",
    ]
