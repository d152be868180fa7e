"""Running the code blocks of the documentation (docs/**/*.md and README.md), page by page.

A page is run top to bottom, as a reader would paste it (the conventions are in
CONTRIBUTING.md, "Documentation"):

- ```` ```python ````: executed in the page's namespace, in the test suite's Django settings
  (with its test database);
- ```` ```python file=PATH ````: written to PATH, relative to the page's working directory,
  which is on ``sys.path`` (``append`` adds to the file instead);
- ```` ```python settings ````: executed on its own; the names it sets apply to the rest of the
  page (``override_settings``) and must pass djwto's system checks. Names a running process
  cannot change (``INSTALLED_APPS``, ``DATABASES``) are checked (every app, middleware and
  engine named must import) but not applied;
- ```` ```shell ```` (``sh``, ``bash``, ``console``): run by bash with ``-euo pipefail`` in the
  page's working directory, a Django project whose ``manage.py`` works; the directory and the
  exported variables carry over to the next shell block, as in one terminal;
- ``norun="why"`` on any block: not run, and the reason is required.

Any other fenced block must be in a language that is shown only (``json``, ``text``...); a
block of an unknown language, or without one, fails the page: no example goes unrun unnoticed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.test import override_settings
from django.utils.module_loading import import_string
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"

PYTHON = {"python", "py"}
SHELL = {"shell", "sh", "bash", "console"}
# Shown, never run: data, output and other languages.
SHOWN = {"json", "text", "http", "javascript", "js", "html", "toml", "ini", "yaml", "diff", "sql"}
# MyST directives whose body is no code (or code that the build itself runs: eval-rst autodoc).
DIRECTIVES = {
    "toctree",
    "include",
    "eval-rst",
    "djwto-settings",
    "djwto-checks",
    "note",
    "warning",
    "tip",
    "important",
    "admonition",
    "seealso",
}
CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}
NOT_APPLIED = {"INSTALLED_APPS", "DATABASES"}
SHELL_TIMEOUT = 180

PROJECT_SETTINGS = """\
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "docs-only-django-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "djwto",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
ROOT_URLCONF = "docs_site.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.path.join(BASE_DIR, "db.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
DJWTO_SIGNING_KEY = "docs-only-djwto-signing-key-of-more-than-64-bytes-0123456789abcdefghij"
"""
PROJECT_URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("", include("djwto.urls"))]
"""
MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docs_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


class BlockError(AssertionError):
    """A block failed, or cannot be run: the message names the page and the line."""


@dataclass
class Block:
    page: Path
    line: int  # 1-based, of the opening fence
    lang: str
    options: dict[str, str] = field(default_factory=dict)
    code: str = ""

    @property
    def where(self) -> str:
        try:
            name = self.page.relative_to(REPO)
        except ValueError:
            name = self.page
        return f"{name}:{self.line}"

    @property
    def kind(self) -> str:
        """``python``, ``shell``, ``shown``, ``directive``, or ``unknown``."""
        if self.lang in PYTHON:
            return "python"
        if self.lang in SHELL:
            return "shell"
        if self.lang in SHOWN:
            return "shown"
        if self.lang.startswith("{") and self.lang.endswith("}"):
            return "directive" if self.lang[1:-1] in DIRECTIVES else "unknown"
        return "unknown"


def parse_info(info: str) -> tuple[str, dict[str, str]]:
    """``python file=x.py append`` -> ``("python", {"file": "x.py", "append": ""})``."""
    words = shlex.split(info) if info.strip() else []
    if not words:
        return "", {}
    lang, options = words[0], {}
    if lang.startswith("{") and lang[1:-1] in CODE_DIRECTIVES:  # ```{code-block} python
        lang, words = (words[1] if len(words) > 1 else ""), words[1:]
    for word in words[1:]:
        key, _, value = word.partition("=")
        options[key] = value
    return lang, options


def blocks(page: Path) -> list[Block]:
    """Every code block of ``page``, fenced or indented, in order."""
    found = []
    for token in MarkdownIt("commonmark").parse(page.read_text()):
        if token.type not in ("fence", "code_block"):
            continue
        line = token.map[0] + 1 if token.map else 0
        lang, options = parse_info(token.info) if token.type == "fence" else ("", {})
        found.append(Block(page, line, lang, options, token.content))
    return found


def doc_pages() -> list[Path]:
    """The pages whose blocks are run: docs/**/*.md (the build output aside) and README.md."""
    pages = [p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts]
    return [*sorted(pages), REPO / "README.md"]


class PageRun:
    """One page's run: its working directory, namespace, settings and shell state."""

    def __init__(self, page: Path, workdir: Path):
        self.page = page
        self.root = workdir / "project"
        self.cwd = self.root
        self.state = workdir / "shell-state.sh"
        self.cwd_file = workdir / "shell-cwd"
        self.namespace: dict[str, object] = {"__name__": "__docs__"}
        self.overrides: list[override_settings] = []
        self.skipped: list[Block] = []
        self.sys_path = list(sys.path)
        self.modules = set(sys.modules)
        (self.root / "docs_site").mkdir(parents=True)
        (self.root / "docs_site" / "__init__.py").write_text("")
        (self.root / "docs_site" / "settings.py").write_text(PROJECT_SETTINGS)
        (self.root / "docs_site" / "urls.py").write_text(PROJECT_URLS)
        (self.root / "manage.py").write_text(MANAGE)
        self.state.write_text("")

    # --- the page ---------------------------------------------------------------------------

    def run(self, only: list[Block] | None = None) -> None:
        todo = blocks(self.page) if only is None else only
        try:
            for block in todo:
                self.run_block(block)
        finally:
            self.close()

    def run_block(self, block: Block) -> None:
        if "norun" in block.options:
            if not block.options["norun"].strip():
                raise BlockError(f'{block.where}: norun needs its reason: norun="why"')
            self.skipped.append(block)
            return
        kind = block.kind
        if kind == "python":
            if "file" in block.options:
                self.write_file(block)
            elif "settings" in block.options:
                self.apply_settings(block)
            else:
                self.exec_python(block)
        elif kind == "shell":
            code = block.code
            if block.lang == "console":  # "$ command" lines run; the others are its output
                code = "\n".join(x[2:] for x in code.splitlines() if x.startswith("$ "))
            self.run_shell(block, code)
        elif kind == "unknown":
            raise BlockError(
                f"{block.where}: no runner for a ```{block.lang or '(no language)'} block: "
                "use python or shell (run), a shown language (json, text...), or "
                'norun="why"'
            )

    def close(self) -> None:
        for override in reversed(self.overrides):
            override.disable()
        self.overrides.clear()
        sys.path[:] = self.sys_path
        for name in set(sys.modules) - self.modules:
            module = sys.modules[name]
            if str(getattr(module, "__file__", "") or "").startswith(str(self.root)):
                del sys.modules[name]
        importlib.invalidate_caches()

    # --- python -----------------------------------------------------------------------------

    def write_file(self, block: Block) -> None:
        target = (self.cwd / block.options["file"]).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise BlockError(f"{block.where}: file= must stay inside the page's directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        if "append" in block.options:
            if not target.exists():
                raise BlockError(f"{block.where}: append to {target.name}, which does not exist")
            with target.open("a") as fh:
                fh.write("\n" + block.code)
        else:
            target.write_text(block.code)
        importlib.invalidate_caches()

    def compile(self, block: Block) -> object:
        # Line numbers in tracebacks point into the page.
        return compile("\n" * block.line + block.code, str(block.page), "exec")

    def exec_python(self, block: Block) -> None:
        if str(self.cwd) not in sys.path:
            sys.path.insert(0, str(self.cwd))
        try:
            exec(self.compile(block), self.namespace)  # noqa: S102 - the documentation's code
        except Exception as exc:
            raise BlockError(f"{block.where}: {type(exc).__name__}: {exc}") from exc

    def apply_settings(self, block: Block) -> None:
        values: dict[str, object] = {}
        try:
            exec(self.compile(block), values)  # noqa: S102 - the documentation's settings
        except Exception as exc:
            raise BlockError(f"{block.where}: {type(exc).__name__}: {exc}") from exc
        names = {k: v for k, v in values.items() if k.isupper()}
        if not names:
            raise BlockError(f"{block.where}: a settings block that sets no setting")
        for name in ("INSTALLED_APPS", "MIDDLEWARE"):
            for entry in names.get(name, []):  # type: ignore[attr-defined]
                if isinstance(entry, str):
                    self.must_import(block, entry)
        for database in names.get("DATABASES", {}).values():  # type: ignore[attr-defined]
            self.must_import(block, f"{database['ENGINE']}.base")
        applied = {
            k: v
            for k, v in names.items()
            if k not in NOT_APPLIED and not (isinstance(v, list) and ... in v)
        }
        override = override_settings(**applied)
        override.enable()
        self.overrides.append(override)
        from django.core import checks

        problems = [
            f"{m.id}: {m.msg}"
            for m in checks.run_checks()
            if (m.id or "").startswith("djwto.") and (m.is_serious() or m.id == "djwto.W008")
        ]
        if problems:
            raise BlockError(f"{block.where}: the settings fail djwto's checks: {problems}")

    def must_import(self, block: Block, dotted: str) -> None:
        if importlib.util.find_spec(dotted.split(".")[0]) is None:
            raise BlockError(f"{block.where}: {dotted!r} cannot be imported")
        try:
            importlib.import_module(dotted)
        except ImportError:
            try:
                import_string(dotted)
            except ImportError as exc:
                raise BlockError(f"{block.where}: {dotted!r} cannot be imported: {exc}") from exc

    # --- shell ------------------------------------------------------------------------------

    def shell_env(self) -> dict[str, str]:
        """A terminal's environment: the venv's tools first, djwto importable, and none of the
        test run's Django or djwto settings."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DJWTO_")) and k not in ("PYTHONPATH",)
        }
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PYTHONPATH"] = str(REPO)  # djwto as if installed
        return env

    def shell_script(self, code: str) -> str:
        state, cwd_file = shlex.quote(str(self.state)), shlex.quote(str(self.cwd_file))
        return (
            f"source {state}\n"
            f"cd {shlex.quote(str(self.cwd))}\n"
            "docs_save() {\n"
            f"  pwd > {cwd_file}\n"
            f"  export -p | grep -Ev '^declare -x (PWD|OLDPWD|SHLVL|_)=' > {state} || true\n"
            "}\n"
            "trap docs_save EXIT\n"
            "set -euo pipefail\n" + code
        )

    def run_shell(self, block: Block, code: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["bash", "-c", self.shell_script(block.code if code is None else code)],
            env=self.shell_env(),
            capture_output=True,
            text=True,
            timeout=SHELL_TIMEOUT,
        )
        if result.returncode != 0:
            raise BlockError(
                f"{block.where}: the shell block exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        self.cwd = Path(self.cwd_file.read_text().strip())
        return result
