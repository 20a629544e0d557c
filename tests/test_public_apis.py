"""The project uses its libraries through their public APIs only (issue 20, decision 0033): a
private name of a library breaks silently when the library is upgraded.

An AST walk over pipelines/ and schemas/ finds, in code that is not the project's own:
- ``from x import _y``, ``import x._y`` (a private module or name of a library);
- ``obj._y`` on anything but ``self``/``cls``/``super()`` or a name the project defines or
  imports from itself, and ``getattr(obj, "_y")`` and the like (a private attribute of a
  library's object, e.g. a worksheet's ``_write_single_row``);
- a method named ``_y`` in a subclass of a library's class (an override of its private
  method, or a name that may become one);
- an assignment to an attribute of a library's module or class (a patch of its internals);
- a write to ``os.environ`` (state the whole process shares, to pass values to a library).
Dunder names (``__init__``, ``__version__``) are public protocol and allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("pipelines", "schemas")
FIRST_PARTY = {"pipelines", "schemas", "tests", "benchmarks"}
ATTRIBUTE_FUNCTIONS = {"getattr", "hasattr", "setattr", "delattr"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


class _Finder(ast.NodeVisitor):
    def __init__(self, tree: ast.Module) -> None:
        self.found: list[tuple[int, str]] = []
        self.library_names: set[str] = set()  # names bound to a library's module or object
        self.own_names: set[str] = set()  # names bound to the project's modules, classes, functions
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    first_party = alias.name.split(".")[0] in FIRST_PARTY
                    (self.own_names if first_party else self.library_names).add(bound)
            elif isinstance(node, ast.ImportFrom):
                first_party = node.level > 0 or (node.module or "").split(".")[0] in FIRST_PARTY
                for alias in node.names:
                    (self.own_names if first_party else self.library_names).add(alias.asname or alias.name)
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                self.own_names.add(node.name)

    def _report(self, node: ast.AST, what: str) -> None:
        self.found.append((node.lineno, what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] not in FIRST_PARTY and any(_private(p) for p in alias.name.split(".")):
                self._report(node, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and module.split(".")[0] not in FIRST_PARTY:
            if any(_private(p) for p in module.split(".")):
                self._report(node, f"from {module} import ...")
            for alias in node.names:
                if _private(alias.name):
                    self._report(node, f"from {module} import {alias.name}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _private(node.attr) and not self._own(node.value):
            self._report(node, f"{ast.unparse(node)}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
            target, name = node.args[0], node.args[1]
            if (
                isinstance(name, ast.Constant)
                and isinstance(name.value, str)
                and _private(name.value)
                and not self._own(target)
            ):
                self._report(node, ast.unparse(node))
            elif node.func.id in ("setattr", "delattr") and self._library(target):
                self._report(node, ast.unparse(node))
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in ("update", "setdefault", "pop", "clear")
            and self._is_environ(node.func.value)
        ):
            self._report(node, ast.unparse(node))
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if any(self._library(base) for base in node.bases):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _private(item.name):
                    self._report(item, f"{node.name}.{item.name} in a subclass of {ast.unparse(node.bases[0])}")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    def _check_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Attribute) and self._library(target):
            self._report(target, f"{ast.unparse(target)} = ...")
        elif isinstance(target, ast.Subscript) and self._is_environ(target.value):
            self._report(target, f"{ast.unparse(target)} = ...")

    def _own(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in ("self", "cls") or node.id in self.own_names
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super":
            return True
        root = _root(node)  # e.g. an object of the project's own class, or its module's attribute
        return isinstance(root, ast.Name) and root.id in self.own_names

    def _library(self, node: ast.AST) -> bool:
        root = _root(node)
        return isinstance(root, ast.Name) and root.id in self.library_names

    def _is_environ(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ" and "environ" in self.library_names
        )


def private_uses(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    finder = _Finder(tree)
    finder.visit(tree)
    return sorted(finder.found)


#: Writes to the environment that configure the process rather than pass a value into a library
#: at run time: `vawg refresh` is the process's entry point and sets the folders the Dagster
#: definitions it then loads read, as `dagster dev`'s environment does (decision 0022).
PROCESS_SETTINGS = {"pipelines/cli.py": ["os.environ.update"]}


def test_no_private_name_of_a_library_in_pipelines_or_schemas():
    found = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            uses = [
                u
                for u in private_uses(path.read_text(encoding="utf-8"))
                if not any(u[1].startswith(allowed) for allowed in PROCESS_SETTINGS.get(name, []))
            ]
            if uses:
                found[name] = uses
    assert found == {}


def test_the_walk_finds_each_kind_of_private_use():
    """Each pattern the walk looks for, in the forms the code had before decision 0033, and the
    project's own private names, which stay allowed."""
    source = """
import os
import xlsxwriter.workbook
import duckdb._private_module
from dagster_dbt import DbtCliResource
from dbt.adapters import _factory
from pipelines.publish.dataset_format import _prepare
from pipelines.publish import dataset_format
from . import sibling

class VawgDbtCliResource(DbtCliResource):
    def _cli_version(self):
        return None
    def __init__(self):
        self._own_state = 1

class Local:
    def _helper(self):
        return dataset_format._text_of_prepared(sibling._x)

def write(ws, formats, table):
    ws._write_single_row(2)
    formats["count"]._get_xf_index()
    getattr(ws, "_check_dimensions", None)
    table._get_shared_string_index("x")
    xlsxwriter.workbook.ZipFile = None
    os.environ["VAWG_INCREMENTAL_RUN_ID"] = "run"
    os.environ.update(A="1")
    _prepare(ws)
    Local()._helper()
"""
    found = [what for _, what in private_uses(source)]
    assert found == [
        "import duckdb._private_module",
        "from dbt.adapters import _factory",
        "VawgDbtCliResource._cli_version in a subclass of DbtCliResource",
        "ws._write_single_row",
        "formats['count']._get_xf_index",
        "getattr(ws, '_check_dimensions', None)",
        "table._get_shared_string_index",
        "xlsxwriter.workbook.ZipFile = ...",
        "os.environ['VAWG_INCREMENTAL_RUN_ID'] = ...",
        "os.environ.update(A='1')",
    ]
