"""Dependencies between the packages of chalicelib go one way, down a declared order of layers.

Read from the sources' import statements, at module level and inside functions alike: a package imports
packages of its own layer or of lower ones (`LAYERS`), and the package graph has no cycle, so none of
them drags a higher one into its import or its tests. The few upward imports the code still has are
listed in `ALLOWED_UPWARD`, each with its reason; a new one fails here until it is either removed or
listed. In particular `readings` builds on `metering` (meters, links, replacements, billing periods) and
`metering` never imports `readings` or `reminders`; `settings` validates its document with its own
parsers (`settings/parsers.py`) and the consumer-category vocabulary (`chalicelib/categories.py`), so
every capability may read the settings without a cycle through them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package → packages its sources must never import (directly; any import statement anywhere in a module)
FORBIDDEN = {"chalicelib.metering": ("chalicelib.readings", "chalicelib.reminders")}

# Lowest first. A package may import its own layer and those below; within a layer the cycle test keeps
# imports one-way.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("categories",),  # vocabulary: imports nothing of chalicelib
    ("core",),  # web, DynamoDB, clock, config, audit trail
    ("settings",),  # the company document
    ("calculator", "notifications", "reference"),  # services the capabilities share
    ("accounts", "staff_users"),  # who uses the portal
    ("attachments", "cases", "dashboard", "metering", "outages", "pages"),  # uploads live in the cases table
    ("aiis", "appeals", "connection", "readings"),
    ("audit", "reminders"),
    ("exchange",),
    ("route_manifest",),  # every route of every package
)

_ERASURE = (
    "closing an account (152-ФЗ) deletes or detaches the personal data every capability keeps; "
    "imported inside the erasure steps"
)
_QUEUES = "a queue's staff are the roles its routes admit, declared with those routes; imported on use"
# (importing module, imported package) → why this upward import stays. The package cycles they close
# are the only ones allowed.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("chalicelib.core.config", "chalicelib.settings"): (
        "`Settings.tz` and `Settings.addressees` read the company document at call time, for their many readers"
    ),
    ("chalicelib.core.web", "chalicelib.accounts"): (
        "the request guard checks a bearer token against the accounts store, imported at the first protected request"
    ),
    ("chalicelib.settings.model", "chalicelib.calculator"): (
        "`connection_rates` must name an existing rate table; calculator/rates.py itself imports only core"
    ),
    ("chalicelib.notifications.channels", "chalicelib.accounts"): (
        "e-mail addresses are encoded by the accounts' identifier rules (accounts/identifiers.py imports the stdlib)"
    ),
    ("chalicelib.accounts.api", "chalicelib.pages"): (
        "registration checks the version of the user agreement the pages publish; imported on use"
    ),
    ("chalicelib.accounts.privacy", "chalicelib.appeals"): _ERASURE,
    ("chalicelib.accounts.privacy", "chalicelib.attachments"): _ERASURE,
    ("chalicelib.accounts.privacy", "chalicelib.connection"): _ERASURE,
    ("chalicelib.accounts.privacy", "chalicelib.metering"): _ERASURE,
    ("chalicelib.accounts.privacy", "chalicelib.outages"): _ERASURE,
    ("chalicelib.staff_users.api", "chalicelib.appeals"): _QUEUES,
    ("chalicelib.staff_users.api", "chalicelib.connection"): _QUEUES,
}


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


def package_of(module: str) -> str | None:
    """`chalicelib.readings.rules` → `chalicelib.readings`; None outside chalicelib and for `chalicelib`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "chalicelib" and len(parts) > 1 else None


def sources() -> Iterator[tuple[str, str, bool]]:
    """(module, source, is a package's __init__) of every module of chalicelib."""
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        yield module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py"


def package_imports(modules: Iterator[tuple[str, str, bool]]) -> set[tuple[str, str, str]]:
    """(importing module, its package, imported package) for every import across two packages."""
    found: set[tuple[str, str, str]] = set()
    for module, source, is_package in modules:
        own = package_of(module)
        for imported in imported_modules(source, module, is_package):
            target = package_of(imported)
            if own is not None and target is not None and target != own:
                found.add((module, own, target))
    return found


LAYER_OF = {f"chalicelib.{name}": index for index, layer in enumerate(LAYERS) for name in layer}


def upward(edges: set[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """(importing module, imported package) of each import into a higher layer."""
    return {(module, target) for module, own, target in edges if LAYER_OF[target] > LAYER_OF[own]}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component that has one, as a path `[a, b, …, a]`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan; the graph has a few dozen nodes, recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(_path_through(graph, component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_through(graph: Mapping[str, set[str]], component: set[str]) -> list[str]:
    """The shortest cycle from the component's first member (by name) back to it."""
    start = min(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph.get(node, set()) & component):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError("a strongly connected component has a cycle through each of its members")


# --- the rules ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edges() -> set[tuple[str, str, str]]:
    return package_imports(sources())


def test_every_package_has_a_layer() -> None:
    packages = {
        f"chalicelib.{p.name if p.is_dir() else p.stem}"
        for p in (ROOT / "chalicelib").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists()) or (p.suffix == ".py" and p.name != "__init__.py")
    }
    assert packages == set(LAYER_OF)


def test_imports_go_down_the_layers(edges: set[tuple[str, str, str]]) -> None:
    unexplained = sorted(f"{module} imports {target}" for module, target in upward(edges) - ALLOWED_UPWARD.keys())
    assert unexplained == []


def test_every_allowed_upward_import_is_still_there(edges: set[tuple[str, str, str]]) -> None:
    """An exception the code no longer needs goes from the list, so it cannot cover a new import later."""
    assert sorted(ALLOWED_UPWARD.keys() - upward(edges)) == []


def test_no_import_cycle_between_packages(edges: set[tuple[str, str, str]]) -> None:
    graph: dict[str, set[str]] = {}
    for module, own, target in edges:
        if (module, target) not in ALLOWED_UPWARD:
            graph.setdefault(own, set()).add(target)
    assert [" → ".join(cycle) for cycle in cycles(graph)] == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_packages_do_not_import_higher_ones(package: str) -> None:
    assert (ROOT / package.replace(".", "/")).is_dir()
    assert violations(package, FORBIDDEN[package]) == []


def test_readings_builds_on_metering() -> None:
    """The direction the rule keeps: readings does use metering (else the rule above guards nothing real)."""
    service = (ROOT / "chalicelib/readings/service.py").read_text(encoding="utf-8")
    assert any(within(m, ("chalicelib.metering",)) for m in imported_modules(service, "chalicelib.readings.service"))


# --- the checks themselves ------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        # the cycle this layering removed: the settings document validated with the reading rules
        (
            "chalicelib.settings.model",
            "from chalicelib.readings.rules import parse_timezone\n",
            {("chalicelib.settings.model", "chalicelib.readings")},
        ),
        (
            "chalicelib.core.model",
            "def f():\n    from chalicelib import metering\n",
            {("chalicelib.core.model", "chalicelib.metering")},
        ),
        ("chalicelib.readings.rules", "from chalicelib.settings.parsers import parse_timezone\n", set()),
        ("chalicelib.appeals.service", "from chalicelib.appeals import views\nfrom ..cases import staff\n", set()),
    ],
)
def test_an_import_into_a_higher_layer_is_found(module: str, source: str, expected: set[tuple[str, str]]) -> None:
    assert upward(package_imports(iter([(module, source, False)]))) == expected


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c", "a"]]),
        ({"a": {"b", "d"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["c", "d", "c"], ["a", "b", "a"]]),
        ({"a": {"a"}}, [["a", "a"]]),
    ],
)
def test_the_cycle_finder_reports_each_cycle(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected
