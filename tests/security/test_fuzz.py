"""Fuzzing (hypothesis): arbitrary text, bytes and JSON values, and near-valid tokens (one
character flipped, inserted or deleted, segments swapped, duplicated or re-encoded) thrown at
every token reader (Bearer header, each cookie, the refresh JSON body), at the login and refresh
bodies (JSON and form), at ``parse_bearer`` and at ``decode``.

Nothing may raise past djwto's error handling or answer 5xx; nothing but the exact genuine
token is ever accepted (canonical base64url is required, so even a flip that decodes to the
same bytes must be refused); nothing is written.

``DJWTO_FUZZ_EXAMPLES`` sets the examples per property (default 200; ``make fuzz``: 20000).
"""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from djwto.backends import decode, encode
from djwto.exceptions import DjwtoError, InvalidToken
from djwto.models import DeniedToken
from djwto.transports import parse_bearer
from tests.security.helpers import access_claims, b64u, refresh_claims, unb64u, wsgi
from tests.support import (
    ACCESS_CARRIERS,
    ACCESS_COOKIE,
    CSRF,
    REFRESH_CARRIERS,
    REFRESH_ENDPOINTS,
    P,
)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("DJWTO_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ in the shared tree; failures print a reproduce blob
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ACCESS_PATHS = ("/protected/", "/aprotected/", "/perm/", "/fn/", "/afnperm/", "/validate_access/")
REJECTED = {401, 403}

# --- strategies -------------------------------------------------------------------------------

#: Every code point, lone surrogates included.
any_char = st.characters(codec=None, categories=None)
any_text = st.text(any_char, max_size=300)
#: What a WSGI server can hand Django in a header: latin-1.
header_text = st.text(st.characters(max_codepoint=255), max_size=300)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(any_char, max_size=50)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=15,
)
jwsish = st.builds(
    lambda parts: ".".join(parts),
    st.lists(st.text(alphabet=ALPHABET + "=+/. é\x00", max_size=60), min_size=0, max_size=6),
)
MUTATIONS = (
    "flip",
    "insert",
    "delete",
    "truncate",
    "swap_segments",
    "duplicate_segment",
    "drop_segment",
    "reencode_std",
    "reencode_padded",
    "reencode_json",
    "case_swap",
    "noncanonical_last",
)
mutations = st.tuples(
    st.sampled_from(MUTATIONS),
    st.integers(0, 10**6),
    st.sampled_from(ALPHABET + "=+/.~ "),
    st.permutations([0, 1, 2]),
)


def mutate(token: str, mutation: tuple) -> str:
    """A near-valid token: ``token`` changed in one way an attacker (or a bad proxy) would."""
    op, index, char, order = mutation
    parts = token.split(".")
    i = index % len(token)
    seg = index % 3
    if op == "flip":
        replacement = char if char != token[i] else ("A" if token[i] != "A" else "B")
        return token[:i] + replacement + token[i + 1 :]
    if op == "insert":
        return token[:i] + char + token[i:]
    if op == "delete":
        return token[:i] + token[i + 1 :]
    if op == "truncate":
        return token[:i]
    if op == "swap_segments":
        if list(order) == [0, 1, 2]:
            order = [1, 0, 2]
        return ".".join(parts[k] for k in order)
    if op == "duplicate_segment":
        return ".".join([*parts[: seg + 1], parts[seg], *parts[seg + 1 :]])
    if op == "drop_segment":
        return ".".join(parts[:seg] + parts[seg + 1 :])
    raw = unb64u(parts[seg])
    if op == "reencode_std":
        parts[seg] = base64.b64encode(raw).decode().rstrip("=")
    elif op == "reencode_padded":
        parts[seg] = base64.urlsafe_b64encode(raw).decode()
    elif op == "reencode_json":
        if seg == 2:
            parts[seg] = b64u(raw[::-1])
        else:
            parts[seg] = b64u(
                json.dumps(
                    json.loads(raw), indent=index % 3 or None, sort_keys=bool(index % 2)
                ).encode()
                + b" "
            )
    elif op == "case_swap":
        s = parts[seg]
        j = index % len(s)
        parts[seg] = s[:j] + s[j].swapcase() + s[j + 1 :]
    elif op == "noncanonical_last":
        s = parts[seg]
        spare = {2: 15, 3: 3}.get(len(s) % 4, 0)
        value = ALPHABET.index(s[-1])
        parts[seg] = s[:-1] + ALPHABET[value ^ (1 + index % spare)] if spare else s + "A"
    return ".".join(parts)


# --- sending ------------------------------------------------------------------------------------


def send_access(carrier: str, token: str, path: str):
    client = Client(enforce_csrf_checks=True)
    method = client.post if path == "/validate_access/" else client.get
    if carrier == "bearer":
        return method(path, HTTP_AUTHORIZATION=wsgi(f"Bearer {token}"))
    return method(
        path,
        HTTP_COOKIE=wsgi(f"{ACCESS_COOKIE[carrier]}={token}; csrftoken={CSRF}"),
        HTTP_X_CSRFTOKEN=CSRF,
    )


def send_refresh(carrier: str, token, endpoint: str):
    client = Client(enforce_csrf_checks=True)
    path = f"{P}/{endpoint}/"
    if carrier == "bearer":
        return client.post(path, HTTP_AUTHORIZATION=wsgi(f"Bearer {token}"))
    if carrier == "json-body":
        return client.post(path, json.dumps({"refresh": token}), content_type="application/json")
    return client.post(
        path, HTTP_COOKIE=wsgi(f"jwt_refresh={token}; csrftoken={CSRF}"), HTTP_X_CSRFTOKEN=CSRF
    )


def mode_of(carrier: str) -> str:
    return "JSON" if carrier in ("bearer", "json-body") else carrier


def check_response(response, *, allowed: set[int]) -> None:
    event(f"status {response.status_code}")
    assert response.status_code < 500, (response.status_code, response.content[:300])
    assert response.status_code in allowed, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    if response.status_code >= 400:
        assert set(body) == {"error", "code"}
    assert "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def fuzz_world(alice):
    """alice and one genuine token of each type, valid for the whole (long) fuzz run."""
    with override_settings(DJWTO_ACCESS_TOKEN_LIFETIME=__import__("datetime").timedelta(days=1)):
        access = encode(access_claims(alice))
        refresh = encode(refresh_claims(alice))
    last_login = get_user_model().objects.get(pk=alice.pk).last_login
    yield {"access": access, "refresh": refresh}
    assert DeniedToken.objects.count() == 0, "a fuzz input wrote to the denylist"
    assert get_user_model().objects.get(pk=alice.pk).last_login == last_login


# --- properties ---------------------------------------------------------------------------------


@FUZZ
@given(header=header_text | st.builds(lambda t: "Bearer " + t, header_text) | any_text)
def test_fuzz_parse_bearer(header):
    try:
        token = parse_bearer(header)
    except DjwtoError as exc:
        event(type(exc).__name__)
        assert exc.status_code == 401
        return
    assert token and " " not in token and header.lower().startswith("bearer ")
    assert header[len("bearer ") :] == token


@FUZZ
@given(value=any_text | st.binary(max_size=300) | json_values | jwsish)
def test_fuzz_decode_any_value(value):
    for token_type in ("access", "refresh"):
        try:
            decode(value, token_type)
        except InvalidToken as exc:
            event(exc.code)
        else:
            raise AssertionError(f"accepted {value!r}")


@FUZZ
@given(data=st.data())
def test_fuzz_access_token_readers(fuzz_world, data):
    carrier = data.draw(st.sampled_from(ACCESS_CARRIERS), "carrier")
    path = data.draw(st.sampled_from(ACCESS_PATHS), "path")
    token = data.draw(
        header_text | jwsish | st.builds(mutate, st.just(fuzz_world["access"]), mutations), "token"
    )
    if token == fuzz_world["access"] or (
        carrier != "bearer" and token.strip(" \t").strip('"') == fuzz_world["access"]
    ):
        return  # the genuine token (cookie parsing strips whitespace and quotes)
    with override_settings(DJWTO_MODE=mode_of(carrier)):
        response = send_access(carrier, token, path)
    check_response(response, allowed=REJECTED)


@FUZZ
@given(data=st.data())
def test_fuzz_near_valid_tokens_always_rejected(fuzz_world, data):
    """The genuine token with one change is never accepted, on any carrier or endpoint."""
    kind = data.draw(st.sampled_from(["access", "refresh"]), "kind")
    genuine = fuzz_world[kind]
    forged = mutate(genuine, data.draw(mutations, "mutation"))
    if forged.strip(" ") == genuine:
        # A no-op (case swap of a digit), or spaces around it, which every cookie parser and
        # HTTP server strips: the same token, not a near-valid one.
        event("mutation was a no-op")
        return
    if kind == "access":
        carrier = data.draw(st.sampled_from(ACCESS_CARRIERS), "carrier")
        with override_settings(DJWTO_MODE=mode_of(carrier)):
            response = send_access(carrier, forged, data.draw(st.sampled_from(ACCESS_PATHS)))
    else:
        carrier = data.draw(st.sampled_from(REFRESH_CARRIERS), "carrier")
        with override_settings(DJWTO_MODE=mode_of(carrier)):
            response = send_refresh(carrier, forged, data.draw(st.sampled_from(REFRESH_ENDPOINTS)))
    check_response(response, allowed={401})


@FUZZ
@given(data=st.data())
def test_fuzz_refresh_token_readers(fuzz_world, data):
    carrier = data.draw(st.sampled_from(REFRESH_CARRIERS), "carrier")
    endpoint = data.draw(st.sampled_from(REFRESH_ENDPOINTS), "endpoint")
    if carrier == "json-body":
        token = data.draw(json_values | jwsish | any_text, "token")
    else:
        token = data.draw(header_text | jwsish, "token")
    if isinstance(token, str) and token.strip(" \t").strip('"') == fuzz_world["refresh"]:
        return  # the genuine token
    with override_settings(DJWTO_MODE=mode_of(carrier)):
        response = send_refresh(carrier, token, endpoint)
    check_response(response, allowed={400, 401, 403})


@FUZZ
@given(data=st.data())
def test_fuzz_raw_cookie_and_authorization_headers(fuzz_world, data):
    """Whole raw ``Cookie`` / ``Authorization`` headers, with our cookie names sprinkled in."""
    mode = data.draw(st.sampled_from(["JSON", "ONE-COOKIE", "TWO-COOKIES"]), "mode")
    names = st.sampled_from(
        [
            "jwt_access",
            "jwt_access_token",
            "jwt_refresh",
            "jwt_access_payload",
            "csrftoken",
            "",
            " jwt_access ",
            "jwt_access=",
        ]
    )
    pieces = st.lists(st.tuples(names | header_text, header_text | jwsish), max_size=6)
    raw_cookie = data.draw(
        st.builds(
            lambda ps, sep: sep.join(f"{k}={v}" for k, v in ps),
            pieces,
            st.sampled_from(["; ", ";", ",", " "]),
        )
        | header_text,
        "cookie",
    )
    authorization = data.draw(st.none() | header_text, "authorization")
    path = data.draw(st.sampled_from([*ACCESS_PATHS, *(f"{P}/{e}/" for e in REFRESH_ENDPOINTS)]))
    extra = {
        "HTTP_COOKIE": raw_cookie,
        "HTTP_X_CSRFTOKEN": CSRF,
        **data.draw(browser_headers, "browser headers"),
    }
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    with override_settings(DJWTO_MODE=mode):
        response = Client(enforce_csrf_checks=True).post(path, **extra)
    check_response(response, allowed={400, 401, 403})


usernames = st.sampled_from(["alice", "bob", "carol", "mallory", "ALICE", "alice ", ""]) | any_text
#: Never alice's real password ("correct horse battery staple"): any 200 would be a failure.
passwords = st.sampled_from(["", "wrong", "correct horse battery stapl", "x" * 4097]) | any_text
login_json = (
    st.builds(
        lambda username, password, extra: {**extra, "username": username, "password": password},
        usernames | json_values,
        passwords | json_values,
        st.dictionaries(
            st.sampled_from(["jwt_type", "remember", "refresh"]) | st.text(max_size=10),
            st.sampled_from(["access", "refresh"]) | json_values,
            max_size=3,
        ),
    )
    | json_values
)


def _encodable(text: str) -> bool:
    """The test client sends form fields as UTF-8: a lone surrogate cannot be sent that way."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: The headers a browser adds that the CSRF checks parse (Origin, Referer, Sec-Fetch-Site),
#: well-formed, hostile or broken ("http://[" once made every cookie-mode login a 500).
origins = (
    st.sampled_from(
        [
            "http://testserver",
            "https://testserver",
            "https://evil.example",
            "null",
            "",
            "http://[",
            "http://[::1",
            "://",
            "http://testserver:99999",
            "http://user@testserver",
            "file://",
            "http://testserver/",
        ]
    )
    | header_text
)
browser_headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_ORIGIN": origins,
        "HTTP_REFERER": origins,
        "HTTP_SEC_FETCH_SITE": st.sampled_from(
            ["cross-site", "same-site", "same-origin", "none", "CROSS-SITE"]
        )
        | header_text,
        "secure": st.booleans(),
    },
)
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data",
    "multipart/form-data; boundary=X",
    "application/xml",
    "application/json; charset=utf-16",
    "",
]


@FUZZ
@given(data=st.data())
def test_fuzz_login_bodies(fuzz_world, data):
    mode = data.draw(st.sampled_from(["JSON", "ONE-COOKIE", "TWO-COOKIES"]), "mode")
    how = data.draw(st.sampled_from(["json", "form", "raw"]), "how")
    client = Client(enforce_csrf_checks=True)
    headers = data.draw(browser_headers, "headers")
    with override_settings(DJWTO_MODE=mode):
        if how == "json":
            body = json.dumps(data.draw(login_json, "body"))
            response = client.post("/login/", body, content_type="application/json", **headers)
        elif how == "form":
            form = data.draw(
                st.fixed_dictionaries(
                    {
                        "username": usernames.filter(_encodable),
                        "password": passwords.filter(_encodable),
                    },
                    optional={
                        "jwt_type": st.sampled_from(["access", "refresh"]) | st.text(max_size=10),
                        "extra": st.text(max_size=100) | st.lists(st.text(max_size=20), max_size=3),
                    },
                )
                | st.dictionaries(st.text(max_size=10), st.text(max_size=100), max_size=4),
                "form",
            )
            response = client.post("/login/", form, **headers)
        else:
            body = data.draw(st.binary(max_size=400), "raw")
            content_type = data.draw(st.sampled_from(CONTENT_TYPES), "content_type")
            response = client.generic("POST", "/login/", body, content_type=content_type, **headers)
    check_response(response, allowed={400, 401, 403, 413})
    assert not [n for n in response.cookies if n.startswith("jwt_")]


@FUZZ
@given(data=st.data())
def test_fuzz_refresh_bodies(fuzz_world, data):
    endpoint = data.draw(st.sampled_from(REFRESH_ENDPOINTS), "endpoint")
    how = data.draw(st.sampled_from(["json", "form", "raw"]), "how")
    client = Client()
    with override_settings(DJWTO_MODE="JSON"):
        if how == "json":
            body = data.draw(
                json_values
                | st.builds(lambda v: {"refresh": v}, json_values)
                | st.builds(
                    lambda v, t: {
                        "refresh": fuzz_world["refresh"],
                        "jwt_type": v,
                        **({"x": t} if t else {}),
                    },
                    json_values,
                    json_values,
                ),
                "body",
            )
            if (
                isinstance(body, dict)
                and body.get("refresh") == fuzz_world["refresh"]
                and body.get("jwt_type") in (None, "refresh")
            ):
                return  # a genuine request
            response = client.post(
                f"{P}/{endpoint}/", json.dumps(body), content_type="application/json"
            )
        elif how == "form":
            form = data.draw(
                st.dictionaries(
                    st.sampled_from(["refresh", "jwt_type"]) | st.text(max_size=10),
                    st.text(max_size=200),
                    max_size=3,
                ),
                "form",
            )
            response = client.post(f"{P}/{endpoint}/", form)
        else:
            response = client.generic(
                "POST",
                f"{P}/{endpoint}/",
                data.draw(st.binary(max_size=400), "raw"),
                content_type=data.draw(st.sampled_from(CONTENT_TYPES)),
            )
    check_response(response, allowed={400, 401, 413})


def test_fuzz_genuine_tokens_still_accepted_after_the_run(fuzz_world):
    """The positive control: the genuine tokens the properties mutate are good on every carrier."""
    for carrier in ACCESS_CARRIERS:
        with override_settings(DJWTO_MODE=mode_of(carrier)):
            assert send_access(carrier, fuzz_world["access"], "/protected/").status_code == 200
    for carrier in REFRESH_CARRIERS:
        with override_settings(DJWTO_MODE=mode_of(carrier)):
            assert (
                send_refresh(carrier, fuzz_world["refresh"], "validate_refresh").status_code == 200
            )
