"""A simplejwt frontend's conversation, run against both backends; prints what each answered.

Run as ``python -m tests.contrib.sj_script`` (``SJ_ROTATE=1`` for rotating refresh tokens);
``test_simplejwt.py`` compares the two transcripts.
"""

from __future__ import annotations

import json
import os
import re
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.contrib.sj_settings"

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

TOKEN = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def shape(value):
    """The body with every token replaced by ``<token>`` (their bytes differ by design)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, str) and TOKEN.match(value):
        return "<token>"
    return value


def run(prefix: str) -> list[dict]:
    client = Client()
    log: list[dict] = []
    state: dict[str, str] = {}

    def call(step, method, path, body=None, *, form=False, token=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        url = f"/{prefix}/api/{path}"
        if method == "GET":
            response = client.get(url, **headers)
        elif form:
            response = client.post(url, body or {}, **headers)
        else:
            response = client.post(
                url, json.dumps(body or {}), content_type="application/json", **headers
            )
        try:
            data = response.json()
        except ValueError:
            data = response.content.decode()
        log.append(
            {
                "step": step,
                "status": response.status_code,
                "body": shape(data),
                "www_authenticate": response.get("WWW-Authenticate"),
            }
        )
        return data

    good = {"username": "davidattenborough", "password": "boatymcboatface"}
    pair = call("obtain", "POST", "token/", good)
    state["access"], state["refresh"] = pair["access"], pair["refresh"]
    call("obtain form-encoded", "POST", "token/", good, form=True)
    call("obtain wrong password", "POST", "token/", {**good, "password": "nope"})
    call("obtain unknown user", "POST", "token/", {**good, "username": "nobody"})
    call("obtain missing password", "POST", "token/", {"username": good["username"]})
    call("obtain empty body", "POST", "token/", {})
    call("obtain blank username", "POST", "token/", {**good, "username": ""})
    call("obtain null password", "POST", "token/", {**good, "password": None})
    call("obtain with GET", "GET", "token/")
    call("protected with access", "GET", "me/", token=state["access"])
    call("protected without token", "GET", "me/")
    call("protected with garbage", "GET", "me/", token="not.a.token")
    refreshed = call("refresh", "POST", "token/refresh/", {"refresh": state["refresh"]})
    rotated = state["refresh"]
    if "refresh" in refreshed:
        state["refresh"] = refreshed["refresh"]
    call("protected with refreshed access", "GET", "me/", token=refreshed["access"])
    call("refresh missing field", "POST", "token/refresh/", {})
    call("refresh garbage", "POST", "token/refresh/", {"refresh": "not.a.token"})
    call("refresh with an access token", "POST", "token/refresh/", {"refresh": state["access"]})
    call("verify access", "POST", "token/verify/", {"token": state["access"]})
    call("verify refresh", "POST", "token/verify/", {"token": state["refresh"]})
    call("verify garbage", "POST", "token/verify/", {"token": "not.a.token"})
    call("verify missing field", "POST", "token/verify/", {})
    call("blacklist missing field", "POST", "token/blacklist/", {})
    call("blacklist access token", "POST", "token/blacklist/", {"refresh": state["access"]})
    call("blacklist", "POST", "token/blacklist/", {"refresh": state["refresh"]})
    call("refresh after blacklist", "POST", "token/refresh/", {"refresh": state["refresh"]})
    call("blacklist again", "POST", "token/blacklist/", {"refresh": state["refresh"]})
    if rotated != state["refresh"]:
        # Last: djwto also revokes the whole session when a rotated token comes back.
        call("refresh the rotated token", "POST", "token/refresh/", {"refresh": rotated})
    return log


def main() -> None:
    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user("davidattenborough", password="boatymcboatface")
    json.dump({"simplejwt": run("sj"), "djwto": run("dj")}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
