"""Every import arrow in ``src/authsession`` points down: no circles, nothing above ``_core`` in it.

The graph is read from the source with :mod:`ast`, so it sees every import, wherever it hides:
top level, ``if TYPE_CHECKING:``, inside a function, relative or absolute. A lazy import only
moves a circle out of sight of the interpreter; it is still a circle in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "authsession"
CORE = f"{PACKAGE}._core"
#: Modules below ``_core`` that it may import: they import nothing from authsession but each other.
CORE_MAY_IMPORT = frozenset({f"{PACKAGE}.errors", f"{PACKAGE}.types", f"{PACKAGE}.theme"})


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    """Every module and package of ``authsession`` under ``root``, by dotted name."""
    return {module_name(path, root): path for path in sorted((root / PACKAGE).rglob("*.py"))}


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The most specific module of ours that ``name`` denotes (``a.b.Class`` is ``a.b``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours that ``module`` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # ``from . import x`` in a package means the package itself; in a module, its parent.
                anchor = module.split(".")
                drop = node.level - 1 if is_package else node.level
                anchor = anchor[: len(anchor) - drop] if drop else anchor
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            if any(resolve(t, modules) not in (None, base) for t in targets[:-1]):
                targets = targets[:-1]
        for target in targets:
            if target.split(".")[0] != PACKAGE:
                continue
            resolved = resolve(target, modules)
            if resolved is not None and resolved != module:
                found.add(resolved)
    return found


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    modules = discover(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def is_core(module: str) -> bool:
    return module == CORE or module.startswith(CORE + ".")


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for every import from ``_core`` to a module that is neither ``_core`` nor a leaf."""
    return sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        if is_core(source)
        for target in targets
        if not is_core(target) and target not in CORE_MAY_IMPORT
    )


def leaf_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for every import from a leaf to a module of ours that is not a leaf."""
    return sorted(
        f"{source} -> {target}"
        for source in CORE_MAY_IMPORT & graph.keys()
        for target in graph[source]
        if target not in CORE_MAY_IMPORT
    )


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_core_imports_only_core_and_the_leaves() -> None:
    assert upward_imports(import_graph()) == []


def test_the_leaves_import_only_each_other() -> None:
    assert leaf_imports(import_graph()) == []


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


# The checks themselves, on a small package written to a temporary directory.


def write_package(root: Path, files: dict[str, str]) -> None:
    for relative, source in files.items():
        path = root / PACKAGE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    write_package(
        tmp_path,
        {
            "__init__.py": "from authsession.options import AuthOptions\n",
            "errors.py": "",
            "types.py": "",
            "options.py": "from authsession._core import http\n",
            "_core/__init__.py": "",
            "_core/http.py": "from authsession.errors import AuthError\n",
            "_core/cookies.py": "from . import http\nfrom .http import Cookie\n",
        },
    )
    return tmp_path


def test_a_clean_package_passes(toy: Path) -> None:
    graph = import_graph(toy)
    assert graph["authsession._core.cookies"] == {"authsession._core.http"}
    assert upward_imports(graph) == []
    assert circles(graph) == []


@pytest.mark.parametrize(
    "source",
    [
        "from authsession.options import AuthOptions\n",
        "import authsession.options\n",
        "from authsession import options\n",
        "from .. import options\n",
        "from ..options import AuthOptions\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from authsession.options import AuthOptions\n",
        "def f():\n    from authsession.options import AuthOptions\n",
        "async def f():\n    import authsession.options as o\n",
    ],
)
def test_an_upward_import_is_found_however_written(toy: Path, source: str) -> None:
    write_package(toy, {"_core/http.py": source})
    graph = import_graph(toy)
    assert upward_imports(graph) == ["authsession._core.http -> authsession.options"]
    assert circles(graph) == [["authsession._core.http", "authsession.options"]]


def test_a_circle_inside_core_is_found(toy: Path) -> None:
    write_package(toy, {"_core/http.py": "def f():\n    from authsession._core.cookies import x\n"})
    graph = import_graph(toy)
    assert upward_imports(graph) == []
    assert circles(graph) == [["authsession._core.cookies", "authsession._core.http"]]


def test_a_leaf_that_reaches_up_is_found(toy: Path) -> None:
    write_package(toy, {"types.py": "from authsession._core.http import Cookie\n"})
    assert leaf_imports(import_graph(toy)) == ["authsession.types -> authsession._core.http"]
