"""The stores page's example of running the store contract against a project's own store, run
as written (in a pytest of its own) against a small store of a made-up project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

MY_STORE = '''
import dataclasses
import threading

from django.utils import timezone

from djwto.stores import BaseStore, utc_datetime


class MyStore(BaseStore):
    """Entries in a dict: a store for one process."""

    def __init__(self):
        self.data = {}
        self.lock = threading.Lock()

    def _utc(self, entry):
        return dataclasses.replace(
            entry,
            expires_at=utc_datetime(entry.expires_at),
            created_at=utc_datetime(entry.created_at),
        )

    def lookup(self, keys):
        return {key: self.data[key] for key in keys if key in self.data}

    def add(self, entry):
        with self.lock:
            if entry.key in self.data:
                return False
            self.data[entry.key] = self._utc(entry)
            return True

    def put(self, entry):
        self.put_many([entry])

    def put_many(self, entries):
        converted = {e.key: self._utc(e) for e in entries}  # raises before writing anything
        with self.lock:
            self.data.update(converted)

    def purge_expired(self):
        now = utc_datetime(timezone.now())
        with self.lock:
            expired = [k for k, e in self.data.items() if e.expires_at <= now]
            for key in expired:
                del self.data[key]
        return len(expired)
'''


def readme_example() -> str:
    text = (REPO / "docs" / "stores.md").read_text()
    section = text[text.index("## Your own store") :]
    [code] = re.findall(r"```python[^\n]*\n(.*?)```", section, re.S)[:1]
    return code


def test_the_readme_example_runs_the_contract_on_a_projects_store(tmp_path):
    code = readme_example()
    assert "class TestMyStore(StoreContract):" in code and len(code.splitlines()) <= 12
    (tmp_path / "myproject").mkdir()
    (tmp_path / "myproject" / "__init__.py").write_text("")
    (tmp_path / "myproject" / "stores.py").write_text(MY_STORE)
    (tmp_path / "test_my_store.py").write_text(code)
    # SQLite in memory: a PostgreSQL test database of the same name is this run's own.
    env = {k: v for k, v in os.environ.items() if k != "DJWTO_TEST_DATABASE"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO)])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\b11 passed\b", result.stdout), result.stdout[-1000:]
