"""The app uses the engine through its public names only: every name app.py and ui/ take from `transfer`, from a
subpackage (`transfer.data`, ...) or from another public module, imported or reached as `module.name`, is in that
module's `__all__`. A module is public when it declares `__all__` (it may be imported as a whole, e.g. `from
transfer.synthesis import ideal`); the others are internals the app may not import from."""

from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import transfer

ROOT = Path(__file__).resolve().parent.parent
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py"))]


def public(module_name: str) -> types.ModuleType | None:
    """The module if it is part of the engine's contract (it declares __all__), else None."""
    module = importlib.import_module(module_name)
    return module if "__all__" in vars(module) else None


def contract_breaches(path: Path) -> list[str]:
    """Each use in `path` of an engine name outside the public names, as 'file:line: what'."""
    tree = ast.parse(path.read_text(), str(path))
    where = path.relative_to(ROOT)
    bound: dict[str, types.ModuleType] = {}  # local name -> the public engine module it stands for
    found = []

    def check(module: types.ModuleType | None, module_name: str, name: str, line: int) -> None:
        if module is None:
            found.append(f"{where}:{line}: {module_name}.{name}: {module_name} is not public (no __all__)")
        elif name.startswith("_") or name not in module.__all__:
            found.append(f"{where}:{line}: {module_name}.{name} is not in {module_name}.__all__")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "transfer":
            module = public(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if isinstance(value, types.ModuleType) and "__all__" in vars(value):  # a public module, whole
                    bound[alias.asname or alias.name] = value
                else:
                    check(module, node.module, alias.name, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "transfer":
                    continue
                if alias.name != "transfer":
                    found.append(f"{where}:{node.lineno}: import {alias.name}: import from transfer or a subpackage")
                bound[alias.asname or "transfer"] = transfer
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            module = bound[node.value.id]
            check(module, module.__name__, node.attr, node.lineno)
    return found


def test_the_app_uses_only_the_engines_public_names():
    breaches = [breach for path in APP_FILES for breach in contract_breaches(path)]
    assert not breaches, "\n".join(breaches)


def test_the_contract_is_checked_where_the_app_imports_the_engine():
    """The scan sees the app's real imports (and so can fail): most files take names from the engine."""
    using = [path for path in APP_FILES if "transfer" in {node.module.split(".")[0] for node in ast.walk(
        ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom) and node.module} | {
        alias.name.split(".")[0] for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Import)
        for alias in node.names}]
    assert len(using) >= 15


def test_every_public_name_exists():
    """Each __all__ of the engine's public modules names something that is there."""
    modules = ["transfer", "transfer.data", "transfer.models", "transfer.synthesis", "transfer.synthesis.ideal",
               "transfer.synthesis.adversarial", "transfer.train", "transfer.params", "transfer.progress",
               "transfer.render"]
    missing = [f"{name}.{item}" for name in modules for item in importlib.import_module(name).__all__
               if not hasattr(importlib.import_module(name), item)]
    assert not missing
