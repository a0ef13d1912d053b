"""The layer's modules import one another without a circle: every import, including one written
inside a function (which a circle would be hidden behind), is an edge of the graph checked here."""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2] / "layers" / "carbon_accounting"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _import_graph() -> dict[str, set[str]]:
    modules = {_module(path): path for path in (ROOT / "carbon_accounting").rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from package import module" is an edge to the module; "from module import name", to
                # the module (a package's __init__ runs before any of its modules, as their parent).
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    imported.add(submodule if submodule in modules else node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        graph[name] = (imported & modules.keys()) - {name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while (popped := stack.pop()) != module:
                component.append(popped)
            if component:
                found.append(sorted([module, *component]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_graph_sees_the_imports_written_inside_functions():
    graph = _import_graph()
    # invoices.recalculation imports invoices.listing inside a function (for its cold start).
    assert "carbon_accounting.invoices.listing" in graph["carbon_accounting.invoices.recalculation"]
    assert "carbon_accounting.invoices.rules" in graph["carbon_accounting.invoices.lifecycle"]


def test_no_module_of_the_layer_imports_itself_through_others():
    assert _circles(_import_graph()) == []


def test_a_circle_is_found():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
