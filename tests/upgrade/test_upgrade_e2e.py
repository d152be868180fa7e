"""A running djwto 0.0.4 site upgraded in place, end to end, on SQLite and on PostgreSQL.

The real djwto 0.0.4 from PyPI, with the Django it was released for (3.2), is installed once
into ``.venv-djwto004/`` (git-ignored; reused by later runs). A small project is built with it,
migrated, and served by 0.0.4's own ``runserver``; users log in over HTTP and one session logs
out. Then the SAME project and the SAME database are switched to this package (this
interpreter, this tree's djwto): ``check`` reports the pending upgrade, ``migrate`` performs it,
and the tokens 0.0.4 issued behave as the upgrade promises.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.support import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-djwto004"
REQUIREMENTS = ["djwto==0.0.4", "Django>=3.2,<3.3", "PyJWT>=2.1,<2.2", "psycopg2-binary>=2.9"]
SIGNING_KEY = "e2e-upgrade-signing-key-shared-by-0.0.4-and-1.x-0123456789abcdef"
P = "/api/token/refresh"
UNREACHABLE = (
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "Could not fetch URL",
    "No matching distribution found",
    "ProxyError",
    "timed out",
)

SETTINGS = """
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "e2e-upgrade-django-secret-key-0123456789-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "djwto",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "site004.urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
if os.environ.get("UPGRADE_PG_NAME"):
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["UPGRADE_PG_NAME"],
        "USER": "postgres",
        "HOST": os.environ.get("DJWTO_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DJWTO_PG_PORT", "5432"),
    }}
else:
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["UPGRADE_SQLITE_PATH"],
    }}
DJWTO_SIGNING_KEY = os.environ["DJWTO_SIGNING_KEY"]
DJWTO_MODE = "JSON"
"""

URLS = """
from django.urls import include, path

urlpatterns = [path("", include("djwto.urls"))]
"""

MANAGE = """
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site004.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

INSPECT = """
import json
import django
django.setup()
import djwto
from django.db import connection
with connection.cursor() as cursor:
    tables = connection.introspection.table_names(cursor)
from djwto.models import DeniedToken
rows = [[str(v) for v in row] for row in DeniedToken.objects.values_list()]
print(json.dumps({"djwto": djwto.__file__, "tables": tables, "rows": rows,
                  "jtis": list(DeniedToken.objects.values_list("jti", flat=True))}))
"""


def _pip_failure(output: str) -> None:
    if any(marker in output for marker in UNREACHABLE):
        pytest.skip(
            "the package registry cannot be reached, so djwto 0.0.4 cannot be installed: "
            + output.strip().splitlines()[-1][:300]
        )
    pytest.fail(f"installing djwto 0.0.4 failed:\n{output[-4000:]}", pytrace=False)


@pytest.fixture(scope="session")
def python004() -> Path:
    """The interpreter of a virtualenv holding djwto 0.0.4 and Django 3.2 (made once)."""
    python = VENV / "bin" / "python"
    stamp = VENV / "requirements.txt"
    wanted = "\n".join(REQUIREMENTS)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    base = "/usr/bin/python3.11" if Path("/usr/bin/python3.11").exists() else sys.executable
    subprocess.run([base, "-m", "venv", "--clear", str(VENV)], check=True, timeout=300)
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--retries",
            "1",
            "--timeout",
            "20",
            *REQUIREMENTS,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        _pip_failure(result.stdout + result.stderr)
    stamp.write_text(wanted)
    return python


class Site:
    """The project on disk, run by one interpreter or the other."""

    def __init__(self, root: Path, env: dict[str, str]):
        self.root = root
        self.env = env
        package = root / "site004"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "settings.py").write_text(SETTINGS)
        (package / "urls.py").write_text(URLS)
        (root / "manage.py").write_text(MANAGE)
        self.server: subprocess.Popen | None = None
        self.port = 0

    def environ(self, ours: bool) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJWTO_", "DJANGO_")) and k not in ("PYTHONPATH",)
        }
        env.update(self.env)
        env["DJWTO_SIGNING_KEY"] = SIGNING_KEY  # 0.0.4 reads it from the environment at import
        env["PYTHONUNBUFFERED"] = "1"
        # This tree's djwto first for "ours"; the virtualenv's own for 0.0.4.
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), str(self.root)] if ours else [str(self.root)]
        )
        return env

    def manage(self, python: Path | str, *args: str, ours: bool, check: bool = True):
        result = subprocess.run(
            [str(python), "manage.py", *args],
            cwd=self.root,
            env=self.environ(ours),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}",
                pytrace=False,
            )
        return result

    def inspect(self) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", INSPECT],
            cwd=self.root,
            env={**self.environ(True), "DJANGO_SETTINGS_MODULE": "site004.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self, python: Path | str, *, ours: bool) -> None:
        self.port = free_port()
        log = open(self.root / f"server-{'ours' if ours else '004'}.log", "wb")  # noqa: SIM115
        self.server = subprocess.Popen(
            [str(python), "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=self.root,
            env=self.environ(ours),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                pytest.fail(f"the server exited:\n{self.log(ours)}", pytrace=False)
            try:
                requests.get(self.url("/login/"), timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"the server did not answer:\n{self.log(ours)}", pytrace=False)

    def log(self, ours: bool) -> str:
        return (self.root / f"server-{'ours' if ours else '004'}.log").read_text()[-4000:]

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=10)
        self.server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def login(self, username: str = "alice", password: str = "pass") -> dict:
        response = requests.post(
            self.url("/login/"), data={"username": username, "password": password}, timeout=10
        )
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        assert set(body) >= {"refresh", "access"}, body
        return body

    def post(self, path: str, token: str) -> requests.Response:
        return requests.post(
            self.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=10
        )


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture(params=["sqlite", "postgres"])
def site(request, tmp_path):
    env: dict[str, str] = {}
    cleanup = None
    if request.param == "sqlite":
        env["UPGRADE_SQLITE_PATH"] = str(tmp_path / "site.sqlite3")
    else:
        psycopg = pytest.importorskip("psycopg")
        host = os.environ.get("DJWTO_PG_HOST", "127.0.0.1")
        name = f"djwto_upgrade_{secrets.token_hex(4)}"
        try:
            admin = psycopg.connect(
                host=host, user="postgres", dbname="postgres", autocommit=True, connect_timeout=5
            )
        except psycopg.OperationalError as exc:
            pytest.skip(f"PostgreSQL at {host} is not reachable: {exc}")
        admin.execute(f'CREATE DATABASE "{name}"')
        env["UPGRADE_PG_NAME"] = name
        env["DJWTO_PG_HOST"] = host

        def cleanup() -> None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()

    site = Site(tmp_path / "project", env)
    try:
        yield site
    finally:
        site.stop()
        if cleanup is not None:
            cleanup()


def test_a_004_site_upgraded_in_place(site, python004):
    # --- djwto 0.0.4, as it runs today -----------------------------------------------------
    site.manage(python004, "migrate", "--noinput", ours=False)
    site.manage(
        python004,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_user('alice', 'alice@example.com', 'pass'); "
        "User.objects.create_user('bob', 'bob@example.com', 'pass')",
        ours=False,
    )
    site.start(python004, ours=False)
    logged_out = site.login()  # will log out
    kept = site.login()  # will keep refreshing
    rotated = site.login()  # will rotate after the upgrade
    bobs = site.login("bob")
    assert "sid" not in claims(kept["refresh"])  # 0.0.4's own claim set
    response = site.post(f"{P}/logout/", logged_out["refresh"])
    assert response.json() == {"msg": "Token successfully blacklisted."}
    assert site.post(f"{P}/refresh_access/", logged_out["refresh"]).status_code == 500  # 0.0.4
    assert site.post(f"{P}/refresh_access/", kept["refresh"]).status_code == 200
    site.stop()

    # --- the same project and database, on this package -------------------------------------
    before = site.manage(sys.executable, "check", ours=True, check=False)
    assert before.returncode != 0 and "djwto.E020" in before.stderr, before.stderr[-2000:]
    site.manage(sys.executable, "migrate", "--noinput", ours=True)
    after = site.manage(sys.executable, "check", ours=True)
    assert "System check identified no issues" in after.stdout, after.stdout + after.stderr

    state = site.inspect()
    assert state["djwto"] == str(REPO / "djwto" / "__init__.py")
    assert "djwto_jwtblacklist" not in state["tables"] and "djwto_deniedtoken" in state["tables"]
    assert state["jtis"] == [claims(logged_out["refresh"])["jti"]]
    stored = " ".join(" ".join(row) for row in state["rows"])
    for segment in logged_out["refresh"].split("."):
        assert segment not in stored

    site.start(sys.executable, ours=True)
    # The token 0.0.4 blacklisted stays refused, everywhere.
    for action in ("refresh_access", "update_refresh", "validate_refresh", "logout"):
        response = site.post(f"{P}/{action}/", logged_out["refresh"])
        assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    # Every other 0.0.4 token still works: nobody is logged out by the upgrade.
    assert site.post("/validate_access/", kept["access"]).json() == {"msg": "Token is valid"}
    assert site.post(f"{P}/validate_refresh/", kept["refresh"]).status_code == 200
    response = site.post(f"{P}/refresh_access/", kept["refresh"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh"] == kept["refresh"]
    assert claims(body["access"])["sid"]  # the 0.0.4 login is now a session
    assert site.post("/validate_access/", body["access"]).status_code == 200
    # Rotation turns it into a token family with reuse detection.
    response = site.post(f"{P}/update_refresh/", rotated["refresh"])
    assert response.status_code == 200, response.text
    new = response.json()
    assert claims(new["refresh"])["sid"] and claims(new["refresh"])["stamp"]
    assert site.post(f"{P}/refresh_access/", new["refresh"]).status_code == 200
    replay = site.post(f"{P}/update_refresh/", rotated["refresh"])
    assert replay.status_code == 401 and replay.json()["code"] == "token_reused"
    assert site.post(f"{P}/refresh_access/", new["refresh"]).json()["code"] == "token_revoked"

    # A new login and every endpoint.
    fresh = site.login()
    assert site.post("/validate_access/", fresh["access"]).status_code == 200
    assert site.post(f"{P}/validate_refresh/", fresh["refresh"]).status_code == 200
    assert site.post(f"{P}/refresh_access/", fresh["refresh"]).status_code == 200
    rotated_fresh = site.post(f"{P}/update_refresh/", fresh["refresh"]).json()
    assert site.post(f"{P}/logout/", rotated_fresh["refresh"]).json() == {
        "msg": "Token successfully blacklisted."
    }
    assert site.post(f"{P}/refresh_access/", rotated_fresh["refresh"]).status_code == 401
    deleted = requests.delete(site.url(f"{P}/logout/"), timeout=10)
    assert deleted.json() == {"msg": "Tokens successfully deleted."}
    # Logout-all covers 0.0.4 tokens too, and only that user's.
    other = site.login()
    response = site.post(f"{P}/logout_all/", other["refresh"])
    assert response.json() == {"msg": "All sessions revoked."}
    assert site.post(f"{P}/refresh_access/", kept["refresh"]).json()["code"] == "token_revoked"
    assert site.post(f"{P}/refresh_access/", bobs["refresh"]).status_code == 200
    site.stop()
    assert "Traceback" not in site.log(True), site.log(True)


def test_an_unreachable_registry_skips_with_the_reason():
    output = (
        "WARNING: Retrying ... 'NewConnectionError(...: Failed to establish a new connection')\n"
        "ERROR: No matching distribution found for djwto==0.0.4\n"
    )
    with pytest.raises(pytest.skip.Exception, match=r"registry cannot be reached.*djwto==0\.0\.4"):
        _pip_failure(output)
    with pytest.raises(pytest.fail.Exception, match=r"installing djwto 0\.0\.4 failed"):
        _pip_failure("error: subprocess-exited-with-error (a build failure)")
