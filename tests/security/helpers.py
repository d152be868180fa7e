"""Attacker's tools, so each case in tests/security is short (the catalogue's "STD" outcome,
``assert_rejected``, is in tests/support with the other error assertions).

Tokens are built by hand here (base64url segments, ``hmac`` with any key, raw payload bytes)
rather than through djwto, so a test can produce exactly the bytes an attacker would send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from djwto.claims import build_access_claims, build_refresh_claims
from djwto.models import DeniedToken
from tests.support import ACCESS_COOKIE, CSRF, P

HS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
DROP = object()


# --- building tokens ------------------------------------------------------------------------


def b64u(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def signing_key() -> bytes:
    return settings.DJWTO_SIGNING_KEY.encode()


def mac(signing_input: str, key: bytes | str | None = None, alg: str = "HS256") -> str:
    key = signing_key() if key is None else key
    if isinstance(key, str):
        key = key.encode()
    return b64u(hmac.new(key, signing_input.encode(), HS[alg]).digest())


def forge(
    payload: Any = None,
    *,
    header: Any = None,
    raw_payload: bytes | None = None,
    raw_header: bytes | None = None,
    key: bytes | str | None = None,
    alg: str = "HS256",
) -> str:
    """A compact JWS MAC'd with ``key`` (default: the server's own key, i.e. correctly signed)."""
    if raw_header is None:
        raw_header = compact_json({"alg": alg, "typ": "JWT"} if header is None else header)
    if raw_payload is None:
        raw_payload = compact_json(payload)
    signing_input = f"{b64u(raw_header)}.{b64u(raw_payload)}"
    return f"{signing_input}.{mac(signing_input, key, alg)}"


def apply_changes(claims: dict, changes: dict) -> dict:
    """Set each of ``changes`` on ``claims``; the value ``DROP`` removes the claim."""
    for name, value in changes.items():
        if value is DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def refresh_claims(user, /, **changes) -> dict:
    return apply_changes(build_refresh_claims(user), changes)


def access_claims(user, /, **changes) -> dict:
    return apply_changes(build_access_claims(build_refresh_claims(user)), changes)


def segments(token: str) -> list[str]:
    return token.split(".")


# --- sending tokens the way each transport carries them ---------------------------------------


def wsgi(value: str) -> str:
    """A header value as a WSGI server hands it to Django: the UTF-8 bytes read as latin-1."""
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


def cookie_header(**cookies: str) -> str:
    return wsgi("; ".join(f"{name}={value}" for name, value in cookies.items()))


@dataclass
class Carrier:
    """How a transport carries a token: ``bearer``, ``json-body`` (refresh only) or cookies."""

    name: str

    @property
    def mode(self) -> str:
        return "JSON" if self.name in ("bearer", "json-body") else self.name

    @property
    def uses_cookies(self) -> bool:
        return self.mode != "JSON"

    def client(self) -> Client:
        return Client(enforce_csrf_checks=True)

    def access_kwargs(self, token: str) -> dict:
        if self.name == "bearer":
            return {"HTTP_AUTHORIZATION": wsgi(f"Bearer {token}")}
        return {
            "HTTP_COOKIE": cookie_header(**{ACCESS_COOKIE[self.mode]: token}, csrftoken=CSRF),
            "HTTP_X_CSRFTOKEN": CSRF,
        }

    def refresh_kwargs(self, token: Any) -> dict:
        if self.name == "bearer":
            return {"HTTP_AUTHORIZATION": wsgi(f"Bearer {token}")}
        if self.name == "json-body":
            return {"data": json.dumps({"refresh": token}), "content_type": "application/json"}
        return {
            "HTTP_COOKIE": cookie_header(jwt_refresh=token, csrftoken=CSRF),
            "HTTP_X_CSRFTOKEN": CSRF,
        }

    def access(self, token: str, path: str = "/protected/", method: str = "get", **extra):
        return getattr(self.client(), method)(path, **{**self.access_kwargs(token), **extra})

    def refresh(self, token: Any, endpoint: str = "refresh_access", **extra):
        return self.client().post(f"{P}/{endpoint}/", **{**self.refresh_kwargs(token), **extra})


# --- nothing written ------------------------------------------------------------------------


def _state() -> tuple:
    users = sorted(
        get_user_model().objects.values_list("pk", "last_login", "password", "is_active")
    )
    rows = sorted(DeniedToken.objects.values_list("jti", "reason", "created_at"))
    return users, rows


WRITE_SQL = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@contextmanager
def nothing_written():
    """No denylist row, no ``last_login`` (or any user) change, no write query at all."""
    before = _state()
    with CaptureQueriesContext(connection) as queries:
        yield queries
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if (q["sql"] or "").lstrip().upper().startswith(WRITE_SQL)
    ]
    assert not writes, writes
    assert _state() == before


# --- side effects: files, processes, network --------------------------------------------------

#: Audit events (PEP 578) that would mean a token reached the filesystem, a shell or the network.
WATCHED_EVENTS = frozenset(
    {
        "open",
        "os.system",
        "subprocess.Popen",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "urllib.Request",
        "http.client.connect",
    }
)
_watchers: list[list] = []


def _audit(event: str, args: tuple) -> None:
    if _watchers and event in WATCHED_EVENTS:
        for bucket in _watchers:
            bucket.append((event, args))


sys.addaudithook(_audit)


@contextmanager
def watch_side_effects():
    """Collect the watched audit events raised inside the block (a list of (event, args))."""
    bucket: list = []
    _watchers.append(bucket)
    try:
        yield bucket
    finally:
        _watchers.remove(bucket)


def network_events(events: list) -> list:
    return [e for e in events if e[0] not in ("open",) and not e[0].startswith(("os.", "subp"))]
