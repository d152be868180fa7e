#!/usr/bin/env python
"""djwto side by side with DRF + simplejwt behind a real server: gunicorn, PostgreSQL, wrk.

    python benchmarks/loadtest.py [--rounds N] [--duration S] [--json PATH] [--only NAMES]

Four gunicorn servers (``-w 2``, sync workers, 127.0.0.1 only) serve the benchmark's views from
one PostgreSQL database this run creates and drops: one per algorithm (HS256, RS256, ES256)
and one whose simplejwt rotates refresh tokens. wrk drives one scenario at a time; each round
runs every scenario once in a shuffled order. Every process started here is stopped on the way
out, on Ctrl-C, SIGTERM or an error, and the database is dropped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import loadtest_report as lr  # noqa: E402
from benchmarks import services  # noqa: E402

PG_PREFIX = "djwto_loadtest"
PASSWORD = "correct horse battery staple"
HOST = "127.0.0.1"
ALGORITHMS = ("HS256", "RS256", "ES256")
MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--duration", type=int, default=4, help="seconds per run (4)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--json", default="loadtest-results.json", metavar="PATH")
    parser.add_argument("--seed", type=int, default=1, help="seed of the scenario order")
    parser.add_argument("--only", default=None, help="comma-separated substrings of names")
    return parser.parse_args(argv)


# --- servers -------------------------------------------------------------------------------


@dataclass
class Server:
    alg: str
    rotate: bool = False
    port: int = 0
    keys: tuple[str, str] = ("", "")  # private and public PEM (empty: the HS256 secret)
    process: subprocess.Popen | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {
            **base,
            "DJANGO_SETTINGS_MODULE": "benchmarks.loadtest_settings",
            "DJWTO_LOADTEST_ALG": self.alg,
            "DJWTO_LOADTEST_SIGNING_KEY": self.keys[0],
            "DJWTO_LOADTEST_VERIFYING_KEY": self.keys[1],
            "DJWTO_LOADTEST_ROTATE": "1" if self.rotate else "0",
            "PYTHONPATH": ROOT,
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """In the child: SIGTERM when the load test dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start(server: Server, workers: int, base_env: dict[str, str], log: Any) -> None:
    server.port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync",
        "-b", f"{HOST}:{server.port}", "--timeout", "120", "--graceful-timeout", "5",
        "--chdir", ROOT, "benchmarks.loadtest_wsgi:application",
    ]  # fmt: skip
    server.process = subprocess.Popen(
        command,
        env=server.env(base_env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole below
        preexec_fn=die_with_parent,
    )


def stop(server: Server) -> None:
    """SIGTERM to the server's process group, then SIGKILL after 10 s if need be."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@contextlib.contextmanager
def running(servers: list[Server], workers: int, base_env: dict[str, str], log: Any):
    try:
        for server in servers:
            start(server, workers, base_env, log)
        for server in servers:
            wait_ready(server)
        yield servers
    finally:
        for server in servers:
            stop(server)


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise SystemExit(f"gunicorn ({server.alg}) exited with {server.process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(server.url("/plain/"), timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn ({server.alg}) did not answer within {timeout:.0f} s")


def post_json(url: str, data: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(data).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


# --- the project: database, users, keys, tokens --------------------------------------------


def make_keys() -> dict[str, tuple[str, str]]:
    from joserfc.jwk import ECKey, RSAKey

    keys = {"RS256": RSAKey.generate_key(2048), "ES256": ECKey.generate_key("P-256")}
    return {
        alg: (key.as_pem(private=True).decode(), key.as_pem(private=False).decode())
        for alg, key in keys.items()
    }


def setup_project() -> None:
    """Migrate this run's database; alice logs in with PBKDF2, minter (MD5) mints pools."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.loadtest_settings"
    import django
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    users = get_user_model().objects
    users.create_user("alice", "alice@example.com", PASSWORD)
    users.create(username="minter", password=make_password(PASSWORD, hasher="md5"))


def mint_tokens(server: Server) -> None:
    """One djwto and one simplejwt token pair from the server's own login views (PBKDF2)."""
    credentials = {"username": "alice", "password": PASSWORD}
    djwto = post_json(server.url("/login/"), credentials)
    simplejwt = post_json(server.url("/sj/login/"), credentials)
    server.tokens = {
        "djwto_access": djwto["access"],
        "djwto_refresh": djwto["refresh"],
        "sj_access": simplejwt["access"],
        "sj_refresh": simplejwt["refresh"],
    }


def rotation_pools() -> dict[str, Any]:
    """Makers of fresh refresh tokens for the rotation scenarios, minted in this process
    (HS256, the rotation server's key): djwto through its login view, simplejwt with
    ``RefreshToken.for_user``, both for the MD5 user so that minting stays quick."""
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings
    from rest_framework_simplejwt.tokens import RefreshToken

    from benchmarks.scenarios import login
    from benchmarks.wsgi import Client

    client = Client(WSGIHandler())
    minter = get_user_model().objects.get(username="minter")

    def djwto() -> str:
        with override_settings(PASSWORD_HASHERS=[MD5]):  # or the login upgrades the hash
            return login(client, "minter", PASSWORD)["refresh"]

    return {"djwto": djwto, "simplejwt": lambda: str(RefreshToken.for_user(minter))}


# --- scenarios and wrk ---------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    server: Server
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    mint: Any = None  # for rotation: makes one fresh refresh token
    info: bool = False
    slow: bool = False  # a PBKDF2 login: one connection per worker (no queue to drain)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def build_scenarios(servers: dict[str, Server], pools: dict[str, Any]) -> list[Scenario]:
    hs, rotate = servers["HS256"], servers["rotate"]
    alice = {"username": "alice", "password": PASSWORD}
    scenarios = [Scenario("plain view", hs, "/plain/")]
    for alg in ALGORITHMS:
        tokens = servers[alg].tokens
        scenarios += [
            Scenario(f"djwto {alg}", servers[alg], "/djwto/json/",
                     headers=bearer(tokens["djwto_access"])),
            Scenario(f"simplejwt {alg}", servers[alg], "/sj/stateless/",
                     headers=bearer(tokens["sj_access"])),
        ]  # fmt: skip
    refresh = "/api/token/refresh/"
    return [
        *scenarios,
        Scenario("simplejwt DB user HS256", hs, "/sj/db-user/",
                 headers=bearer(hs.tokens["sj_access"]), info=True),
        Scenario("Django login", hs, "/django/login/", "POST", body=alice, info=True, slow=True),
        Scenario("djwto login", hs, "/login/", "POST", body=alice, slow=True),
        Scenario("simplejwt login", hs, "/sj/login/", "POST", body=alice, slow=True),
        Scenario("djwto refresh", hs, f"{refresh}refresh_access/", "POST",
                 body={"refresh": hs.tokens["djwto_refresh"]}),
        Scenario("simplejwt refresh", hs, "/sj/refresh/", "POST",
                 body={"refresh": hs.tokens["sj_refresh"]}),
        Scenario("djwto rotation", rotate, f"{refresh}update_refresh/", "POST",
                 mint=pools["djwto"]),
        Scenario("simplejwt rotation", rotate, "/sj/refresh/", "POST", mint=pools["simplejwt"]),
    ]  # fmt: skip


def lua_string(text: str) -> str:
    if "]==]" in text:
        raise ValueError("cannot quote this text for Lua")
    return f"[==[{text}]==]"


def lua_script(scenario: Scenario, pool: list[str] | None = None) -> str:
    """The wrk script of a scenario; with a pool, each request sends the next body once and
    the thread stops before the pool runs out (a reused refresh token would answer 401)."""
    lines = [f"wrk.method = {lua_string(scenario.method)}"]
    headers = dict(scenario.headers)
    if scenario.body is not None or pool is not None:
        headers["Content-Type"] = "application/json"
    lines += [f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}" for k, v in headers.items()]
    if scenario.body is not None:
        lines.append(f"wrk.body = {lua_string(json.dumps(scenario.body))}")
    if pool is not None:
        bodies = ",\n".join(lua_string(json.dumps({"refresh": token})) for token in pool)
        lines += [
            f"local bodies = {{\n{bodies}\n}}",
            "local i = 0",
            "request = function()",
            "  i = i + 1",
            "  if i >= #bodies - 16 then wrk.thread:stop() end",
            "  return wrk.format(nil, nil, nil, bodies[math.min(i, #bodies)])",
            "end",
        ]
    return "\n".join(lines) + "\n"


def run_wrk(
    scenario: Scenario, script: str, args: argparse.Namespace, workdir: str
) -> dict[str, Any]:
    """One wrk run; CPU time of the server's workers read from /proc around it."""
    path = os.path.join(workdir, "scenario.lua")
    with open(path, "w") as fh:
        fh.write(script)
    workers = lr.children(scenario.server.process.pid)
    connections = args.workers if scenario.slow else args.connections
    duration = args.duration
    before = lr.cpu_ticks(workers)
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
        "--latency", "-s", path, scenario.server.url(scenario.path),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    after = lr.cpu_ticks(workers)
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed on {scenario.name}: {proc.stderr or proc.stdout}")
    result = lr.parse_wrk(proc.stdout)
    result["cpu_us"] = lr.cpu_us_per_request(before, after, result["requests"])
    return result


def settle(servers: list[Server], timeout: float = 60.0) -> None:
    """Wait until every server's workers are idle: requests queued by the previous run (a
    PBKDF2 login takes a while) must not be counted in the next one."""
    workers = [lr.children(server.process.pid) for server in servers]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = [lr.cpu_ticks(pids) for pids in workers]
        time.sleep(0.25)
        after = [lr.cpu_ticks(pids) for pids in workers]
        busy = [
            sum(now.get(pid, 0) - ticks for pid, ticks in then.items()) > 2
            for then, now in zip(before, after, strict=True)
        ]
        if not any(busy):
            return


def one_run(
    scenario: Scenario,
    args: argparse.Namespace,
    workdir: str,
    rates: dict[str, float],
    idle: list[Server],
) -> dict[str, Any]:
    """One wrk run of ``scenario`` once every server in ``idle`` is idle."""
    pool = None
    if scenario.mint is not None:
        size = int(rates.get(scenario.name, 1000.0) * 1.5 * args.duration) + 64
        pool = [scenario.mint() for _ in range(size)]
    settle(idle)
    result = run_wrk(scenario, lua_script(scenario, pool), args, workdir)
    rates[scenario.name] = max(rates.get(scenario.name, 0.0), result["rps"])
    return result


def run_rounds(scenarios: list[Scenario], args: argparse.Namespace, workdir: str):
    runs = {s.name: lr.Runs(s.name, s.info) for s in scenarios}
    rates: dict[str, float] = {}
    servers = list({id(s.server): s.server for s in scenarios}.values())
    for scenario in scenarios:  # warm-up: every worker imports, connects and caches
        short = argparse.Namespace(**{**vars(args), "duration": 1})
        one_run(scenario, short, workdir, rates, servers)
    rng = random.Random(args.seed)
    order = list(scenarios)
    for n in range(args.rounds):
        rng.shuffle(order)
        for scenario in order:
            result = one_run(scenario, args, workdir, rates, servers)
            runs[scenario.name].rounds.append(result)
        print(f"round {n + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    return runs


# --- main ----------------------------------------------------------------------------------


def base_environment(host: str, database: str) -> dict[str, str]:
    env = {**os.environ, "DJWTO_BENCH_PG_HOST": host, "DJWTO_LOADTEST_DB": database}
    os.environ.update(env)
    return env


def measure(args: argparse.Namespace, host: str, workdir: str) -> dict[str, Any]:
    database = services.database_name(PG_PREFIX, "db")
    with contextlib.ExitStack() as stack:
        stack.enter_context(services.own_databases(host, [database]))
        env = base_environment(host, database)
        setup_project()
        keys = make_keys()
        servers = {alg: Server(alg, keys=keys.get(alg, ("", ""))) for alg in ALGORITHMS}
        servers["rotate"] = Server("HS256", rotate=True)
        log = stack.enter_context(open(os.path.join(workdir, "gunicorn.log"), "w"))
        stack.enter_context(running(list(servers.values()), args.workers, env, log))
        for alg in ALGORITHMS:
            mint_tokens(servers[alg])
        scenarios = build_scenarios(servers, rotation_pools())
        if args.only:
            wanted = [w.strip().lower() for w in args.only.split(",")]
            scenarios = [s for s in scenarios if any(w in s.name.lower() for w in wanted)]
        return run_rounds(scenarios, args, workdir)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    services.exit_on_sigterm()
    host = services.postgres_host()
    if host is None:
        raise SystemExit("make loadtest needs PostgreSQL (DJWTO_BENCH_PG_HOST, default 127.0.0.1)")
    services.drop_stale_databases(host, PG_PREFIX)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="djwto-loadtest-") as workdir:
            runs = measure(args, host, workdir)
    except KeyboardInterrupt:
        print("interrupted: servers stopped, database dropped", file=sys.stderr)
        return 130
    meta = {
        "workers": args.workers,
        "address": HOST,
        "postgres": host,
        "connections": args.connections,
        "rounds": args.rounds,
        "duration": args.duration,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(lr.format_report(runs, meta))
    if args.json:
        data = {
            "meta": meta,
            "scenarios": {name: r.rounds for name, r in runs.items()},
            "targets": lr.evaluate(runs),
            "ratios": lr.comparisons(runs),
        }
        with open(args.json, "w") as fh:
            json.dump(data, fh, indent=2)
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
