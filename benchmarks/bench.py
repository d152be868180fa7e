#!/usr/bin/env python
"""djwto side by side with DRF + djangorestframework-simplejwt, in one process.

    python benchmarks/bench.py [--quick] [--rounds N] [--json PATH] [--seed N] [--only NAMES]

Every request is a call of one ``django.core.handlers.wsgi.WSGIHandler`` with a prebuilt WSGI
environ (no test client, no middleware, no network): see ``scenarios.py`` for what is measured,
``runner.py`` for how, ``report.py`` for the targets. ``make loadtest`` is the server-level
counterpart (gunicorn + wrk).

The denylist's size is measured on SQLite files and, when a server answers, on PostgreSQL
(``DJWTO_BENCH_PG_HOST``, default 127.0.0.1; ``off`` skips it) in databases this run creates
and drops. Redis, likewise, comes from ``DJWTO_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import warnings
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import denylist_tables, report, services  # noqa: E402

PG_PREFIX = "djwto_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, small batches and tables")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 25; quick 3)")
    parser.add_argument("--json", default="bench-results.json", metavar="PATH", help="results")
    parser.add_argument("--seed", type=int, default=1, help="seed of the scenario order")
    parser.add_argument(
        "--large-rows", type=int, default=None, help="large denylist (default 1M; quick 10k)"
    )
    parser.add_argument("--only", default=None, help="comma-separated substrings of names")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (3 if args.quick else 25)
    args.batch_seconds = 0.003 if args.quick else 0.030
    args.small_rows = 1_000
    args.large_rows = args.large_rows or (10_000 if args.quick else 1_000_000)
    return args


def sqlite_tables(args: argparse.Namespace) -> dict[str, str]:
    bench_dir = os.environ.get("DJWTO_BENCH_DIR") or os.path.join(
        tempfile.gettempdir(), "djwto-bench"
    )
    os.makedirs(bench_dir, exist_ok=True)
    os.environ["DJWTO_BENCH_DIR"] = bench_dir
    version = denylist_tables.DENY_TABLE_VERSION
    paths = {}
    for size, rows in (("small", args.small_rows), ("large", args.large_rows)):
        paths[size] = os.path.join(bench_dir, f"denylist-v{version}-{rows}.sqlite3")
        os.environ[f"DJWTO_BENCH_DENY_{size.upper()}"] = paths[size]
    return paths


def services_env(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Any]:
    """Find Redis and PostgreSQL; create this run's PostgreSQL databases (dropped on exit)."""
    url = services.redis_url()
    os.environ.pop("DJWTO_BENCH_REDIS_URL", None)
    if url:
        os.environ["DJWTO_BENCH_REDIS_URL"] = url
    host = services.postgres_host()
    os.environ.pop("DJWTO_BENCH_PG_HOST", None)
    names: list[str] = []
    if host:
        services.drop_stale_databases(host, PG_PREFIX)
        for size, rows in (("SMALL", args.small_rows), ("LARGE", args.large_rows)):
            names.append(services.database_name(PG_PREFIX, str(rows)))
            os.environ[f"DJWTO_BENCH_PG_{size}"] = names[-1]
        stack.enter_context(services.own_databases(host, names))
        os.environ["DJWTO_BENCH_PG_HOST"] = host
    return {"redis": url, "postgres": host, "pg_databases": names}


def configure(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict[str, Any]:
    paths = sqlite_tables(args)
    info = services_env(args, stack)
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False, database="default")
    tables = {
        "SQLite": {
            "small": denylist_tables.build_denylist_db(paths["small"], args.small_rows),
            "large": denylist_tables.build_denylist_db(paths["large"], args.large_rows),
        },
    }
    if info["postgres"]:
        tables["PostgreSQL"] = {
            "small": denylist_tables.build_denylist_pg("deny_pg_small", args.small_rows),
            "large": denylist_tables.build_denylist_pg("deny_pg_large", args.large_rows),
        }
    return {**info, "denylist_tables": tables}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.memory import measure_token_cache
    from benchmarks.runner import run_rounds
    from benchmarks.scenarios import build_scenarios

    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        info = configure(args, stack)
        kit, scenarios = build_scenarios(args, info)
        run_rounds(scenarios, args.rounds, args.batch_seconds, args.seed)
        memory = measure_token_cache(kit, args.quick)
        data = report.results(args, info, scenarios, {"token_cache_memory": memory})
    data["seconds"] = round(time.perf_counter() - started, 1)
    return data


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # joserfc 1.8 flags the "EdDSA" alg name as deprecated (RFC 9864); the scenario still
    # measures what djwto's DJWTO_ALGORITHM="EdDSA" does today.
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")
    services.exit_on_sigterm()
    try:
        data = run(args)
    except KeyboardInterrupt:
        print("interrupted: the run's databases were dropped", file=sys.stderr)
        return 130
    print(report.format_report(data))
    if args.json:
        report.write_json(data, args.json)
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
