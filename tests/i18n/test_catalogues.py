"""Every message djwto can send a client is marked for translation and translated in every
shipped catalogue, and the compiled ``.mo`` files match their ``.po`` sources.

A new message fails here until the catalogues are refreshed and translated: run
``make messages`` (``django-admin makemessages --all`` and ``compilemessages`` in djwto/),
fill in the new ``msgstr`` entries, and run it again to compile them.
"""

from __future__ import annotations

import ast
import re
import tomllib
from fnmatch import fnmatch

import pytest

from tests.support import REPO

from .catalogues import (
    LANGUAGES,
    LOCALE,
    PACKAGE,
    marked_messages,
    po_as_mo,
    read_mo,
    read_po,
    source_files,
)

REFRESH = "run `make messages`, translate the new msgstr entries, then `make messages` again"
#: Body keys whose values a client reads (djwto's ``error``/``msg``, DRF's ``detail``).
BODY_KEYS = frozenset({"error", "msg", "detail"})
#: Names that hold a message for a client: class attributes, attributes and variables.
MESSAGE_NAMES = frozenset({"message", "default_message", "detail", "msg"})


def po_path(language):
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def catalogues():
    return {language: read_po(po_path(language)) for language in LANGUAGES}


def test_the_languages_are_shipped():
    assert sorted(p.name for p in LOCALE.iterdir() if p.is_dir()) == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_translated(language, catalogues):
    entries = {entry.key: entry for entry in catalogues[language] if not entry.obsolete}
    problems = []
    for marked in marked_messages():
        entry = entries.get(marked.key)
        if entry is None:
            problems.append(f"{marked.where}: {marked.key[1]!r} is not in the catalogue")
        elif not entry.translated:
            state = "fuzzy" if "fuzzy" in entry.flags else "untranslated"
            problems.append(f"{marked.where}: {marked.key[1]!r} is {state}")
    assert not problems, f"{po_path(language)} ({REFRESH}):\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_entry_is_fuzzy_empty_or_stale(language, catalogues):
    marked = {m.key for m in marked_messages()}
    problems = []
    for entry in catalogues[language]:
        if entry.msgid == "":
            assert "fuzzy" not in entry.flags, "the header is still marked fuzzy"
            continue
        if entry.obsolete or entry.key not in marked:
            problems.append(f"{entry.msgid!r} is no longer in the source")
        elif not entry.translated:
            problems.append(f"{entry.msgid!r} is fuzzy or empty")
    assert not problems, f"{po_path(language)} ({REFRESH}):\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language, catalogues):
    mo = po_path(language).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: {REFRESH}"
    compiled = read_mo(mo)
    expected = po_as_mo(catalogues[language])
    compiled.pop("", None)
    expected.pop("", None)
    assert compiled == expected, f"{mo} is older than its .po file: {REFRESH}"


# --- messages that would reach a client untranslated -----------------------------------------


def _is_plain_text(node):
    """A literal message that no gettext call wraps ("..." , f"...", "..." % x, "...".format())."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.strip() != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _is_plain_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_plain_text(node.func.value)
    return False


def _error_classes(trees):
    """The names of every DjwtoError subclass djwto defines, in any module."""
    names = {"DjwtoError"}
    classes = [n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for node in classes:
            bases = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", None) for b in node.bases
            }
            if node.name not in names and bases & names:
                names.add(node.name)
                grew = True
    return names


def _target_name(target):
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return None


def djwto_sources():
    return {str(p.relative_to(REPO)): p.read_text("utf-8") for p in source_files()}


def unwrapped_messages(sources):
    """``file:line: text`` for every literal message on its way to a client without gettext."""
    trees = {name: ast.parse(text, name) for name, text in sources.items()}
    errors = _error_classes(trees)
    found = []
    for where, tree in trees.items():
        for node in ast.walk(tree):
            candidates = []
            if isinstance(node, ast.Call):
                callee = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if callee in errors:
                    candidates += node.args[:1]
                    candidates += [k.value for k in node.keywords if k.arg == "message"]
            elif isinstance(node, ast.Dict):
                candidates += [
                    value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if isinstance(key, ast.Constant) and key.value in BODY_KEYS
                ]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is not None and any(
                    _target_name(t) in MESSAGE_NAMES for t in targets
                ):
                    candidates.append(node.value)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and re.fullmatch(
                r"get_(\w+_)?message", node.name
            ):
                candidates += [
                    n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value
                ]
            found += [(where, c.lineno, ast.unparse(c)) for c in candidates if _is_plain_text(c)]
    return [f"{where}:{line}: {text}" for where, line, text in sorted(found)]


def test_every_client_message_goes_through_gettext():
    """Messages raised with a djwto exception, class defaults, ``get_message()`` (and
    ``get_<why>_message()``, such as a transport's missing-token hint) and
    ``msg``/``error``/``detail`` bodies: wrap them in ``gettext_lazy`` (``_``)."""
    found = unwrapped_messages(djwto_sources())
    assert not found, "wrap these in gettext_lazy (from django.utils.translation):\n" + "\n".join(
        found
    )


def test_the_scan_finds_each_kind_of_plain_message():
    probe = (
        "class Oops(InvalidToken):\n"
        '    default_message = "Plain."\n'
        "def f(x):\n"
        '    raise Oops(f"Bad {x}.")\n'
        "def g(exc):\n"
        '    exc.message = "Changed %s." % 1\n'
        '    return {"msg": "Done.", "code": "done"}\n'
        "def get_message():\n"
        '    return "Hello."\n'
        "def get_missing_message(name):\n"
        '    return f"No {name} cookie."\n'
        "def fine():\n"
        '    raise Oops(_("Wrapped."))\n'
        '    raise ValueError("Not for clients.")\n'
    )
    exceptions = (PACKAGE / "exceptions.py").read_text("utf-8")
    found = unwrapped_messages({"exceptions.py": exceptions, "probe.py": probe})
    assert found == [
        "probe.py:2: 'Plain.'",
        "probe.py:4: f'Bad {x}.'",
        "probe.py:6: 'Changed %s.' % 1",
        "probe.py:7: 'Done.'",
        "probe.py:9: 'Hello.'",
        "probe.py:11: f'No {name} cookie.'",
    ]


def test_the_wheel_ships_the_catalogues():
    """pyproject's package-data covers every .po and .mo file (installs need no gettext)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["djwto"]
    files = [
        p.relative_to(PACKAGE).as_posix() for p in LOCALE.rglob("*") if p.suffix in (".po", ".mo")
    ]
    assert len(files) == 2 * len(LANGUAGES)
    assert [f for f in files if not any(fnmatch(f, pattern) for pattern in patterns)] == []
