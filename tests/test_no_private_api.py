"""djwto never imports or touches a private name (``_x``) of Django or of another library.

A private name can change in any release without notice; the public APIs (``authenticate``,
``get_all_permissions``, ``Manager.get``, signals) are what users' backends, lookups and
receivers go through. ``_meta``, ``_default_manager`` and ``_base_manager`` are documented
Django APIs despite the underscore.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "djwto"
#: Documented public Django attributes whose names start with an underscore.
ALLOWED_ATTRIBUTES = frozenset({"_meta", "_default_manager", "_base_manager"})
#: Names whose private attributes are djwto's own (an object reaching into itself).
OWN_OBJECTS = frozenset({"self", "cls"})


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _own_module(module: str | None, level: int) -> bool:
    return level > 0 or module == "djwto" or (module or "").startswith("djwto.")


def private_uses(source: str, filename: str) -> list[str]:
    """``file:line: what`` for every private name of another package that ``source`` uses."""
    found = []
    tree = ast.parse(source, filename)
    # The names of getattr()-style calls, checked with their owner below.
    call_names = {
        id(node.args[1])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _is_attribute_call(node)
    }
    for node in ast.walk(tree):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and not _own_module(node.module, node.level):
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{where}: from {node.module} import {alias.name}")
            if any(_is_private(part) for part in (node.module or "").split(".")):
                found.append(f"{where}: from {node.module} import ...")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] != "djwto" and any(_is_private(part) for part in parts):
                    found.append(f"{where}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            if not _allowed(node.value, node.attr):
                found.append(f"{where}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and _is_attribute_call(node):
            owner, name = node.args[0], node.args[1]
            if (
                isinstance(name, ast.Constant)
                and isinstance(name.value, str)
                and _is_private(name.value)
                and not _allowed(owner, name.value)
            ):
                found.append(f"{where}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant)
            and id(node) not in call_names
            and _names_private_method(node.value)
        ):
            # ``getattr(model, name) ... for name in ("_save_table", ...)``: a private name
            # reached through a string.
            found.append(f"{where}: {node.value!r}")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def _allowed(owner: ast.expr, attribute: str) -> bool:
    own = isinstance(owner, ast.Name) and owner.id in OWN_OBJECTS
    return own or attribute in ALLOWED_ATTRIBUTES


def _is_attribute_call(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
        and len(node.args) >= 2
    )


def _names_private_method(value: object) -> bool:
    """A string that is a private identifier, such as ``"_save_table"`` (not ``"_"``)."""
    return (
        isinstance(value, str)
        and len(value) > 1
        and value.isidentifier()
        and _is_private(value)
        and value not in ALLOWED_ATTRIBUTES
    )


def test_djwto_uses_no_private_name_of_another_package():
    uses = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        uses += private_uses(path.read_text(encoding="utf-8"), relative)
    assert not uses, "private names used:\n" + "\n".join(uses)


@pytest.mark.parametrize(
    "source, found",
    [
        ("from django.contrib.auth import _clean_credentials", 1),
        ("from django.contrib.auth import authenticate, _clean_credentials as c", 1),
        ("import django.db.models._private", 1),
        ("from django.utils._os import safe_join", 1),
        ("user._perm_cache = set()", 1),
        ("manager._queryset_class", 1),
        ("cache._cache.get_client()", 1),
        ("type(user)._state.db", 1),
        ("f()._x", 1),
        ("getattr(user, '_password', None)\nhasattr(user, '_perm_cache')", 2),
        ("[getattr(Model, n) for n in ('save_base', '_save_table')]", 1),
        # allowed: djwto's own names, documented Django names, dunders, an object's own state
        ("from ._private import x\nfrom djwto._internal import y", 0),
        ("from .conf import _PREFIX", 0),
        ("User._default_manager.get(pk=1)\nUser._base_manager\nUser._meta.pk", 0),
        ("self._data = {}\ncls._cache = None\nhasattr(self, '_data')", 0),
        ("obj.__class__.__name__\nx.__dict__", 0),
        ("from django.contrib.auth import authenticate", 0),
    ],
)
def test_the_walker_finds_what_it_must(source, found):
    assert len(private_uses(source, "example.py")) == found, private_uses(source, "example.py")


def test_a_finding_names_file_and_line():
    assert private_uses("x = 1\n\nuser._password = None\n", "djwto/x.py") == [
        "djwto/x.py:3: user._password"
    ]
