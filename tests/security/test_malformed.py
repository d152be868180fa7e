"""M. Malformed input and resource exhaustion: M1-M5. Size and shape are checked before joserfc
is ever called; every parser error is a 400/401, never a 500."""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.http.cookie import parse_cookie
from django.test import Client

from djwto import backends
from djwto.backends import encode
from tests.security.helpers import (
    Carrier,
    access_claims,
    b64u,
    compact_json,
    forge,
    nothing_written,
    refresh_claims,
    segments,
)
from tests.support import REFRESH_ENDPOINTS, P, assert_rejected

pytestmark = pytest.mark.django_db


@pytest.fixture
def joserfc_forbidden(monkeypatch):
    """Fail the test if the token reaches joserfc."""
    calls = []

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the token reached joserfc")

    monkeypatch.setattr(backends.jws, "deserialize_compact", forbidden)
    return calls


def shaped(size: int) -> str:
    """A string of ``size`` characters in the compact-JWS shape (so only its size is wrong)."""
    head = b64u(compact_json({"alg": "HS256", "typ": "JWT"}))
    return f"{head}.{'A' * (size - len(head) - 6)}.AAAA"


# --- M1 ---------------------------------------------------------------------------------------

SIZES = {"8KB": 8193, "200KB": 200 * 1024, "5MB": 5 * 1024 * 1024}


@pytest.mark.parametrize("size", list(SIZES))
def test_M1_huge_access_tokens_capped_before_joserfc(
    access_carrier, alice, joserfc_forbidden, caplog, size
):
    token = shaped(SIZES[size])
    assert len(token) == SIZES[size]
    caplog.set_level(logging.DEBUG)
    start = time.perf_counter()
    with nothing_written():
        response = access_carrier.access(token, method="post")
    elapsed = time.perf_counter() - start
    assert_rejected(response, code="token_invalid")
    assert elapsed < 2.0, f"{size} took {elapsed:.2f}s"
    assert joserfc_forbidden == []
    assert not any(token[:64] in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("size", list(SIZES))
def test_M1_huge_refresh_tokens_capped_before_joserfc(
    refresh_carrier, alice, joserfc_forbidden, caplog, size
):
    token = shaped(SIZES[size])
    caplog.set_level(logging.DEBUG)
    start = time.perf_counter()
    with nothing_written():
        response = refresh_carrier.refresh(token, "update_refresh")
    elapsed = time.perf_counter() - start
    if refresh_carrier.name == "json-body" and size == "5MB":
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): the body itself is refused.
        assert_rejected(response, 413, code="payload_too_large")
    else:
        assert_rejected(response, code="token_invalid")
    assert elapsed < 2.0, f"{size} took {elapsed:.2f}s"
    assert joserfc_forbidden == []
    assert not any(token[:64] in r.getMessage() for r in caplog.records)


def test_M1_the_cap_is_on_size_alone(settings, alice, monkeypatch):
    """A genuine token one byte over DJWTO_MAX_TOKEN_BYTES is refused unread; at it, accepted."""
    settings.DJWTO_MAX_TOKEN_BYTES = 20_000  # room to build a big genuine token
    token = encode(access_claims(alice, pad="x" * 6000))
    assert len(token) > 8192
    settings.DJWTO_MAX_TOKEN_BYTES = len(token)
    assert Carrier("bearer").access(token).status_code == 200
    settings.DJWTO_MAX_TOKEN_BYTES = len(token) - 1
    calls = []
    monkeypatch.setattr(backends.jws, "deserialize_compact", lambda *a, **k: calls.append(a))
    assert_rejected(Carrier("bearer").access(token), code="token_invalid")
    assert calls == []


# --- M2 ---------------------------------------------------------------------------------------


def _shapes(good: str) -> dict[str, str]:
    h, p, s = segments(good)
    return {
        "empty": "",
        "null": "null",
        "undefined": "undefined",
        "none": "None",
        "true": "true",
        "dot": ".",
        "dots": "..",
        "three_dots": "...",
        "a_dot_dot_c": "a..c",
        "two_segments": f"{h}.{p}",
        "four_segments": f"{h}.{p}.{s}.{s}",
        "five_segments": f"{h}.{p}.{s}.{s}.{s}",
        "trailing_dot": f"{good}.",
        "leading_dot": f".{good}",
        "non_ascii": f"{h}.{p[:-1]}é.{s}",
        "non_ascii_digit": f"{h}.{p}.{s[:-1]}٣",
        "fullwidth": f"{h}.{p}.{s[:-1]}Ａ",
        "space": f"{h}. {p}.{s}",
        "inner_space": f"{h}.{p[:5]} {p[5:]}.{s}",
        "nul": f"{h}.{p}\x00.{s}",
        "nul_end": f"{good}\x00",
        "newline": f"{good}\n",
        "tab": f"{h}.\t{p}.{s}",
        "jws_json_general": json.dumps(
            {"payload": p, "signatures": [{"protected": h, "signature": s}]}
        ),
        "jws_json_flattened": json.dumps({"payload": p, "protected": h, "signature": s}),
        "jwe_shape": f"{h}.{p}.{s}.{s}.{s}",
        "quoted": f'"{good}"',
        "percent_encoded": good.replace("-", "%2D"),
        "plus_slash": good.replace("-", "+").replace("_", "/"),
        "equals_inside": f"{h}=.{p}.{s}",
        "bearer_literal": f"Bearer {good}",
    }


def _token_with(user, make, chars: str = "-_") -> str:
    """A genuine token holding every one of ``chars`` (so each shape really differs from it)."""
    for _ in range(500):
        token = encode(make(user))
        if all(c in token for c in chars):
            return token
    raise AssertionError(f"no token with {chars!r}")


@pytest.mark.parametrize("shape", list(_shapes("a.b.c")))
def test_M2_shapes_refused_before_joserfc(access_carrier, alice, joserfc_forbidden, shape):
    good = _token_with(alice, access_claims)
    token = _shapes(good)[shape]
    assert token != good
    if access_carrier.uses_cookies and token.strip().strip('"') == good:
        # RFC 6265: surrounding whitespace and DQUOTEs are not part of a cookie's value, so
        # this *is* the genuine token, as every browser and Django read it.
        assert parse_cookie(f"c={token}")["c"] == good
        return
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code=("token_invalid", "token_missing"))
    assert joserfc_forbidden == []


def test_M2_shapes_refused_on_refresh_endpoints(refresh_carrier, alice, joserfc_forbidden):
    good = _token_with(alice, refresh_claims)
    for shape, token in _shapes(good).items():
        if token == good or (refresh_carrier.uses_cookies and token.strip().strip('"') == good):
            continue
        for endpoint in ("refresh_access", "logout"):
            with nothing_written():
                response = refresh_carrier.refresh(token, endpoint)
            assert response.status_code == 401, (shape, endpoint, response.content)
            assert_rejected(response)
    assert joserfc_forbidden == []


# --- M3 ---------------------------------------------------------------------------------------

HEADER_JSON = '{"alg":"HS256","typ":"JWT"}'
ENCODINGS = {
    "utf16": lambda text: text.encode("utf-16"),
    "utf16le": lambda text: text.encode("utf-16-le"),
    "utf16be": lambda text: text.encode("utf-16-be"),
    "utf32": lambda text: text.encode("utf-32"),
    "utf8_bom": lambda text: b"\xef\xbb\xbf" + text.encode(),
    "latin1_high": lambda text: (text[:-1] + ',"x":"caf\xe9"}').encode("latin-1"),
    "invalid_byte": lambda text: text.encode()[:-1] + b"\xff}",
    "overlong_slash": lambda text: text.encode()[:-1] + b',"x":"\xc0\xaf"}',
    "cesu_surrogate": lambda text: text.encode()[:-1] + b',"x":"\xed\xa0\x80"}',
    "truncated_multibyte": lambda text: text.encode()[:-1] + b',"x":"\xe2\x82"}',
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("part", ["header", "payload"])
def test_M3_non_utf8_header_or_payload(access_carrier, alice, encoding, part):
    claims = access_claims(alice)
    encode_text = ENCODINGS[encoding]
    if part == "header":
        token = forge(claims, raw_header=encode_text(HEADER_JSON))
    else:
        token = forge(raw_payload=encode_text(json.dumps(claims)))  # correctly MAC'd
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code="token_invalid")


def test_M3_non_utf8_refresh(refresh_carrier, alice):
    claims = refresh_claims(alice)
    for name, encode_text in ENCODINGS.items():
        for token in (
            forge(claims, raw_header=encode_text(HEADER_JSON)),
            forge(raw_payload=encode_text(json.dumps(claims))),
        ):
            with nothing_written():
                response = refresh_carrier.refresh(token, "update_refresh")
            assert response.status_code == 401, name
            assert_rejected(response)


# --- M4 ---------------------------------------------------------------------------------------

WRONG_JSON_TYPES = [
    "1",
    "1.5",
    "-0",
    "1e400",
    "true",
    "false",
    "null",
    "[]",
    '["a.b.c"]',
    "{}",
    '{"token":"a.b.c"}',
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\u0000"',
    '""',
    "NaN",
    "Infinity",
    '"a.b.c"',
]


@pytest.mark.parametrize("literal", WRONG_JSON_TYPES)
@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_M4_token_field_of_the_wrong_json_type(settings, alice, literal, endpoint):
    settings.DJWTO_MODE = "JSON"
    body = '{"refresh": %s}' % literal
    with nothing_written():
        response = Client().post(f"{P}/{endpoint}/", body, content_type="application/json")
    if literal.startswith('"'):
        assert_rejected(response, 401, code="token_invalid")
    else:
        # A field of the wrong type is a malformed body (the README's error table), not a
        # token that failed.
        assert_rejected(response, 400, code="bad_request")


@pytest.mark.parametrize("literal", ["1", "[]", "{}", '"\\ud800"', "true", '""', '"Refresh"'])
def test_M4_jwt_type_field_of_the_wrong_type(refresh_carrier, alice, literal):
    good = encode(refresh_claims(alice))
    kwargs = refresh_carrier.refresh_kwargs(good)
    if refresh_carrier.name == "json-body":
        kwargs["data"] = json.dumps({"refresh": good})[:-1] + ', "jwt_type": %s}' % literal
    else:
        kwargs["data"] = '{"jwt_type": %s}' % literal
        kwargs["content_type"] = "application/json"
    with nothing_written():
        response = refresh_carrier.client().post(f"{P}/update_refresh/", **kwargs)
    assert_rejected(response, 400, code="bad_request")


@pytest.mark.parametrize(
    "body",
    [
        '{"refresh": "\\ud800"}',
        "[1, 2]",
        '"refresh"',
        "1",
        "null",
        "{",
        '{"refresh": }',
        "\xff\xfe",
        '{"refresh": "a"} trailing',
    ],
)
def test_M4_refresh_body_not_a_json_object(settings, alice, body):
    settings.DJWTO_MODE = "JSON"
    for endpoint in REFRESH_ENDPOINTS:
        with nothing_written():
            response = Client().post(
                f"{P}/{endpoint}/", body.encode("latin-1"), content_type="application/json"
            )
        assert response.status_code in (400, 401), (body, response.content)
        assert_rejected(response, response.status_code)


# --- M5 ---------------------------------------------------------------------------------------

DEPTHS = [1_000, 100_000]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("kind", ["list", "object"])
def test_M5_deep_json_login_body(settings, alice, password, depth, kind):
    nested = "[" * depth + "]" * depth if kind == "list" else '{"a":' * depth + "1" + "}" * depth
    for mode in ("JSON", "ONE-COOKIE"):
        settings.DJWTO_MODE = mode
        for body in (
            '{"username": %s, "password": "x"}' % nested,
            '{"username": "alice", "password": %s}' % nested,
            nested,
        ):
            with nothing_written():
                response = Client().post("/login/", body, content_type="application/json")
            assert_rejected(response, 400, code="bad_request")


@pytest.mark.parametrize("depth", DEPTHS)
def test_M5_deep_json_refresh_body(settings, alice, depth):
    settings.DJWTO_MODE = "JSON"
    nested = "[" * depth + "]" * depth
    for endpoint in REFRESH_ENDPOINTS:
        with nothing_written():
            response = Client().post(
                f"{P}/{endpoint}/", '{"refresh": %s}' % nested, content_type="application/json"
            )
        assert response.status_code in (400, 401)
        assert_rejected(response, response.status_code)


@pytest.mark.parametrize("max_bytes", [8192, 2_000_000])
@pytest.mark.parametrize("part", ["payload", "header", "claim"])
def test_M5_deep_json_in_a_signed_token(access_carrier, settings, alice, max_bytes, part):
    settings.DJWTO_MAX_TOKEN_BYTES = max_bytes
    depth = (max_bytes * 3 // 4 - 1500) // 2
    nested = b"[" * depth + b"]" * depth
    if part == "payload":
        token = forge(raw_payload=nested)
    elif part == "header":
        token = forge(access_claims(alice), raw_header=b'{"alg":"HS256","kid":' + nested + b"}")
    else:
        token = forge(
            raw_payload=compact_json(access_claims(alice))[:-1] + b',"deep":' + nested + b"}"
        )
    assert len(token) <= max_bytes
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("body", ["too_big", "too_many_fields", "broken_multipart"])
def test_M1_unreadable_bodies_on_cookie_protected_views(settings, alice, password, body):
    """Django's CSRF check reads the body first: its failures are djwto JSON, never a 5xx."""
    from tests.support import login

    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    session = login(Client(enforce_csrf_checks=True), "ONE-COOKIE", "alice", password)
    for path in ("/protected/", "/aprotected/", "/fn/", "/afn/"):
        with nothing_written():
            if body == "too_big":
                response = session.client.post(path, {"x": "y" * 20_000}, **session.csrf_headers())
            elif body == "too_many_fields":
                fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
                response = session.client.post(path, fields, **session.csrf_headers())
            else:
                response = session.client.generic(
                    "POST",
                    path,
                    b"garbage",
                    content_type="multipart/form-data",
                    **session.csrf_headers(),
                )
        if body == "broken_multipart":
            assert_rejected(response, 400, code="bad_request")
        else:
            assert_rejected(response, 413, code="payload_too_large")


@pytest.mark.parametrize("depth,accepted", [(32, True), (33, False), (500, False)])
def test_M5_nesting_limit_in_a_signed_payload_is_exact(settings, depth, accepted):
    """The front door caps nesting at MAX_JSON_DEPTH whatever the Python's own JSON limits."""
    from djwto.backends import MAX_JSON_DEPTH, decode, encode
    from djwto.exceptions import InvalidToken

    assert MAX_JSON_DEPTH == 32
    nested: object = []
    for _ in range(depth - 2):  # the claims object is level 1, "deep" holds the rest
        nested = [nested]
    settings.DJWTO_MAX_TOKEN_BYTES = 100_000
    claims = {"type": "access", "exp": 4_000_000_000 // 2, "deep": nested}
    token = encode(claims)
    if accepted:
        assert decode(token, "access")["deep"] == nested
    else:
        with pytest.raises(InvalidToken):
            decode(token, "access")
