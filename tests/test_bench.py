"""The benchmarks run, and the load test's pieces work, without timing anything.

``benchmarks/bench.py --quick`` runs in a subprocess (it configures its own settings): every
scenario must answer 2xx (the benchmark exits non-zero otherwise), the report and the JSON file
have their parts, and the PostgreSQL databases it created are gone afterwards. The load test
is not started (it needs gunicorn, wrk and PostgreSQL, and minutes): its parsing of wrk's
output, its CPU accounting from /proc, its Lua scripts and its report are checked on recorded
and fake inputs. No test asserts a speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO as ROOT
from tests.support import bench_environment, redis_keys_removed

pytest.importorskip("rest_framework_simplejwt", reason="the bench extra is not installed")

from benchmarks import loadtest, loadtest_report, services


@pytest.fixture(autouse=True)
def _bench_keys_removed():
    """The benchmark's Redis scenarios write to the tests' Redis database: delete their keys.
    (Its PostgreSQL databases it drops itself; a test below checks that.)"""
    with redis_keys_removed("djwto-bench:*"):
        yield


def run_quick_benchmark(tmp_path: Path) -> tuple[str, dict]:
    out = tmp_path / "bench.json"
    env = {**os.environ, **bench_environment(), "DJWTO_BENCH_DIR": str(tmp_path / "bench-db")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick"]
    proc = subprocess.run(
        [*command, "--rounds", "2", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text())


def test_quick_benchmark_prints_its_table_and_drops_its_databases(tmp_path):
    report, results = run_quick_benchmark(tmp_path)
    for needle in (
        "median µs",
        "× plain",
        "plain View + JsonResponse",
        "djwto HS256 (JSON)",
        "djwto EdDSA (JSON)",
        "djwto HS256 (TWO-COOKIES)",
        "simplejwt stateless",
        "Django authenticate() + last_login, PBKDF2",
        "djwto login, PBKDF2",
        "djwto login, MD5",
        "simplejwt rotate + blacklist",
        "djwto + revocation (database), SQLite, 10k rows",
        "denylist lookup, SQLite, 10k rows (absent)",
        "verified-token cache:",
        "targets:",
    ):
        assert needle in report, f"{needle!r} missing from:\n{report}"
    names = {s["name"] for s in results["scenarios"]}
    assert "djwto update_refresh (rotation)" in names
    assert all(s["median_us"] > 0 for s in results["scenarios"])
    targets = results["targets"]
    assert {t["scenario"] for t in targets} <= names
    assert all(t["passed"] in (True, False) for t in targets)
    login = next(t for t in targets if t["scenario"] == "djwto login, PBKDF2")
    assert not login["informational"] and login["limit"] == 1.02
    assert all(t["informational"] for t in targets if t["scenario"] == "djwto login, MD5")
    assert results["token_cache_memory"]["stays_bounded"]
    created = results["meta"]["postgres_databases"]
    if results["meta"]["postgres"]:
        assert created, "a run on PostgreSQL creates its own databases"
        assert not existing_databases(results["meta"]["postgres"], created)


def existing_databases(host: str, names: list[str]) -> list[str]:
    import psycopg

    with psycopg.connect(**services.pg_params(host, "postgres"), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s)", [names]
        ).fetchall()
    return [name for (name,) in rows]


def test_databases_of_dead_runs_are_stale_and_live_ones_are_not():
    alive, dead = os.getpid(), 2**22 + 1  # above Linux's pid_max default: never a process
    names = [
        f"djwto_bench_{alive}_1000",
        f"djwto_bench_{dead}_1000",
        "djwto_bench_v1_1000000",  # before databases carried a pid
        "djwto_benchmarks",
        f"djwto_loadtest_{dead}_db",
    ]
    stale = services.stale_databases(names, "djwto_bench")
    assert stale == [f"djwto_bench_{dead}_1000", "djwto_bench_v1_1000000"]


WRK_OUTPUT = """\
Running 4s test @ http://127.0.0.1:41234/djwto/json/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.41ms    7.46ms  44.03ms   85.65%
    Req/Sec   648.80    208.05     0.91k    60.00%
  Latency Distribution
     50%  812.00us
     75%    6.74ms
     90%   16.48ms
     99%    1.02s
  2601 requests in 4.01s, 1.03MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:    648.63
Transfer/sec:    263.11KB
"""


def test_wrk_output_is_parsed():
    parsed = loadtest_report.parse_wrk(WRK_OUTPUT)
    assert parsed == {
        "requests": 2601,
        "rps": 648.63,
        "p50_ms": pytest.approx(0.812),
        "p99_ms": pytest.approx(1020.0),
        "non_2xx": 3,
        "socket_errors": 3,
    }


def test_wrk_output_without_latencies_is_refused():
    without = WRK_OUTPUT.split("  Latency Distribution")[0]
    with pytest.raises(ValueError, match="latency distribution"):
        loadtest_report.parse_wrk(without)


def write_stat(proc: Path, pid: int, name: str, ppid: int, utime: int, stime: int) -> None:
    (proc / str(pid)).mkdir(exist_ok=True)
    fields = ["S", ppid, pid, pid, 0, -1, 4194560, 100, 0, 0, 0, utime, stime, 0, 0, 20, 0, 1]
    (proc / str(pid) / "stat").write_text(f"{pid} ({name}) " + " ".join(map(str, fields)))


def test_cpu_of_the_workers_is_read_from_proc(tmp_path):
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "self").mkdir()  # not a pid: ignored
    write_stat(proc, 100, "gunicorn: master", 1, 50, 50)
    write_stat(proc, 101, "gunicorn: worker [app] (1)", 100, 300, 100)
    write_stat(proc, 102, "gunicorn: worker", 100, 200, 0)
    write_stat(proc, 200, "postgres", 1, 999, 999)
    workers = loadtest_report.children(100, str(proc))
    assert workers == [101, 102]
    before = loadtest_report.cpu_ticks(workers, str(proc))
    assert before == {101: 400, 102: 200}
    write_stat(proc, 101, "gunicorn: worker [app] (1)", 100, 400, 150)  # +150 ticks
    write_stat(proc, 102, "gunicorn: worker", 100, 250, 0)  # +50 ticks
    after = loadtest_report.cpu_ticks([*workers, 103], str(proc))  # 103: gone
    # 200 ticks at 100 Hz = 2 s of CPU over 1,000 requests: 2,000 µs each.
    assert loadtest_report.cpu_us_per_request(before, after, 1000, hz=100) == 2000
    assert loadtest_report.cpu_us_per_request(before, after, 0, hz=100) is None


def runs_of(name: str, rps: list[float], cpu: list[float]) -> loadtest_report.Runs:
    rounds = [
        {"rps": r, "cpu_us": c, "p50_ms": 1.0, "p99_ms": 2.0, "non_2xx": 0, "socket_errors": 0}
        for r, c in zip(rps, cpu, strict=True)
    ]
    return loadtest_report.Runs(name, rounds=rounds)


def test_load_test_targets_use_per_round_ratios():
    runs = {
        r.name: r
        for r in (
            runs_of("plain view", [1000, 500, 1000], [500, 1000, 500]),
            runs_of("djwto HS256", [950, 400, 950], [550, 1300, 550]),
            runs_of("simplejwt HS256", [700, 300, 700], [800, 1700, 800]),
        )
    }
    targets = {(t["scenario"], t["baseline"]): t for t in loadtest_report.evaluate(runs)}
    vs_plain = targets["djwto HS256", "plain view"]
    assert vs_plain["value"] == pytest.approx(0.95) and vs_plain["passed"] is True
    vs_simplejwt = targets["djwto HS256", "simplejwt HS256"]
    assert vs_simplejwt["value"] == pytest.approx(950 / 700) and vs_simplejwt["passed"] is False
    report = loadtest_report.format_report(
        runs,
        {"workers": 2, "address": "127.0.0.1", "postgres": "127.0.0.1", "connections": 4,
         "rounds": 3, "duration": 4},
    )  # fmt: skip
    assert "targets: 1/2 pass" in report
    assert "FAIL" in report and "PASS" in report


def test_rotation_script_sends_each_token_once_and_stops_before_the_pool_ends():
    server = loadtest.Server("HS256")
    scenario = loadtest.Scenario(
        "djwto rotation", server, "/api/token/refresh/update_refresh/", "POST"
    )
    pool = [f"token-{i}" for i in range(40)]
    script = loadtest.lua_script(scenario, pool)
    assert all(script.count(f'"token-{i}"') == 1 for i in range(40))
    assert "wrk.thread:stop()" in script
    assert "wrk.headers[ [==[Content-Type]==] ] = [==[application/json]==]" in script


def test_protected_view_script_sets_the_bearer_header():
    scenario = loadtest.Scenario(
        "djwto HS256", loadtest.Server("HS256"), "/djwto/json/", headers=loadtest.bearer("a.b.c")
    )
    script = loadtest.lua_script(scenario)
    assert "wrk.headers[ [==[Authorization]==] ] = [==[Bearer a.b.c]==]" in script
    assert "wrk.body" not in script
