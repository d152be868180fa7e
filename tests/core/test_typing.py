"""What a type checker sees of djwto: the public names, the mixins and the typed request.

Runs mypy (``mypy.api``) with the project's configuration (strict, django-stubs) on a small
user module and compares the revealed types; a user of djwto who annotates a view must get
these types and no error.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

USER_CODE = """
from django.http import HttpRequest, JsonResponse
from django.views import View

import djwto
from djwto import JWTRequiredMixin, jwt_login_required
from djwto.typing import JWTRequest


class Profile(JWTRequiredMixin, View):
    def get(self, request: JWTRequest) -> JsonResponse:
        reveal_type(request.jwt)  # R1
        reveal_type(request.token)  # R2
        reveal_type(request.payload)  # R3
        return JsonResponse({"user": request.jwt["user"]})


class AsyncProfile(JWTRequiredMixin, View):
    async def get(self, request: JWTRequest) -> JsonResponse:
        return JsonResponse({"user": request.jwt["user"]})


@jwt_login_required
def profile(request: JWTRequest) -> JsonResponse:
    return JsonResponse({"user": request.jwt["user"]})


@jwt_login_required(mode="JSON")
def json_profile(request: JWTRequest) -> JsonResponse:
    return JsonResponse({})


reveal_type(djwto.LoginView)  # R4
reveal_type(djwto.JWTRequiredMixin)  # R5
reveal_type(profile)  # R6
reveal_type(json_profile)  # R7
reveal_type(Profile.as_view())  # R8
reveal_type(djwto.revoke_user_sessions)  # R9
"""

EXPECTED = {
    "R1": "dict[str, Any]",
    "R2": "str",
    "R3": "dict[str, Any]",
    "R4": "def (**kwargs: Any) -> djwto.views.LoginView",
    "R5": "def () -> djwto.mixins.JWTRequiredMixin",
    "R6": "def (request: djwto.typing.JWTRequest) -> django.http.response.JsonResponse",
    "R7": "def (request: djwto.typing.JWTRequest) -> django.http.response.JsonResponse",
    "R8": "def (*Any, **Any) -> django.http.response.HttpResponseBase",
}


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory) -> dict[str, str]:
    pytest.importorskip("mypy.api", reason="mypy is not installed (the lint extra)")
    pytest.importorskip("mypy_django_plugin", reason="django-stubs is not installed")
    work = tmp_path_factory.mktemp("typing")
    module = work / "user_views.py"
    source = textwrap.dedent(USER_CODE).lstrip("\n")
    module.write_text(source)
    # A subprocess: the django-stubs plugin sets Django up itself, apart from this test run.
    code = (
        "import sys; from mypy import api; "
        "out, err, status = api.run(sys.argv[1:]); "
        "sys.stdout.write(out + err); sys.exit(status)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            "--no-error-summary",
            "--show-column-numbers",
            str(module),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    source_lines = source.splitlines()
    found: dict[str, str] = {}
    errors = []
    for line in result.stdout.splitlines():
        match = re.match(r".*user_views\.py:(\d+):\d+: (\w+): (.*)", line)
        if match is None:
            continue
        number, severity, message = int(match[1]), match[2], match[3]
        label = re.search(r"# (R\d+)", source_lines[number - 1])
        if severity == "note" and label and message.startswith("Revealed type is"):
            found[label[1]] = message.removeprefix("Revealed type is ").strip('"')
        elif severity == "error":
            errors.append(line)
    found["errors"] = "\n".join(errors)
    found["raw"] = result.stdout + result.stderr
    return found


def test_a_user_module_type_checks_cleanly(mypy_output):
    assert mypy_output["errors"] == "", mypy_output["raw"]


@pytest.mark.parametrize("label", sorted(EXPECTED))
def test_revealed_types(mypy_output, label):
    assert mypy_output.get(label) == EXPECTED[label], mypy_output["raw"]


def test_public_functions_keep_their_signatures(mypy_output):
    # Not Any: the lazy __getattr__ would give Any without the TYPE_CHECKING imports.
    assert mypy_output.get("R9", "").startswith("def (user: "), mypy_output["raw"]
