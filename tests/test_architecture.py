"""The layout shows the architecture: the pure core imports no web framework,
no database and no renderer, and the service modules depend one way."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "coordinator"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> nx.DiGraph:
    """Module → module edges between the package's own modules."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(path):
            if target in modules and target != name:
                graph.add_edge(name, target)
    return graph


@pytest.mark.parametrize("package", ["coordinator.planning", "coordinator.rendering"])
def test_the_pure_core_imports_no_framework_and_no_database(package):
    for path in (PACKAGE.parent / package.replace(".", "/")).rglob("*.py"):
        roots = {m.split(".")[0] for m in _imports(path)}
        assert not roots & {"flask", "flask_babel", "flask_login", "sqlalchemy", "werkzeug"}, path


def test_planning_never_imports_rendering_or_the_services():
    graph = import_graph()
    for module in (n for n in graph if n.startswith("coordinator.planning")):
        for target in graph.successors(module):
            assert target.startswith("coordinator.planning"), f"{module} imports {target}"


def test_the_service_modules_depend_one_way():
    graph = import_graph()
    services = [n for n in graph if n.endswith(".service")]
    cycles = [c for c in nx.simple_cycles(graph.subgraph(
        set(services) | {d for s in services for d in nx.descendants(graph, s)}))
        if any(m in services for m in c)]
    assert not cycles, cycles
