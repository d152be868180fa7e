"""Reading djwto's catalogues without GNU gettext: the ``.po`` sources, the compiled ``.mo``
files, and the messages the source code marks for translation."""

from __future__ import annotations

import ast
import functools
import struct
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import REPO

PACKAGE = REPO / "djwto"
LOCALE = PACKAGE / "locale"
#: The languages djwto ships; each must translate every message.
LANGUAGES = ("de", "es", "fr", "pt_BR")
#: The functions that mark a message, and where their msgid (and msgctxt) arguments are.
MARKERS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

#: A catalogue key: (msgctxt or None, msgid).
Key = tuple[str | None, str]


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a ``.po`` file, the header (msgid ``""``) included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            finish()
            flags = {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}: stray string {raw!r}"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and (
            current is None or current.msgstr or keyword == "msgctxt"
        ):
            finish()
            current = Entry(msgid="", flags=flags, obsolete=obsolete)
            flags = set()
        assert current is not None, f"{path}: {raw!r} outside an entry"
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
    finish()
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """A compiled catalogue as {msgid: msgstr}, keys as the ``.mo`` format stores them
    (``ctxt\\x04msgid``, plural forms joined by NUL)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalogue = {}
    for index in range(count):
        olen, ooff = struct.unpack(
            order + "2I", data[originals + 8 * index : originals + 8 * index + 8]
        )
        tlen, toff = struct.unpack(
            order + "2I", data[translations + 8 * index : translations + 8 * index + 8]
        )
        catalogue[data[ooff : ooff + olen].decode()] = data[toff : toff + tlen].decode()
    return catalogue


def po_as_mo(entries: list[Entry]) -> dict[str, str]:
    """What ``msgfmt`` compiles from ``entries``: the translated ones, in the ``.mo`` keys."""
    out = {}
    for entry in entries:
        if entry.obsolete or not entry.translated:
            continue
        key = entry.msgid
        if entry.msgid_plural is not None:
            key += "\x00" + entry.msgid_plural
        if entry.msgctxt is not None:
            key = entry.msgctxt + "\x04" + key
        out[key] = "\x00".join(entry.msgstr[i] for i in sorted(entry.msgstr))
    return out


@dataclass(frozen=True)
class Marked:
    """A message the source marks for translation, and where."""

    key: Key
    where: str


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def source_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@functools.cache
def marked_messages() -> tuple[Marked, ...]:
    """Every constant message passed to a gettext function in djwto's source: what
    ``makemessages`` extracts."""
    found = []
    for path in source_files():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _callee(node) not in MARKERS:
                continue
            # The catalogue's key is the context and the singular form.
            context_at, message_at = MARKERS[_callee(node)][:2]
            if len(node.args) <= message_at:
                continue
            context = None if context_at is None else _string(node.args[context_at])
            text = _string(node.args[message_at])
            if text:
                found.append(Marked((context, text), f"{path.relative_to(REPO)}:{node.lineno}"))
    return tuple(found)
