"""The layer rule (docs/architecture.md), read from the source of observe/ itself.

Imports run one way: models and pure rules at the bottom, services above them, views, API
and CLI on top. So no two modules import each other (directly or around a longer loop), an
import inside a function says why in a comment, nothing below the top layer imports a
module of the top layer, and the sync protocol knows record types only through their
registration. Each test names the lines to fix.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "observe"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in MODULES.items()}


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The modules of observe/ that `node`, written in `module`, imports."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in MODULES}
    if node.level:
        package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        package = package[:len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    submodules = {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
    # `from . import timefmt` imports a submodule; `from .models import Role` imports the module itself
    names_of_base = len(submodules) < len(node.names)
    return submodules | ({base} if base in MODULES and names_of_base else set())


def _module_level_imports(tree: ast.Module):
    """Imports that run when the module is imported (also under a module-level if/try)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            pending.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)


def _graph() -> dict[str, set[str]]:
    return {module: {imported for node in _module_level_imports(tree) for imported in _imported(module, node)}
            - {module} for module, tree in TREES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules_of_observe():
    graph = _graph()
    cycles = _cycles(graph)
    described = [" <-> ".join(cycle) + ": " + "; ".join(
        f"{module} imports {', '.join(sorted(graph[module] & set(cycle)))}" for module in cycle) for cycle in cycles]
    assert not cycles, "\n".join(described)


def test_every_import_inside_a_function_says_why():
    """On the same line or the line before: a one-line comment with the reason."""
    unexplained = []
    for module, tree in TREES.items():
        lines = MODULES[module].read_text(encoding="utf-8").splitlines()
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    same, before = lines[node.lineno - 1], lines[node.lineno - 2].strip()
                    if "#" not in same and not before.startswith("#"):
                        unexplained.append(f"{MODULES[module].relative_to(ROOT)}:{node.lineno}: {same.strip()}")
    assert not unexplained, "imports inside functions without a reason:\n" + "\n".join(sorted(set(unexplained)))


def _top_layer() -> set[str]:
    """Views, the API, the CLI and the app factory: modules that define or fill a blueprint, or commands."""
    return {module for module, path in MODULES.items()
            if any(mark in path.read_text(encoding="utf-8") for mark in ("Blueprint(", "@bp."))
            or module.rsplit(".", 1)[-1] in ("cli", "views")} | {"observe", "observe.domains"}


def test_nothing_below_the_top_layer_imports_views_or_commands():
    top = _top_layer()
    wrong = {module: sorted(imported & top) for module, imported in _graph().items()
             if module not in top and imported & top}
    assert not wrong, wrong


def test_the_sync_protocol_knows_record_types_only_through_their_registration():
    """observe/sync/ imports no domain's record type; the domains register theirs (observe/domains.py)."""
    record_modules = {module for module in MODULES if module.rsplit(".", 1)[-1] in ("sync_record", "sync_schemas")}
    wrong = {}
    for module, tree in TREES.items():
        if not module.startswith("observe.sync."):
            continue
        imported = {name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for name in _imported(module, node)}
        if imported & record_modules:
            wrong[module] = sorted(imported & record_modules)
    assert record_modules >= {"observe.visits.sync_record", "observe.feedback.sync_record"}
    assert not wrong, wrong
