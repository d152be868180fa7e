"""Smoke test of ``benchmarks/sessions_bench.py --quick``: it runs (every call it times must
answer 200, or it exits non-zero), prints its table and writes ``run()``'s dicts. Not timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import REPO


def test_the_sessions_benchmark_runs_and_reports_both_operations(tmp_path):
    out = tmp_path / "sessions.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "sessions_bench.py"), "--quick", "--json", out],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "records off µs" in proc.stdout and "records on µs" in proc.stdout
    rows = json.loads(out.read_text())
    assert [row["operation"] for row in rows] == ["login", "rotation"]
    for row in rows:
        assert set(row) == {"operation", "off_us", "on_us", "ratio"}
        assert row["off_us"] > 0 and row["on_us"] > 0
        assert row["ratio"] > 0
        assert row["operation"] in proc.stdout
