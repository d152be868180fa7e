"""What an error answer must look like, for Django test-client and ``requests`` responses alike.

Both kinds have ``status_code``, ``headers`` (case-insensitive) and ``content``; they differ in
their cookies, so :func:`set_cookies` reads the ``Set-Cookie`` headers of either.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from .constants import TOKEN_COOKIES

if TYPE_CHECKING:
    import requests

JWS_RE = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
BEARER_INVALID = 'Bearer realm="api", error="invalid_token"'
BEARER_PLAIN = 'Bearer realm="api"'
#: Codes of "no credentials" rather than "bad credentials" (RFC 6750 §3.1: no error param).
NO_ERROR_PARAM = ("token_missing", "invalid_credentials")


def set_cookie_headers(response: requests.Response) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name (the last one per name wins)."""
    out = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0].strip()
        out[name] = header
    return out


def cookie_attrs(header: str) -> dict[str, str | bool]:
    """``a=b; Path=/; HttpOnly`` -> ``{"path": "/", "httponly": True}`` (names lowercased)."""
    attrs: dict[str, str | bool] = {}
    for part in header.split(";")[1:]:
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        attrs[key.strip().lower()] = value.strip() if _ else True
    return attrs


def set_cookies(response) -> dict[str, tuple[str, str | None]]:
    """Each cookie the response sets: name -> (value, Max-Age or ``None``).

    A ``requests`` jar drops a cookie that is being deleted, so the raw headers are read there.
    """
    raw = getattr(response, "raw", None)
    if raw is None:  # Django's test client: a SimpleCookie of morsels
        return {
            name: (morsel.value, str(morsel["max-age"]) if morsel["max-age"] != "" else None)
            for name, morsel in response.cookies.items()
        }
    found: dict[str, tuple[str, str | None]] = {}
    for name, header in set_cookie_headers(response).items():
        value = header.split(";", 1)[0].partition("=")[2].strip().strip('"')
        max_age = cookie_attrs(header).get("max-age")
        found[name] = (value, max_age if isinstance(max_age, str) else None)
    return found


def assert_no_token_issued(response, *also_secret: str) -> None:
    """No token in the body and no ``Set-Cookie`` that issues one (deleting one is fine)."""
    content = response.content.decode("utf-8", "replace")
    assert not JWS_RE.search(content), f"a token in the body: {content[:200]}"
    for secret in also_secret:
        if secret:
            assert secret not in content
    for name, (value, max_age) in set_cookies(response).items():
        if name in TOKEN_COOKIES or name == "jwt_access_payload":
            assert value == "" and max_age == "0", f"Set-Cookie {name} issues something: {value!r}"
        assert not JWS_RE.search(value), f"a token in cookie {name}"


def assert_error(
    response,
    status: int,
    code: str | tuple[str, ...] | None = None,
    *,
    token: str | None = None,
) -> dict:
    """A JSON ``{"error", "code"}`` answer of ``status`` (and ``code``, or one of several) that
    issues no token: none in the body (nor ``token``), and every cookie it sets is a deletion.
    Returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("application/json"), content_type
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error", "code"}, body
    assert isinstance(body["error"], str) and body["error"], body
    assert isinstance(body["code"], str) and body["code"], body
    if code is not None:
        expected = (code,) if isinstance(code, str) else code
        assert body["code"] in expected, body
    assert_no_token_issued(response, token or "")
    for name, (value, _max_age) in set_cookies(response).items():
        assert value == "", f"{name} issued on an error"
    return body


def assert_rejected(
    response,
    status: int = 401,
    *,
    code: str | tuple[str, ...] | None = None,
    token: str | None = None,
) -> dict:
    """The attack catalogue's standard outcome (tests/security): :func:`assert_error`, plus
    exactly ``application/json``, the Bearer challenge on 401 and ``no-store``."""
    body = assert_error(response, status, code, token=token)
    assert response.headers["Content-Type"] == "application/json"
    if status == 401:
        expected_challenge = BEARER_PLAIN if body["code"] in NO_ERROR_PARAM else BEARER_INVALID
        assert response.headers.get("WWW-Authenticate") == expected_challenge
    cache_control = response.headers.get("Cache-Control", "")
    assert "no-store" in cache_control, cache_control
    return body


def assert_not_5xx(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
