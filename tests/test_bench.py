"""Smoke test of the benchmark: ``benchmarks/bench.py --quick`` runs and prints its table.

Not a timed test: it checks that every scenario answers (the benchmark exits non-zero when a
djwto or simplejwt scenario answers anything but 2xx) and that the report and the JSON file
have their parts. It runs the benchmark in a subprocess, which configures its own settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support import REPO as ROOT
from tests.support import bench_environment, redis_keys_removed

pytest.importorskip("rest_framework_simplejwt", reason="the bench extra is not installed")


@pytest.fixture(autouse=True)
def _bench_keys_removed():
    """The benchmark's Redis scenarios write to the tests' Redis database: delete their keys.
    Its PostgreSQL databases (djwto_bench_*) are its own cache, kept for ``make bench``."""
    with redis_keys_removed("djwto-bench:*"):
        yield


def test_quick_benchmark_prints_its_table(tmp_path):
    out = tmp_path / "bench.json"
    env = {**os.environ, **bench_environment(), "DJWTO_BENCH_DIR": str(tmp_path / "bench-db")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--quick",
            "--rounds",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = proc.stdout
    for needle in (
        "scenario",
        "median µs",
        "× plain",
        "plain View + JsonResponse",
        "djwto HS256 (JSON)",
        "djwto EdDSA (JSON)",
        "djwto HS256 (TWO-COOKIES)",
        "simplejwt stateless",
        "djwto login",
        "simplejwt rotate + blacklist",
        "denylist lookup, SQLite, 10k rows",
        "verified-token cache:",
        "targets:",
    ):
        assert needle in report, f"{needle!r} missing from:\n{report}"
    results = json.loads(out.read_text())
    names = {s["name"] for s in results["scenarios"]}
    assert "djwto update_refresh (rotation)" in names
    assert all(s["median_us"] > 0 for s in results["scenarios"])
    assert {t["scenario"] for t in results["targets"]} <= names
    assert all(t["passed"] in (True, False) for t in results["targets"])
    memory = results["token_cache_memory"]
    assert memory["stays_bounded"] and memory["bytes_per_entry"] > 0
