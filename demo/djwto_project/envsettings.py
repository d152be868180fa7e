"""The demo's settings from environment variables: every ``DJWTO_*`` setting, driven by djwto's
own settings table (``djwto.conf.SETTINGS``), so a setting added to djwto can be tried in the
demo without editing it.

How a variable is read follows the setting's type in the table:

* ``bool``: ``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off`` (any case);
* ``timedelta``: a number of seconds (``90``, ``0.5``);
* ``int``: an integer;
* ``list[str]``: comma-separated (one item stays a plain string);
* ``None`` allowed: ``none`` (any case) means ``None``;
* ``False`` allowed (``DJWTO_SAME_SITE``): ``false``/``no``/``off``/``0`` mean ``False``;
* anything else: the string as it is (keys, dotted paths, names).

An empty variable counts as unset. A value that does not parse, or that djwto's validator
refuses, stops the demo at start with :class:`EnvironmentVariableError` naming the variable
(the values of key variables are never shown).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from djwto.conf import SETTINGS, Setting, SettingError


class EnvironmentVariableError(ImproperlyConfigured):
    """An environment variable the demo cannot use; the message names it and says why."""


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")

#: The demo's own choices where djwto's defaults would not show it off (by setting name).
DEMO_DEFAULTS: dict[str, Any] = {
    "MODE": "TWO-COOKIES",
    # No key here: settings.py generates one on first run (demo_keys.py), so none ships.
    "ISS_CLAIM": "djwto-demo",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "COOKIE_SECURE": True,
    "SAME_SITE": "Lax",
    "CSRF": True,
}

#: Older names the demo still reads, and the setting each one sets (the table's name wins).
ALIASES = {"DJWTO_ACCESS_TOKEN_SECONDS": "ACCESS_TOKEN_LIFETIME"}


def _types(spec: Setting) -> set[str]:
    """The type names of a table row: "`timedelta`, `None`" -> {"timedelta", "None"}."""
    return set(re.findall(r"`([^`]+)`", spec.type)) | set(re.findall(r"\b(class)\b", spec.type))


def kind_of(spec: Setting) -> str:
    """How the variable of ``spec`` is parsed: bool, seconds, int, list or str."""
    types = _types(spec)
    if "bool" in types:
        return "bool"
    if "timedelta" in types:
        return "seconds"
    if "int" in types:
        return "int"
    if "list[str]" in types:
        return "list"
    return "str"


def is_secret(spec: Setting) -> bool:
    """Keys: their values never appear in an error message."""
    return "bytes" in _types(spec)


def parse_bool(variable: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvironmentVariableError(
        f"Environment variable {variable}={raw!r} is not a boolean: use one of "
        f"{'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}."
    )


def parse_int(variable: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise EnvironmentVariableError(
            f"Environment variable {variable}={raw!r} is not an integer."
        ) from None


def parse_seconds(variable: str, raw: str) -> timedelta:
    try:
        seconds = float(raw.strip())
        return timedelta(seconds=seconds)
    except (ValueError, OverflowError):
        raise EnvironmentVariableError(
            f"Environment variable {variable}={raw!r} is not a number of seconds (e.g. 300 or 0.5)."
        ) from None


def parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse(spec: Setting, raw: str, variable: str | None = None) -> Any:
    """The value of setting ``spec`` that the environment string ``raw`` stands for."""
    variable = variable or spec.setting
    types = _types(spec)
    word = raw.strip().lower()
    if "None" in types and word == "none":
        return None
    if "False" in types and word in FALSE_WORDS:
        return False
    kind = kind_of(spec)
    if kind == "bool":
        return parse_bool(variable, raw)
    if kind == "seconds":
        return parse_seconds(variable, raw)
    if kind == "int":
        return parse_int(variable, raw)
    if kind == "list":
        items = parse_list(raw)
        return items[0] if len(items) == 1 else items
    return raw if is_secret(spec) else raw.strip()


def djwto_settings_from_env(
    environ: Mapping[str, str], defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``{"DJWTO_X": value}`` for every setting of the table set in ``environ`` or ``defaults``.

    ``defaults`` (by name without the prefix) are the demo's own choices; a setting in neither
    is left out, so djwto's default applies. Every value goes through djwto's validator here,
    so a bad one stops the start with a message naming the variable.
    """
    chosen: dict[str, tuple[Any, str | None]] = {
        name: (value, None) for name, value in (defaults or {}).items()
    }
    sources = [(alias, name) for alias, name in ALIASES.items()]
    sources += [(spec.setting, name) for name, spec in SETTINGS.items()]
    for variable, name in sources:  # the table's names last: they win over aliases
        raw = environ.get(variable, "")
        if raw.strip():
            chosen[name] = (parse(SETTINGS[name], raw, variable), variable)
    result = {}
    for name, (value, variable) in chosen.items():
        spec = SETTINGS[name]  # KeyError for a default djwto does not know: a demo bug
        try:
            spec.clean(name, value)
        except SettingError as exc:
            if variable is None:
                raise
            shown = "" if is_secret(spec) else f"={environ[variable]!r}"
            raise EnvironmentVariableError(
                f"Environment variable {variable}{shown} is not usable: {exc}"
            ) from None
        result[spec.setting] = value
    return result


def misspelt_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """``{"DJWTO_ACESS_TOKEN_LIFETIME": "DJWTO_ACCESS_TOKEN_LIFETIME"}``: set variables that
    the demo does not read but that look like one it does (a typo is otherwise silent)."""
    known = [spec.setting for spec in SETTINGS.values()] + list(ALIASES)
    found = {}
    for variable in environ:
        if variable.startswith("DJWTO_") and variable not in known:
            close = difflib.get_close_matches(variable, known, n=1, cutoff=0.85)
            if close:
                found[variable] = close[0]
    return found


# --- docs ---------------------------------------------------------------------------------------

_KIND_DOC = {
    "bool": "`1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`",
    "seconds": "seconds",
    "int": "integer",
    "list": "comma-separated list",
    "str": "string",
}


def _doc_value(value: Any) -> str:
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        return f"`{int(seconds) if seconds.is_integer() else seconds}`"
    if value is None:
        return "unset"
    if isinstance(value, (list, tuple)):
        return f"`{','.join(value)}`"
    if isinstance(value, str) and len(value) > 40:
        return "a public demo-only value"
    return f"`{value}`"


def _doc_kind(spec: Setting) -> str:
    text = _KIND_DOC[kind_of(spec)]
    types = _types(spec)
    if "None" in types:
        text += ", or `none`"
    if "False" in types:
        text += ", or `false`"
    return text


def render_env_table(defaults: Mapping[str, Any]) -> str:
    """The ``DJWTO_*`` variables as a Markdown table (docs/demo.md's is this output)."""
    lines = [
        "| variable | in the demo | value | meaning |",
        "|---|---|---|---|",
    ]
    for name, spec in SETTINGS.items():
        shown = _doc_value(defaults.get(name, spec.default))
        meaning = spec.description.replace("|", "\\|")
        lines.append(f"| `{spec.setting}` | {shown} | {_doc_kind(spec)} | {meaning} |")
    return "\n".join(lines) + "\n"
