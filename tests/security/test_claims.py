"""C. Claims of correctly signed tokens: C1-C7. Every token here is MAC'd with the server's own
key, so only the claim checks stand between it and a 200."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from djwto.checks import check_djwto_settings
from tests.security.helpers import (
    DROP,
    access_claims,
    apply_changes,
    compact_json,
    forge,
    nothing_written,
    refresh_claims,
)
from tests.support import ACCESS_PATHS, REFRESH_ENDPOINTS, assert_not_5xx, assert_rejected

pytestmark = pytest.mark.django_db
NOW = 1_900_000_000


@pytest.fixture
def frozen(monkeypatch):
    """``time.time()`` fixed at NOW (every djwto module reads the clock through it)."""
    monkeypatch.setattr(time, "time", lambda: float(NOW))
    return NOW


def with_raw(claims: dict, name: str, literal: str) -> bytes:
    """The claims' JSON with ``name`` set to a raw JSON literal (NaN, 1e400, ...)."""
    claims = dict(claims, **{name: "__RAW__"})
    return compact_json(claims).replace(b'"__RAW__"', literal.encode())


def access_at(user, **changes) -> dict:
    """Access claims issued at NOW (for use with ``frozen``)."""
    claims = access_claims(user)
    claims.update(iat=NOW, exp=NOW + 300, refresh_iat=NOW)
    return apply_changes(claims, changes)


def refresh_at(user, **changes) -> dict:
    claims = refresh_claims(user)
    claims.update(iat=NOW, exp=NOW + 86400, auth_time=NOW)
    return apply_changes(claims, changes)


# --- C1 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exp", ["missing", None, NOW - 3600, NOW - 1, NOW, 0])
def test_C1_exp_missing_null_past_or_now(access_carrier, frozen, alice, exp):
    claims = access_at(alice, exp=DROP if exp == "missing" else exp)
    with nothing_written():
        response = access_carrier.access(forge(claims))
    body = assert_rejected(response, code=("token_invalid", "token_expired"))
    if isinstance(exp, int) and exp:
        assert body["code"] == "token_expired"


def test_C1_one_second_before_exp_is_accepted(access_carrier, frozen, alice):
    assert access_carrier.access(forge(access_at(alice, exp=NOW + 1))).status_code == 200


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_C1_expired_refresh_token(refresh_carrier, frozen, alice, endpoint):
    for exp in (NOW, NOW - 1, DROP, None):
        with nothing_written():
            response = refresh_carrier.refresh(forge(refresh_at(alice, exp=exp)), endpoint)
        assert_rejected(response, code=("token_expired", "token_invalid"))


def test_C1_leeway_is_exact(access_carrier, settings, frozen, alice):
    settings.DJWTO_LEEWAY = timedelta(seconds=30)
    assert access_carrier.access(forge(access_at(alice, exp=NOW - 29))).status_code == 200
    assert_rejected(
        access_carrier.access(forge(access_at(alice, exp=NOW - 30))), code="token_expired"
    )


# --- C2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize("leeway,ahead", [(0, 1), (0, 3600), (5, 6), (60, 61)])
def test_C2_nbf_or_iat_in_the_future(access_carrier, settings, frozen, alice, claim, leeway, ahead):
    settings.DJWTO_LEEWAY = timedelta(seconds=leeway)
    with nothing_written():
        response = access_carrier.access(forge(access_at(alice, **{claim: NOW + ahead})))
    assert_rejected(response, code="token_not_yet_valid")
    # Within the leeway it is fine.
    ok = access_carrier.access(forge(access_at(alice, **{claim: NOW + leeway})))
    assert ok.status_code == 200


def test_C2_refresh_not_yet_valid(refresh_carrier, frozen, alice):
    for claim in ("nbf", "iat"):
        with nothing_written():
            response = refresh_carrier.refresh(
                forge(refresh_at(alice, **{claim: NOW + 10})), "update_refresh"
            )
        assert_rejected(response, code="token_not_yet_valid")


@pytest.mark.parametrize("leeway", [timedelta(seconds=61), timedelta(minutes=5), 3600, 61.0])
def test_C2_leeway_above_60s_is_refused_by_a_check(settings, leeway):
    settings.DJWTO_LEEWAY = leeway
    assert "djwto.E006" in [m.id for m in check_djwto_settings()]


@pytest.mark.parametrize("leeway", [timedelta(0), timedelta(seconds=60), 60])
def test_C2_leeway_up_to_60s_passes_the_check(settings, leeway):
    settings.DJWTO_LEEWAY = leeway
    assert "djwto.E006" not in [m.id for m in check_djwto_settings()]


# --- C3 ---------------------------------------------------------------------------------------

BAD_TIMES = {
    "string": '"2000000000"',
    "true": "true",
    "false": "false",
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "1e400": "1e400",
    "float": "2000000000.0",
    "float_exp": "2e9",
    "list": "[2000000000]",
    "object": '{"t":2000000000}',
    "null": "null",
    "huge_int": str(10**20),
    "huge_int_400": "1" + "0" * 400,
    "negative": "-1",
    "too_many_digits": "9" * 5000,
}


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("kind", list(BAD_TIMES))
def test_C3_times_of_the_wrong_type(access_carrier, frozen, alice, claim, kind):
    raw = with_raw(access_at(alice), claim, BAD_TIMES[kind])
    with nothing_written():
        response = access_carrier.access(forge(raw_payload=raw))
    assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat", "auth_time"])
@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_C3_refresh_times_of_the_wrong_type(refresh_carrier, frozen, alice, claim, endpoint):
    """Until djwto fixed it, exp=10**20 crashed logout/rotation and auth_time=1e400-ish every
    refresh endpoint (OverflowError, a 500)."""
    for kind in (
        "string",
        "true",
        "nan",
        "infinity",
        "1e400",
        "float",
        "huge_int",
        "huge_int_400",
        "negative",
        "null",
    ):
        raw = with_raw(refresh_at(alice), claim, BAD_TIMES[kind])
        with nothing_written():
            response = refresh_carrier.refresh(forge(raw_payload=raw), endpoint)
        assert response.status_code == 401, (kind, response.content)
        assert_rejected(response, code="token_invalid")


# --- C4 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ACCESS_PATHS)
def test_C4_refresh_token_used_as_access_token(access_carrier, alice, path):
    refresh = forge(refresh_claims(alice))
    with nothing_written():
        response = access_carrier.access(refresh, path=path, method="post")
    assert_rejected(response, code="token_wrong_type")
    assert_rejected(
        access_carrier.access(refresh, path=path) if path != "/validate_access/" else response,
        code="token_wrong_type",
    )


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_C4_access_token_sent_to_refresh_endpoints(refresh_carrier, alice, endpoint):
    with nothing_written():
        response = refresh_carrier.refresh(forge(access_claims(alice)), endpoint)
    assert_rejected(response, code="token_wrong_type")


# --- C5 ---------------------------------------------------------------------------------------

BAD_TYPES = {
    "missing": DROP,
    "empty": "",
    "upper": "ACCESS",
    "title": "Access",
    "space": " access",
    "nul": "access\u0000",
    "list": ["access"],
    "list_both": ["access", "refresh"],
    "int": 1,
    "null": None,
    "true": True,
    "object": {"access": True},
    "other": "id_token",
}


@pytest.mark.parametrize("kind", list(BAD_TYPES))
def test_C5_type_claim_variants_access(access_carrier, alice, kind):
    value = BAD_TYPES[kind]
    claims = access_claims(alice, type=value)
    with nothing_written():
        response = access_carrier.access(forge(claims))
    assert_rejected(response, code=("token_invalid", "token_wrong_type"))


@pytest.mark.parametrize("kind", list(BAD_TYPES))
def test_C5_type_claim_variants_refresh(refresh_carrier, alice, kind):
    value = BAD_TYPES[kind]
    if isinstance(value, list):
        value = [v.replace("access", "refresh") for v in value]
    elif isinstance(value, str):
        value = (
            value.replace("access", "refresh")
            .replace("ACCESS", "REFRESH")
            .replace("Access", "Refresh")
        )
    claims = refresh_claims(alice, type=value)
    with nothing_written():
        response = refresh_carrier.refresh(forge(claims), "update_refresh")
    assert_rejected(response, code=("token_invalid", "token_wrong_type"))


# --- C6 ---------------------------------------------------------------------------------------

ISS = "https://issuer.djwto.test"
AUD = "djwto-api"


@pytest.fixture
def iss_aud(settings):
    settings.DJWTO_ISS_CLAIM = ISS
    settings.DJWTO_AUD_CLAIM = AUD


@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://evil.test"},
        {"iss": ISS.upper()},
        {"iss": DROP},
        {"iss": [ISS]},
        {"iss": None},
        {"iss": ISS + "/"},
        {"aud": DROP},
        {"aud": ["other"]},
        {"aud": []},
        {"aud": 1},
        {"aud": None},
        {"aud": [AUD, 1]},
        {"aud": {"aud": AUD}},
        {"aud": AUD.upper()},
        {"aud": [[AUD]]},
    ],
)
def test_C6_wrong_iss_or_aud(access_carrier, iss_aud, alice, change):
    claims = access_claims(alice)
    assert claims["iss"] == ISS and claims["aud"] == AUD
    assert access_carrier.access(forge(claims)).status_code == 200
    with nothing_written():
        response = access_carrier.access(forge(access_claims(alice, **change)))
    assert_rejected(response, code="token_invalid")


def test_C6_aud_list_holding_ours_is_accepted(access_carrier, iss_aud, alice):
    token = forge(access_claims(alice, aud=["other", AUD]))
    assert access_carrier.access(token).status_code == 200


def test_C6_aud_without_a_configured_audience_is_refused(access_carrier, alice):
    with nothing_written():
        response = access_carrier.access(forge(access_claims(alice, aud="anything")))
    assert_rejected(response, code="token_invalid")


def test_C6_refresh_wrong_iss_aud(refresh_carrier, iss_aud, alice):
    for change in ({"iss": "https://evil.test"}, {"aud": ["other"]}, {"aud": 1}, {"aud": DROP}):
        with nothing_written():
            response = refresh_carrier.refresh(
                forge(refresh_claims(alice, **change)), "update_refresh"
            )
        assert_rejected(response, code="token_invalid")


# --- C7 ---------------------------------------------------------------------------------------

BAD_SUBS = [1, None, ["1"], {"id": 1}, True, "x" * 256]
#: A user id is an int or a string; these name nobody (``"id": null`` is not here: the user id
#: then comes from ``sub``, as documented).
NO_SUCH_USER_IDS = [
    999_999,
    "999999",
    "abc",
    10**30,
    "9" * 5000,
    "1 OR 1=1",
    "-1",
    "",
    "\u00e9",
    "1" * 300,
    -1,
]
#: Not an int or a string, or a string PostgreSQL would refuse: the token itself is invalid.
MALFORMED_USER_IDS = [{"a": 1}, [1], 1.5, True, False, "1\u0000", "\u0000"]


@pytest.mark.parametrize("sub", [*BAD_SUBS, "1\x00"], ids=range(len(BAD_SUBS) + 1))
def test_C7_sub_of_the_wrong_type(access_carrier, alice, sub):
    with nothing_written():
        response = access_carrier.access(forge(access_claims(alice, sub=sub)))
    assert_rejected(response, code="token_invalid")


def _with_user_id(claims: dict, user_id) -> dict:
    claims["user"] = dict(claims["user"], id=user_id)
    return claims


@pytest.mark.parametrize("path", ["/protected/", "/aprotected/", "/fn/", "/afn/", "/perm/"])
def test_C7_user_id_pointing_to_no_user_never_500(access_carrier, alice, path):
    for user_id in NO_SUCH_USER_IDS:
        with nothing_written():
            response = access_carrier.access(
                forge(_with_user_id(access_claims(alice), user_id)), path=path
            )
        assert_not_5xx(response)
        if path in ("/protected/", "/aprotected/"):
            # The token is genuine; the database user it names is gone: AnonymousUser.
            assert response.status_code == 200, (user_id, response.content)
            assert response.json()["db_user"] == ""


@pytest.mark.parametrize("path", ["/protected/", "/aprotected/", "/fn/", "/afn/", "/perm/"])
def test_C7_user_id_of_the_wrong_type(access_carrier, alice, path):
    for user_id in MALFORMED_USER_IDS:
        with nothing_written():
            response = access_carrier.access(
                forge(_with_user_id(access_claims(alice), user_id)), path=path
            )
        assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("endpoint", REFRESH_ENDPOINTS)
def test_C7_refresh_for_a_missing_or_malformed_user(refresh_carrier, alice, endpoint):
    for user_id in NO_SUCH_USER_IDS + MALFORMED_USER_IDS:
        claims = _with_user_id(refresh_claims(alice), user_id)
        if user_id in MALFORMED_USER_IDS or endpoint != "logout":
            with nothing_written():
                response = refresh_carrier.refresh(forge(claims), endpoint)
            code = "token_invalid" if user_id in MALFORMED_USER_IDS else "user_invalid"
            assert_rejected(response, code=code)
        else:
            # logout does not load the user: a genuine token is revoked (rows written).
            assert refresh_carrier.refresh(forge(claims), endpoint).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b'["type","access"]',
        b'"access"',
        b"1",
        b"null",
        b"true",
        b'""',
        b"{}",
        b'{"type":"access"}',
    ],
)
def test_C7_payload_not_an_object_or_empty(access_carrier, alice, payload):
    with nothing_written():
        response = access_carrier.access(forge(raw_payload=payload))
    assert_rejected(response, code="token_invalid")


def test_C7_payload_not_an_object_refresh(refresh_carrier, alice):
    for payload in (b"[]", b'"refresh"', b"null", b"{}"):
        for endpoint in REFRESH_ENDPOINTS:
            with nothing_written():
                response = refresh_carrier.refresh(forge(raw_payload=payload), endpoint)
            assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("user", ["alice", ["alice"], 1, None])
def test_C7_user_claim_not_an_object(access_carrier, alice, user):
    with nothing_written():
        response = access_carrier.access(forge(access_claims(alice, user=user)), path="/perm/")
    assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize(
    "perms",
    [
        "testapp.perm1",
        {"testapp.perm1": True},
        [["testapp.perm1"]],
        [1],
        None,
        "testapp.perm1,testapp.perm2",
    ],
)
def test_C7_perms_claim_of_the_wrong_type(access_carrier, alice, perms):
    claims = access_claims(alice)
    claims["user"] = dict(claims["user"], perms=perms)
    with nothing_written():
        response = access_carrier.access(forge(claims), path="/perm/")
    assert_rejected(response, code="token_invalid")


def test_C7_duplicate_claims_are_refused(access_carrier, alice):
    """A duplicate key could read one way here and another way in a second parser."""
    claims = access_claims(alice)
    raw = compact_json(claims)[:-1] + b',"type":"refresh"}'
    assert json.loads(raw)["type"] == "refresh"
    raw_user = (
        compact_json(claims)[:-1]
        + b',"user":'
        + compact_json(dict(claims["user"], perms=["testapp.perm1", "testapp.perm2"]))
        + b"}"
    )
    for payload in (raw, raw_user):
        with nothing_written():
            response = access_carrier.access(forge(raw_payload=payload), path="/aperm/")
        assert_rejected(response, code="token_invalid")


def test_C7_claims_handed_to_a_view_are_its_own(alice):
    """Verified claims are cached per token: what one request's view changes in request.jwt
    (nested custom claims included) must never reach the next request with that token."""
    from djwto.backends import decode

    token = forge(access_claims(alice, custom={"role": "user", "tags": ["a"]}))
    first = decode(token, "access")
    first["custom"]["role"] = "admin"
    first["custom"]["tags"].append("root")
    first["user"]["perms"].append("auth.delete_user")
    first["user"]["id"] = 0
    second = decode(token, "access")
    assert second["custom"] == {"role": "user", "tags": ["a"]}
    assert second["user"]["perms"] == ["testapp.perm1"] and second["user"]["id"] == alice.pk
