"""The demo's entry points outside a running server: its system checks in every mode, the
WSGI/ASGI modules, and ``demo_users`` run twice."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import MODES, REPO

from .support import DEMO, MANAGE, PYTHON, demo_env

pytestmark = pytest.mark.e2e


def run(env: dict[str, str], *args: str, cwd=REPO) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.mark.parametrize("mode", MODES)
def test_demo_settings_pass_the_system_checks_without_warnings(demo_pool, mode):
    env = demo_env(DJWTO_MODE=mode, DEMO_DB_PATH=str(demo_pool.template_db()))
    run(env, PYTHON, str(MANAGE), "check", "--fail-level", "WARNING")


def test_wsgi_and_asgi_modules_load_from_the_demo_folder(demo_pool):
    env = demo_env(DEMO_DB_PATH=str(demo_pool.template_db()))
    env.pop("DJANGO_SETTINGS_MODULE")  # the modules set it themselves
    code = (
        "from djwto_project.wsgi import application as w; "
        "from djwto_project.asgi import application as a; "
        "print(callable(w), callable(a))"
    )
    assert run(env, PYTHON, "-c", code, cwd=DEMO).stdout.strip() == "True True"


def test_demo_users_is_idempotent(demo_pool):
    env = demo_env(DEMO_DB_PATH=str(demo_pool.fresh_sqlite("demo-users-twice")))
    out = run(env, PYTHON, str(MANAGE), "demo_users").stdout
    assert "reset alice/pass (alice@djwto.com; permissions: testapp.perm1)" in out
    assert "reset bob/pass (bob@djwto.com; permissions: none)" in out
