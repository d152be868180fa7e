"""The rotation procedure against a real server restarted between its four steps.

add the new key as a verifier -> deploy -> make it the signer -> (after the refresh lifetime)
remove the old one. Tokens of every step are accepted until their key is removed, then answer
401 token_invalid; a user who refreshed in between is never logged out. The old key is HS256
and the new one ES256: changing algorithm is a rotation like any other.
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from tests.e2e.support import DemoClient
from tests.support import P

from .helpers import HS_SECRET, es256_pem, key_file

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::ResourceWarning")]


def alg_of(token: str) -> str:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["alg"]


def presented(demo, token: str, path: str) -> requests.Response:
    return requests.post(demo.url(path), headers={"Authorization": f"Bearer {token}"}, timeout=10)


def accepted(demo, tokens: dict[str, str]) -> bool:
    """Both tokens of a login accepted (access on validate_access, refresh on validate_refresh),
    or both refused as token_invalid; anything else fails the test."""
    results = []
    for kind, path in (("access", "/validate_access/"), ("refresh", f"/{P}/validate_refresh/")):
        response = presented(demo, tokens[kind], path)
        if response.status_code == 200:
            results.append(True)
        else:
            assert response.status_code == 401, response.text
            assert response.json()["code"] == "token_invalid", response.text
            results.append(False)
    assert len(set(results)) == 1, results
    return results[0]


def test_rotation_in_four_restarts_logs_no_one_out(start_demo, tmp_path):
    old = {"algorithm": "HS256", "key": HS_SECRET}
    new = {"algorithm": "ES256", "file": str(key_file(es256_pem(), directory=tmp_path))}
    steps = [[old], [old, new], [new, old], [new]]
    issued: list[dict[str, str]] = []  # the tokens of a login at each step
    kept = None  # a user logged in before the rotation who keeps refreshing
    for step, keys in enumerate(steps):
        demo = start_demo(keys)
        client = DemoClient(demo)
        assert client.login().status_code == 200
        issued.append(dict(client.tokens))
        assert alg_of(client.tokens["access"]) == keys[0]["algorithm"]
        if kept is None:
            kept = DemoClient(demo)  # its own login: rotating it must not touch issued[0]
            assert kept.login(username="bob").status_code == 200
        else:
            kept.demo = demo
            response = kept.refresh_call("update_refresh")
            assert response.status_code == 200, (step, response.text)  # not logged out
        # Every login so far is accepted until its key is removed.
        for when, tokens in enumerate(issued):
            signed_by = steps[when][0]
            assert accepted(demo, tokens) == (signed_by in keys), (step, when)
    # After the last step the user who kept refreshing holds new-key tokens.
    assert alg_of(kept.tokens["refresh"]) == "ES256"
    assert accepted(demo, kept.tokens)
