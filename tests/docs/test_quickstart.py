"""The README's quickstart, pasted into a new project top to bottom, works: the blocks are run
as written in a `django-admin startproject` project (blocks.py), then the server and the client
steps it leaves to the reader are run too, against a real runserver."""

from __future__ import annotations

import json
import shlex

import pytest
import requests

from tests.support.processes import LocalServer, free_port, spawn

from .blocks import REPO, PageRun, blocks

pytestmark = pytest.mark.e2e


def quickstart_blocks():
    text = (REPO / "README.md").read_text()
    start = text.count("\n", 0, text.index("<!-- quickstart:start -->")) + 1
    end = text.count("\n", 0, text.index("<!-- quickstart:end -->")) + 1
    return [b for b in blocks(REPO / "README.md") if start < b.line < end]


def test_the_readme_quickstart_works_in_a_new_project(tmp_path):
    quickstart = quickstart_blocks()
    run = PageRun(REPO / "README.md", tmp_path)
    run.run(quickstart)
    project = run.cwd
    assert (project / "manage.py").exists() and project.name == "mysite"
    # What the run left to the reader: pip (the local checkout stands in for it), the
    # server and the client.
    pip, serve, client = run.skipped
    assert pip.code.strip() == "pip install djwto"
    assert serve.code.strip() == "python manage.py runserver"

    port = free_port()
    command = f"{serve.code.strip()} --noreload 127.0.0.1:{port}"
    server = LocalServer(
        name="quickstart",
        proc=spawn(
            ["bash", "-c", run.shell_script(f"exec {command}")],
            env=run.shell_env(),
            log_path=tmp_path / "runserver.log",
        ),
        log_path=tmp_path / "runserver.log",
        port=port,
        ready_path="/admin/login/",
    )
    try:
        server.wait_ready()
        script = client.code.replace("localhost:8000", f"127.0.0.1:{port}")
        result = run.run_shell(client, script)
        expected = [
            json.loads(line.split("# ", 1)[1])
            for line in client.code.splitlines()
            if line.startswith("curl") and "# " in line
        ]
        answers = [json.loads(part + "}") for part in result.stdout.strip().split("}") if part]
        assert answers == expected == [{"username": "alice"}, {"users": ["alice"]}]

        # The same flow, step by step: login, the protected views, refresh, and the admin
        # the project keeps.
        tokens = requests.post(
            server.url("/login/"), data={"username": "alice", "password": "pass"}, timeout=10
        ).json()
        bearer = {"Authorization": f"Bearer {tokens['access']}"}
        assert requests.get(server.url("/profile/"), timeout=10).status_code == 401
        assert requests.get(server.url("/users/"), headers=bearer, timeout=10).status_code == 200
        refreshed = requests.post(
            server.url("/api/token/refresh/refresh_access/"),
            headers={"Authorization": f"Bearer {tokens['refresh']}"},
            timeout=10,
        )
        assert refreshed.status_code == 200, refreshed.text
        admin = requests.get(server.url("/admin/login/"), timeout=10)
        assert admin.status_code == 200 and "Django administration" in admin.text
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()
    # The key the quickstart generated reached the server through the environment only.
    settings_py = (project / "mysite" / "settings.py").read_text()
    assert "DJWTO_SIGNING_KEY =" not in settings_py
    assert shlex.quote("DJWTO_SIGNING_KEY") in (run.state.read_text())
