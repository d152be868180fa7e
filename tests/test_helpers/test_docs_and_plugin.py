"""docs/testing.md's examples run as written, and the pytest plugin stays harmless without
pytest-django."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys

from tests.support import REPO

PAGE = REPO / "docs" / "testing.md"
PLUGIN = "djwto.test.pytest_plugin"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def plugin_args():
    """Load the plugin by hand unless an installed djwto's entry point already does: pytest
    refuses one module registered under two names."""
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", PLUGIN]


def run_pytest(directory, *args, settings="tests.settings"):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # SQLite in memory: the PostgreSQL pass's test database is this session's.
    for name in ("DJANGO_SETTINGS_MODULE", "DJWTO_TEST_DATABASE"):
        env.pop(name, None)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *plugin_args(),
            f"--rootdir={directory}",
            *args,
            str(directory),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_example_of_the_page_runs(tmp_path):
    blocks = BLOCK.findall(PAGE.read_text("utf-8"))
    assert len(blocks) >= 5
    (tmp_path / "test_page.py").write_text("\n\n".join(blocks))
    result = run_pytest(tmp_path)
    tests = sum(len(re.findall(r"^\s*def test_", block, re.MULTILINE)) for block in blocks)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{tests} passed" in result.stdout, result.stdout[-2000:]


def test_the_plugin_works_without_pytest_django(tmp_path):
    """Without pytest-django (and without Django settings) the plugin loads, and the fixtures
    that need no database work."""
    (tmp_path / "test_plain.py").write_text(
        "import time\n\n"
        "def test_clock(jwt_clock):\n"
        "    start = time.time()\n"
        "    jwt_clock.advance(5)\n"
        "    assert time.time() == start + 5\n"
    )
    result = run_pytest(tmp_path, "-p", "no:django", settings=None)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
