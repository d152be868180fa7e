"""Directives that render djwto's references from the code, so no table is written twice.

- ``djwto-settings``: the settings table, ``djwto.conf.render_settings_table()``;
- ``djwto-checks``: the system checks, read from ``djwto.checks``' module docstring (the list
  each check's author keeps next to the code).
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

CHECK_LINE = re.compile(r"^- ``djwto\.([EW]\d{3})`` (.*)$")


def check_rows(docstring: str) -> list[tuple[str, str]]:
    """``(id, meaning)`` for each check the docstring lists, continuation lines joined."""
    rows: list[tuple[str, str]] = []
    for line in docstring.splitlines():
        match = CHECK_LINE.match(line.strip())
        if match:
            rows.append((match[1], match[2]))
        elif rows and line.startswith("  ") and line.strip():
            rows[-1] = (rows[-1][0], f"{rows[-1][1]} {line.strip()}")
    return rows


def render_checks_table(docstring: str) -> str:
    lines = ["| id | kind | when |", "|---|---|---|"]
    for check_id, meaning in check_rows(docstring):
        kind = "error" if check_id.startswith("E") else "warning"
        text = meaning.replace("``", "`").replace("|", "\\|")
        lines.append(f"| `djwto.{check_id}` | {kind} | {text} |")
    return "\n".join(lines) + "\n"


def literal_blocks(lines: list[str]) -> list[str]:
    """djwto's docstrings show code as an indented block after a blank line, without RST's
    ``::``; mark those blocks literal, and give a list that follows a line directly the blank
    line RST needs, so the docstrings read the same in ``help()`` and on the API page."""
    out: list[str] = []
    in_code = False
    for line in lines:
        previous = out[-1] if out else ""
        if line.startswith("    ") and not previous.strip() and not in_code:
            before = next((x for x in reversed(out) if x.strip()), "")
            if before and not before.startswith((" ", "- ", "* ")) and not before.endswith("::"):
                out.extend(["::", ""])
                in_code = True
        elif line.strip() and not line.startswith(" "):
            in_code = False
            if line.startswith("- ") and previous.strip() and not previous.startswith(("- ", " ")):
                out.append("")
        out.append(line)
    return out


def fix_docstring(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    lines[:] = literal_blocks(lines)


class MarkdownDirective(SphinxDirective):
    """Parses the Markdown ``render()`` returns as if it were written in the page."""

    has_content = False

    def render(self) -> str:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        text = self.render()
        self.state.nested_parse(StringList(text.splitlines()), self.content_offset, container)
        return list(container.children)


class SettingsTable(MarkdownDirective):
    def render(self) -> str:
        import djwto.conf
        from djwto.conf import render_settings_table

        self.env.note_dependency(djwto.conf.__file__)
        return render_settings_table()


class ChecksTable(MarkdownDirective):
    def render(self) -> str:
        import djwto.checks

        self.env.note_dependency(djwto.checks.__file__)
        return render_checks_table(djwto.checks.__doc__ or "")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("djwto-settings", SettingsTable)
    app.add_directive("djwto-checks", ChecksTable)
    app.connect("autodoc-process-docstring", fix_docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
