"""R6: a cache store that can forget revocations is refused or loudly warned about.

``manage.py check`` refuses a ``DummyCache`` (every revocation dropped), a local-memory cache
where the environment says several processes serve the site, and a cache backend whose
package is missing; it warns about Memcached (eviction, nothing kept across a restart) and the
caches that cull beyond ``MAX_ENTRIES``. On Redis the store reads the server's eviction policy
and persistence at first use and logs a warning once, unless the policy is ``noeviction`` and
the data survives a restart. The Redis tests run against a redis-server of their own.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
import uuid

import pytest

from djwto.checks import check_djwto_settings
from djwto.stores import CacheStore
from tests.sessions.support import Api
from tests.support import assert_error

CACHE_STORE = "djwto.stores.CacheStore"


def ids() -> list[str]:
    return [m.id for m in check_djwto_settings()]


def use_cache(settings, backend: str, **config) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "deny": {"BACKEND": backend, **config},
    }
    settings.DJWTO_DENYLIST_BACKEND = CACHE_STORE
    settings.DJWTO_DENYLIST_CACHE = "deny"


@pytest.fixture(autouse=True)
def _one_process(monkeypatch):
    for name in ("WEB_CONCURRENCY", "UWSGI_PROCESSES", "UWSGI_WORKERS", "GUNICORN_CMD_ARGS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api():
    return Api()


# --- manage.py check ---------------------------------------------------------------------------


def test_R6_dummy_cache_is_an_error(settings):
    use_cache(settings, "django.core.cache.backends.dummy.DummyCache")
    assert ids() == ["djwto.E040"]
    [message] = check_djwto_settings()
    assert "keeps nothing" in message.msg and "'deny'" in message.msg


@pytest.mark.django_db
def test_R6_dummy_cache_really_drops_every_revocation(settings, alice, api):
    """Why E040 is an error: the logout is accepted, and the token keeps working."""
    use_cache(settings, "django.core.cache.backends.dummy.DummyCache")
    pair = api.login()
    assert api.logout(pair.refresh).status_code == 200
    assert api.refresh(pair.refresh).status_code == 200


@pytest.mark.parametrize(
    "variable, value",
    [
        ("WEB_CONCURRENCY", "4"),
        ("UWSGI_PROCESSES", "2"),
        ("GUNICORN_CMD_ARGS", "--bind 0.0.0.0:8000 --workers 3"),
        ("GUNICORN_CMD_ARGS", "-w4"),
    ],
)
def test_R6_local_memory_with_several_processes_is_an_error(settings, monkeypatch, variable, value):
    use_cache(settings, "django.core.cache.backends.locmem.LocMemCache")
    assert ids() == ["djwto.W006"]  # one process, as far as djwto can tell
    monkeypatch.setenv(variable, value)
    assert ids() == ["djwto.E041"]


def test_R6_local_memory_with_one_worker_stays_a_warning(settings, monkeypatch):
    use_cache(settings, "django.core.cache.backends.locmem.LocMemCache")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 1")
    assert ids() == ["djwto.W006"]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
    ],
)
def test_R6_memcached_is_a_warning_with_the_reason(settings, backend):
    use_cache(settings, backend, LOCATION="127.0.0.1:11211")
    messages = [m for m in check_djwto_settings() if m.id == "djwto.W040"]
    assert len(messages) == 1
    assert "evicts" in messages[0].msg and "restart" in messages[0].msg


@pytest.mark.parametrize(
    "backend, config",
    [
        ("django.core.cache.backends.filebased.FileBasedCache", {"LOCATION": "/tmp/djwto-x"}),
        ("django.core.cache.backends.db.DatabaseCache", {"LOCATION": "djwto_cache"}),
    ],
)
def test_R6_culling_caches_are_a_warning(settings, backend, config):
    use_cache(settings, backend, **config)
    assert ids() == ["djwto.W041"]
    assert "MAX_ENTRIES (300)" in check_djwto_settings()[0].msg


def test_redis_cache_passes_the_checks(settings):
    use_cache(settings, "django.core.cache.backends.redis.RedisCache", LOCATION="redis://h:1/0")
    assert ids() == []


def test_a_missing_redis_package_is_named(settings, monkeypatch):
    use_cache(settings, "django.core.cache.backends.redis.RedisCache", LOCATION="redis://h:1/0")
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis -> ImportError
    [message] = check_djwto_settings()
    assert message.id == "djwto.E042"
    assert "'redis'" in message.msg and "pip install redis" in message.hint


@pytest.mark.django_db
def test_a_missing_redis_package_is_named_in_the_log(settings, monkeypatch, alice, api, caplog):
    use_cache(settings, "django.core.cache.backends.redis.RedisCache", LOCATION="redis://:pw@h:1/0")
    pair = api.login()
    monkeypatch.setitem(sys.modules, "redis", None)
    for name in [m for m in sys.modules if m.startswith("redis.")]:
        monkeypatch.setitem(sys.modules, name, None)
    assert_error(api.refresh(pair.refresh), 503, "store_unavailable")
    assert "No module named 'redis'" in caplog.text or "import of redis halted" in caplog.text
    assert ":pw@" not in caplog.text and pair.refresh not in caplog.text


# --- a Redis of the test's own ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir, *args: str):
    """A redis-server on a free loopback port, in ``workdir``, with ``args``; (process, url)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server on the PATH")
    pytest.importorskip("redis")
    import redis

    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            return process, url
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server {args} did not start")
            time.sleep(0.05)


@pytest.fixture
def own_redis(request, tmp_path):
    """A redis-server of the test's own, started with the arguments the test is parametrized
    with (``indirect``); stopped afterwards."""
    process, url = start_redis(tmp_path, *getattr(request, "param", ()))
    yield url
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()


def use_redis(settings, url: str) -> None:
    use_cache(
        settings,
        "django.core.cache.backends.redis.RedisCache",
        LOCATION=url,
        KEY_PREFIX=f"djwto-r6-{uuid.uuid4().hex[:8]}",
        OPTIONS={"socket_connect_timeout": 2, "socket_timeout": 5},
    )


def warnings_in(caplog) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "djwto" and r.levelno >= logging.WARNING
    ]


EVICTING = (
    "--maxmemory",
    "4mb",
    "--maxmemory-policy",
    "allkeys-lru",
    "--save",
    "",
    "--appendonly",
    "no",
)


@pytest.mark.django_db
@pytest.mark.parametrize("own_redis", [EVICTING], indirect=True)
def test_R6_an_evicting_redis_loses_a_logout_and_is_warned_about(
    settings, own_redis, alice, api, caplog
):
    use_redis(settings, own_redis)
    pair = api.login()
    assert api.logout(pair.refresh).status_code == 200  # first use: the server is read
    warned = warnings_in(caplog)
    assert len(warned) == 2
    assert "maxmemory-policy allkeys-lru" in warned[0] and "noeviction" in warned[0]
    assert "no persistence" in warned[1] and "restart" in warned[1]
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")
    for _ in range(5):  # later requests of this process do not repeat it
        api.refresh(pair.refresh)
    assert len(warnings_in(caplog)) == 2

    # The hazard warned about: ordinary cache writes on the same instance evict the logout.
    from django.core.cache import caches

    cache = caches["deny"]
    for i in range(4000):
        cache.set(f"page:{i}", "x" * 2000, 3600)
    assert api.refresh(pair.refresh).status_code == 200


VOLATILE = ("--maxmemory", "4mb", "--maxmemory-policy", "volatile-lru")  # RDB snapshots on
SAFE = ("--maxmemory-policy", "noeviction", "--appendonly", "yes")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "own_redis, warned", [(VOLATILE, ["volatile-lru"]), (SAFE, [])], indirect=["own_redis"]
)
def test_R6_only_noeviction_with_persistence_is_quiet(
    settings, own_redis, warned, alice, api, caplog
):
    use_redis(settings, own_redis)
    assert api.refresh(api.login().refresh).status_code == 200
    lines = warnings_in(caplog)
    assert len(lines) == len(warned)
    assert all(policy in line for policy, line in zip(warned, lines, strict=True))
    assert CacheStore().get_redis_server().inspected


@pytest.mark.django_db
@pytest.mark.parametrize("own_redis", [("--rename-command", "CONFIG", "")], indirect=True)
def test_R6_a_redis_that_forbids_config_is_tolerated(settings, own_redis, alice, api, caplog):
    caplog.set_level(logging.INFO, logger="djwto")
    use_redis(settings, own_redis)
    pair = api.login()
    assert api.refresh(pair.refresh).status_code == 200
    assert api.logout(pair.refresh).status_code == 200
    assert_error(api.refresh(pair.refresh), 401, "token_revoked")
    notes = [r.getMessage() for r in caplog.records if r.name == "djwto"]
    assert len(notes) == 1 and "could not read the eviction policy" in notes[0]


@pytest.mark.django_db
def test_R6_an_unreachable_redis_is_asked_again(settings, alice, api, caplog):
    port = free_port()
    use_redis(settings, f"redis://:secret@127.0.0.1:{port}/0")
    pair = api.login()
    assert_error(api.refresh(pair.refresh), 503, "store_unavailable")
    assert not CacheStore().get_redis_server().inspected
    assert "secret" not in caplog.text
