"""The demo's settings: every ``DJWTO_*`` setting read from the environment by its type in djwto's
table (unit tests, no server), the documentation generated from the same table, the ``demo``
extra holding what the demo imports, and demo servers started with variables set (e2e): their
effect, a bad value's message, and SQLite under concurrent writers."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from importlib.metadata import packages_distributions

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from djwto.conf import SETTINGS
from tests.support import REPO, decode_unverified
from tests.support import P as REFRESH
from tests.support.processes import free_port, spawn

from .support import DEMO, MANAGE, PYTHON, DemoClient, DemoServer, demo_env


def _load_envsettings():
    path = DEMO / "djwto_project" / "envsettings.py"
    spec = importlib.util.spec_from_file_location("demo_envsettings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


envsettings = _load_envsettings()
read = envsettings.djwto_settings_from_env


# --- parsing (unit) ----------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "yes", "On", " yes "])
def test_true_words(word):
    assert read({"DJWTO_CHECK_ACCESS_REVOCATION": word}) == {"DJWTO_CHECK_ACCESS_REVOCATION": True}


@pytest.mark.parametrize("word", ["0", "false", "False", "no", "OFF"])
def test_false_words(word):
    assert read({"DJWTO_COOKIE_SECURE": word}) == {"DJWTO_COOKIE_SECURE": False}


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("DJWTO_CHECK_ACCESS_REVOCATION", "maybe", "is not a boolean"),
        ("DJWTO_DENYLIST_LOCAL_CACHE", "lots", "is not an integer"),
        ("DJWTO_MAX_TOKEN_BYTES", "8k", "is not an integer"),
        ("DJWTO_ACCESS_TOKEN_LIFETIME", "5m", "is not a number of seconds"),
        ("DJWTO_LEEWAY", "soon", "is not a number of seconds"),
    ],
)
def test_a_value_that_does_not_parse_names_the_variable(variable, raw, expected):
    with pytest.raises(ImproperlyConfigured) as info:
        read({variable: raw})
    assert str(info.value).startswith(f"Environment variable {variable}={raw!r} {expected}")


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("DJWTO_MODE", "json", "DJWTO_MODE must be one of JSON, ONE-COOKIE, TWO-COOKIES"),
        ("DJWTO_ALGORITHM", "none", "'none' is never accepted"),
        ("DJWTO_ACCESS_TOKEN_LIFETIME", "-5", "must be a positive datetime.timedelta"),
        ("DJWTO_MAX_TOKEN_BYTES", "100", "must be an integer >= 256"),
        ("DJWTO_SAME_SITE", "lax", "Spell it 'Lax'"),
    ],
)
def test_a_value_djwto_refuses_names_the_variable(variable, raw, expected):
    with pytest.raises(ImproperlyConfigured) as info:
        read({variable: raw})
    message = str(info.value)
    assert message.startswith(f"Environment variable {variable}={raw!r} is not usable: ")
    assert expected in message


def test_integers_seconds_and_lists():
    assert read(
        {
            "DJWTO_DENYLIST_LOCAL_CACHE": "16",
            "DJWTO_ACCESS_TOKEN_LIFETIME": "90",
            "DJWTO_ROTATION_GRACE": "0.5",
            "DJWTO_AUD_CLAIM": "demo-api, mobile",
        }
    ) == {
        "DJWTO_DENYLIST_LOCAL_CACHE": 16,
        "DJWTO_ACCESS_TOKEN_LIFETIME": timedelta(seconds=90),
        "DJWTO_ROTATION_GRACE": timedelta(milliseconds=500),
        "DJWTO_AUD_CLAIM": ["demo-api", "mobile"],
    }
    assert read({"DJWTO_AUD_CLAIM": "demo-api"}) == {"DJWTO_AUD_CLAIM": "demo-api"}


def test_none_and_false_only_where_the_setting_takes_them():
    defaults = {"ISS_CLAIM": "djwto-demo"}
    assert read({"DJWTO_ISS_CLAIM": "none"}, defaults) == {"DJWTO_ISS_CLAIM": None}
    assert read({"DJWTO_MAX_SESSION_LIFETIME": "None"}) == {"DJWTO_MAX_SESSION_LIFETIME": None}
    # SameSite's "None" is a value of its own; False (no attribute) is spelt false.
    assert read({"DJWTO_SAME_SITE": "None"}) == {"DJWTO_SAME_SITE": "None"}
    assert read({"DJWTO_SAME_SITE": "false"}) == {"DJWTO_SAME_SITE": False}
    with pytest.raises(ImproperlyConfigured, match="DJWTO_ROTATION_GRACE='none'"):
        read({"DJWTO_ROTATION_GRACE": "none"})


def test_defaults_apply_unless_a_variable_is_set_and_empty_counts_as_unset():
    defaults = {"MODE": "TWO-COOKIES", "ISS_CLAIM": "djwto-demo"}
    environ = {"DJWTO_MODE": "JSON", "DJWTO_ISS_CLAIM": "  ", "HOME": "/root"}
    assert read(environ, defaults) == {"DJWTO_MODE": "JSON", "DJWTO_ISS_CLAIM": "djwto-demo"}


def test_the_older_access_token_seconds_still_works_and_the_new_name_wins():
    assert read({"DJWTO_ACCESS_TOKEN_SECONDS": "2"}) == {
        "DJWTO_ACCESS_TOKEN_LIFETIME": timedelta(seconds=2)
    }
    both = {"DJWTO_ACCESS_TOKEN_SECONDS": "2", "DJWTO_ACCESS_TOKEN_LIFETIME": "60"}
    assert read(both) == {"DJWTO_ACCESS_TOKEN_LIFETIME": timedelta(seconds=60)}


def test_a_misspelt_variable_is_named_with_the_one_meant():
    environ = {
        "DJWTO_ACESS_TOKEN_LIFETIME": "60",
        "DJWTO_CHECK_ACCESS_REVOKATION": "1",
        "DJWTO_ACCESS_TOKEN_LIFETIME": "60",
        "DJWTO_TEST_REDIS_URL": "redis://127.0.0.1:6379/3",  # the test suite's, not a typo
    }
    assert envsettings.misspelt_variables(environ) == {
        "DJWTO_ACESS_TOKEN_LIFETIME": "DJWTO_ACCESS_TOKEN_LIFETIME",
        "DJWTO_CHECK_ACCESS_REVOKATION": "DJWTO_CHECK_ACCESS_REVOCATION",
    }


def _as_variable(value) -> str:
    """How a user would write ``value`` in the environment."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    if value is None:
        return "none"
    return str(value)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_setting_of_the_table_is_read_from_its_variable(name):
    spec = SETTINGS[name]
    value = spec.default
    if value is None and "`None`" not in spec.type:  # the signing key: no None to write
        value = "k" * 64
    assert read({spec.setting: _as_variable(value)}) == {spec.setting: value}


def test_the_demo_defaults_are_settings_djwto_accepts():
    result = read({}, envsettings.DEMO_DEFAULTS)
    assert set(result) == {f"DJWTO_{name}" for name in envsettings.DEMO_DEFAULTS}


# --- the documentation and the demo extra (unit) ------------------------------------------------


def test_docs_demo_lists_every_variable_as_the_table_renders_it():
    page = (REPO / "docs" / "demo.md").read_text()
    start = page.index("<!-- demo-env-table:start -->\n") + len("<!-- demo-env-table:start -->\n")
    end = page.index("<!-- demo-env-table:end -->")
    assert page[start:end] == envsettings.render_env_table(envsettings.DEMO_DEFAULTS), (
        "docs/demo.md is stale: paste render_env_table(DEMO_DEFAULTS) between its markers"
    )
    for spec in SETTINGS.values():
        assert f"| `{spec.setting}` |" in page


def _third_party_imports() -> set[str]:
    """Top-level modules demo/ imports that are neither the standard library nor its own."""
    found = set()
    for path in DEMO.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    own = {"djwto", "djwto_project", "testapp"}
    return {name for name in found if name not in sys.stdlib_module_names and name not in own}


def _requirement_name(requirement: str) -> str:
    for stop in "<>=![; ":
        requirement = requirement.split(stop)[0]
    return requirement.lower().replace("_", "-")


def test_the_demo_extra_holds_every_package_the_demo_imports():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    installed = {
        _requirement_name(req)
        for req in project["dependencies"] + project["optional-dependencies"]["demo"]
    }
    distributions = packages_distributions()
    imported = _third_party_imports()
    assert {"daphne", "channels", "rest_framework", "ninja", "dj_database_url"} <= imported
    missing = {
        module: distributions.get(module)
        for module in imported
        if not {_requirement_name(d) for d in distributions.get(module, [])} & installed
    }
    assert not missing, f"demo/ imports these, the demo extra lacks them: {missing}"
    # The drivers stay optional: the demo never imports them itself (Django does, on demand).
    assert not imported & {"psycopg", "psycopg2", "redis"}
    assert "gunicorn" not in installed


# --- demo servers with variables set (e2e) ------------------------------------------------------


def serve(demo_pool, name: str, mode: str, env: dict[str, str]) -> DemoServer:
    """The demo as ``make demo`` serves it (``manage.py serve``: daphne), on its own SQLite copy."""
    if name in demo_pool.servers:
        return demo_pool.servers[name]
    port = free_port()
    full_env = demo_env(DJWTO_MODE=mode, DEMO_DB_PATH=str(demo_pool.fresh_sqlite(name)), **env)
    log_path = demo_pool.workdir / f"{name}.log"
    proc = spawn(
        [PYTHON, str(MANAGE), "serve", f"127.0.0.1:{port}"], env=full_env, log_path=log_path
    )
    server = DemoServer(name=name, mode=mode, port=port, proc=proc, log_path=log_path, env=full_env)
    demo_pool.servers[name] = server  # stopped with the pool's others
    server.wait_ready()
    return server


@pytest.mark.e2e
def test_concurrent_rotations_and_logouts_of_eight_sessions_on_sqlite_all_succeed(demo_pool):
    server = serve(demo_pool, "serve-sqlite-concurrency", "TWO-COOKIES", {})
    clients = [DemoClient(server) for _ in range(8)]
    for client in clients:
        assert client.login("alice").status_code == 200

    def rotate(client: DemoClient) -> tuple[int, str]:
        response = client.refresh_call("update_refresh")
        return response.status_code, response.text[:200]

    def logout(client: DemoClient) -> tuple[int, str]:
        response = client.post(f"{REFRESH}/logout/", token="refresh")
        return response.status_code, response.text[:200]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for round_ in range(3):
            results = list(pool.map(rotate, clients))
            assert [status for status, _ in results] == [200] * 8, (round_, results)
        results = list(pool.map(logout, clients))
    assert [status for status, _ in results] == [200] * 8, results
    for client in clients:  # each logout took: the session is over
        assert client.refresh_call("refresh_access").status_code == 401


@pytest.mark.e2e
def test_the_demo_runs_with_the_djwto_variables_it_is_given(demo_pool):
    server = serve(
        demo_pool,
        "serve-variables",
        "JSON",
        {
            "DJWTO_ACCESS_TOKEN_LIFETIME": "120",
            "DJWTO_ISS_CLAIM": "none",
            "DJWTO_AUD_CLAIM": "demo-api,mobile",
            "DJWTO_CHECK_ACCESS_REVOCATION": "yes",
        },
    )
    client = DemoClient(server)
    assert client.login("alice").status_code == 200
    claims = decode_unverified(client.tokens["access"])
    assert claims["exp"] - claims["iat"] == 120
    assert "iss" not in claims  # the demo's own iss, djwto-demo, was turned off
    assert claims["aud"] == ["demo-api", "mobile"]
    assert client.get("/testapp/protect/").json() == {"username": "alice"}

    assert client.post(f"{REFRESH}/logout/", token="refresh").status_code == 200
    # With DJWTO_CHECK_ACCESS_REVOCATION the access token dies with its session.
    assert client.get("/testapp/protect/").status_code == 401

    # DEBUG is off unless asked for: a 404 is Django's plain page, not the debug one.
    missing = requests.get(server.url("/no-such-page/"), timeout=10)
    assert missing.status_code == 404
    assert "URLconf" not in missing.text


@pytest.mark.e2e
def test_a_bad_variable_stops_the_demo_with_a_message_naming_it(demo_pool):
    env = demo_env(DEMO_DB_PATH=str(demo_pool.template_db()), DJWTO_CHECK_ACCESS_REVOCATION="maybe")
    result = subprocess.run(
        [PYTHON, str(MANAGE), "check"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "djwto demo: Environment variable DJWTO_CHECK_ACCESS_REVOCATION='maybe' is not a "
        "boolean: use one of 1/true/yes/on or 0/false/no/off."
    )


def _demo_settings(**env: str) -> dict:
    """Some of the demo's Django settings, as its settings module computes them under ``env``."""
    code = (
        "import json; from djwto_project import settings as s; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'DATABASE': s.DATABASES['default']}, default=str))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code],
        env=demo_env(**env),
        cwd=DEMO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_unless_asked_for_and_sqlite_writers_begin_immediate():
    shipped = _demo_settings()
    assert shipped["DEBUG"] is False
    assert shipped["DATABASE"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert _demo_settings(DJANGO_DEBUG="yes")["DEBUG"] is True


def test_a_database_url_connection_is_health_checked_and_not_kept_under_asgi():
    url = "postgres://postgres@127.0.0.1:5432/djwto_demo_settings"
    database = _demo_settings(DATABASE_URL=url)["DATABASE"]
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] == 0
    assert (
        _demo_settings(DATABASE_URL=url, DJANGO_CONN_MAX_AGE="60")["DATABASE"]["CONN_MAX_AGE"] == 60
    )
