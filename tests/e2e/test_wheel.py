"""The package as users get it: ``python -m build`` makes an sdist and a wheel that ``twine
check`` accepts; the wheel holds what djwto needs at run time and nothing of the repository's
tests, demo, benchmarks or documentation; installed (with its ``demo`` extra) into a fresh
virtualenv, it serves the demo project through login, validate, refresh and logout.

The build runs on a copy of the checkout, so the test writes nothing into the repository.
The demo's folder goes on ``sys.path`` but never the checkout: djwto must come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import requests

from tests.support import REPO, P
from tests.support.processes import LocalServer, free_port, spawn

pytestmark = pytest.mark.e2e

IGNORED = shutil.ignore_patterns(
    ".git", ".venv*", "artifacts", "_build", "build", "dist", "*.egg-info", "__pycache__",
    "*.sqlite3", ".hypothesis", ".pytest_cache", ".coverage*", "htmlcov", "bench-results.json",
)  # fmt: skip


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("djwto-build")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=IGNORED)
    out = work / "dist"
    run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], cwd=work)
    return out


def wheel_of(dist: Path) -> Path:
    [wheel] = dist.glob("djwto-*.whl")
    return wheel


def test_build_makes_an_sdist_and_a_wheel_twine_accepts(dist):
    files = sorted(p.name for p in dist.iterdir())
    assert len(files) == 2
    assert files[0].endswith(".whl") and files[1].endswith(".tar.gz")
    result = run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())])
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_holds_the_package_and_nothing_else(dist):
    names = zipfile.ZipFile(wheel_of(dist)).namelist()
    package = REPO / "djwto"
    expected = {
        path.relative_to(REPO).as_posix()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    # Every file of djwto/: modules, migrations, py.typed, locales, templates, static.
    assert expected <= set(names), expected - set(names)
    assert "djwto/py.typed" in names
    assert {
        "djwto/migrations/0001_initial.py",
        "djwto/migrations/0004_delete_jwtblacklist.py",
    } <= set(names)
    top = {name.split("/")[0] for name in names}
    assert top == {"djwto", wheel_of(dist).name.split("-py3")[0] + ".dist-info"}, top
    for name in names:
        assert not name.startswith(("tests/", "demo/", "benchmarks/", "docs/")), name
    metadata = (
        zipfile.ZipFile(wheel_of(dist))
        .read(next(n for n in names if n.endswith("dist-info/METADATA")))
        .decode()
    )
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Framework :: Django :: 5.2" in metadata
    assert "Provides-Extra: demo" in metadata


def test_the_installed_wheel_serves_the_demo(dist, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    wheel = wheel_of(dist)
    run([python, "-m", "pip", "install", "--quiet", f"djwto[demo] @ {wheel.as_uri()}"])

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DJWTO_", "DEMO_"))
        and k not in ("PYTHONPATH", "REDIS_URL", "DATABASE_URL")
    }
    env.update(
        PYTHONPATH=str(REPO / "demo"),  # djwto_project and testapp; djwto is the wheel's
        DJANGO_SETTINGS_MODULE="djwto_project.settings",
        DEMO_DB_PATH=str(tmp_path / "demo.sqlite3"),
        DJWTO_MODE="JSON",
        PYTHONUNBUFFERED="1",
    )
    where = run(
        [python, "-c", "import djwto; print(djwto.__file__)"], cwd=tmp_path, env=env
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), where
    run([python, "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=tmp_path, env=env)
    run([python, "-m", "django", "demo_users"], cwd=tmp_path, env=env)
    served = run(
        [python, "-m", "django", "shell", "-c", "import djwto; print(djwto.__file__)"],
        cwd=tmp_path,
        env=env,
    ).stdout.strip()
    assert served.splitlines()[-1] == where  # after Django's shell banner

    port = free_port()
    log_path = tmp_path / "server.log"
    server = LocalServer(
        name="wheel-demo",
        proc=spawn(
            [python, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            log_path=log_path,
        ),
        log_path=log_path,
        port=port,
    )
    try:
        server.wait_ready()
        login = requests.post(
            server.url("/login/"), data={"username": "alice", "password": "pass"}, timeout=10
        )
        assert login.status_code == 200, login.text
        tokens = login.json()
        access = {"Authorization": f"Bearer {tokens['access']}"}
        refresh = {"Authorization": f"Bearer {tokens['refresh']}"}
        valid = requests.post(server.url("/validate_access/"), headers=access, timeout=10)
        assert valid.json() == {"msg": "Token is valid"}
        refreshed = requests.post(server.url(f"{P}/refresh_access/"), headers=refresh, timeout=10)
        assert refreshed.status_code == 200 and refreshed.json()["access"] != tokens["access"]
        logout = requests.post(server.url(f"{P}/logout/"), headers=refresh, timeout=10)
        assert logout.json() == {"msg": "Token successfully blacklisted."}
        again = requests.post(server.url(f"{P}/refresh_access/"), headers=refresh, timeout=10)
        assert again.status_code == 401 and again.json()["code"] == "token_revoked"
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()
