"""The JOSE backend: signing with every supported key type, and the decode contract
(type compared exactly, ``exp`` required and ``now < exp``, nbf/iat/leeway, iss/aud)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from joserfc.jwk import ECKey, OKPKey, RSAKey

from djwto import backends
from djwto.backends import check_time_claims, decode, encode, get_token_cache
from djwto.exceptions import ExpiredToken, InvalidToken
from djwto.keys import get_key_set
from tests.support import bearer, login

NOW = 1_900_000_000


def header_of(token: str) -> dict:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def hs256(header: bytes, payload: bytes) -> str:
    """A token MAC'd with the configured key, whatever its header and payload bytes."""
    from django.conf import settings

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{b64(header)}.{b64(payload)}"
    mac = hmac.new(settings.DJWTO_SIGNING_KEY.encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{b64(mac.digest())}"


def claims(**extra) -> dict:
    base = {"type": "access", "exp": int(time.time()) + 60}
    base.update(extra)
    return base


# --- algorithms and keys ---------------------------------------------------------------------


def _rsa():
    return RSAKey.generate_key(2048)


def _ec256():
    return ECKey.generate_key("P-256")


def _ec384():
    return ECKey.generate_key("P-384")


def _ed():
    return OKPKey.generate_key("Ed25519")


def _ed448():
    return OKPKey.generate_key("Ed448")


ASYMMETRIC = [
    ("RS256", _rsa),
    ("PS256", _rsa),
    ("ES256", _ec256),
    ("ES384", _ec384),
    ("EdDSA", _ed),
    ("Ed25519", _ed),
    ("Ed448", _ed448),
]


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize("algorithm,make", ASYMMETRIC, ids=[a for a, _ in ASYMMETRIC])
def test_login_and_protected_view_with_asymmetric_keys(settings, alice, password, algorithm, make):
    settings.DJWTO_ALGORITHM = algorithm
    settings.DJWTO_SIGNING_KEY = make().as_pem(private=True).decode()
    session = login(Client(), "JSON", "alice", password)
    assert session.login_response.status_code == 200
    assert header_of(session.access)["alg"] == algorithm
    assert session.get("/protected/").json()["db_user"] == "alice"
    assert session.get("/perm/").status_code == 200


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_the_rfc_9864_name_and_the_old_one_are_different_algorithms(settings):
    """Ed25519 and EdDSA sign alike, but a server configured for one refuses the other's label."""
    pem = _ed().as_pem(private=True)
    settings.DJWTO_ALGORITHM = "EdDSA"
    settings.DJWTO_SIGNING_KEY = pem
    eddsa_token = encode(claims())
    settings.DJWTO_ALGORITHM = "Ed25519"
    assert decode(encode(claims()), "access")["type"] == "access"
    with pytest.raises(InvalidToken):
        decode(eddsa_token, "access")


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_algorithms(settings, algorithm):
    settings.DJWTO_ALGORITHM = algorithm
    token = encode(claims())
    assert header_of(token) == {"alg": algorithm, "typ": "JWT", "kid": get_key_set().signer.kid}
    assert decode(token, "access")["type"] == "access"


def test_bytes_signing_key(settings):
    settings.DJWTO_SIGNING_KEY = b"bytes-key-bytes-key-bytes-key-bytes-key-0123456789"
    assert decode(encode(claims()), "access")["type"] == "access"


def test_a_verify_only_server_accepts_tokens_but_cannot_issue(settings):
    key = _ec256()
    settings.DJWTO_ALGORITHM = "ES256"
    settings.DJWTO_SIGNING_KEY = key.as_pem(private=True)
    token = encode(claims())
    settings.DJWTO_SIGNING_KEY = None
    settings.DJWTO_VERIFYING_KEY = key.as_pem(private=False).decode()
    assert decode(token, "access")["type"] == "access"
    with pytest.raises(ImproperlyConfigured, match="DJWTO_SIGNING_KEY"):
        encode(claims())


def test_a_token_of_another_algorithm_is_refused(settings):
    token = encode(claims())  # HS256
    settings.DJWTO_ALGORITHM = "HS512"
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_an_unparsable_asymmetric_key_is_improperly_configured(settings):
    settings.DJWTO_ALGORITHM = "RS256"
    settings.DJWTO_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"
    with pytest.raises(ImproperlyConfigured, match="DJWTO_SIGNING_KEY"):
        encode(claims())


def test_asymmetric_without_any_key_is_improperly_configured(settings, monkeypatch):
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
    settings.DJWTO_ALGORITHM = "RS256"
    settings.DJWTO_SIGNING_KEY = None
    with pytest.raises(ImproperlyConfigured, match="DJWTO_VERIFYING_KEY"):
        decode("a.b.c", "access")


# --- encoding --------------------------------------------------------------------------------


def test_encode_does_not_mutate_claims_and_round_trips():
    original = claims(user={"username": "alice", "id": 1, "perms": ["a.b"]}, sub="1")
    snapshot = dict(original)
    token = encode(original)
    assert original == snapshot
    assert decode(token, "access") == original
    assert header_of(token) == {"alg": "HS256", "typ": "JWT", "kid": get_key_set().signer.kid}


def test_decoded_claims_are_a_copy():
    token = encode(claims(user={"username": "a", "id": 1, "perms": ["x.y"]}))
    first = decode(token, "access")
    first["user"]["perms"].append("admin.everything")
    first["type"] = "refresh"
    again = decode(token, "access")
    assert again["user"]["perms"] == ["x.y"]
    assert again["type"] == "access"


# --- the type claim --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["refresh", "Access", "ACCESS", "access ", "", "acc"])
def test_type_must_equal_the_expected_type_exactly(value):
    token = encode(claims(type=value))
    with pytest.raises(InvalidToken):
        decode(token, "access")


@pytest.mark.parametrize("value", [["access"], None, 1, {"access": True}])
def test_type_that_is_not_a_string_is_refused(value):
    token = encode(claims(type=value))
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_missing_type_is_refused():
    c = claims()
    del c["type"]
    with pytest.raises(InvalidToken):
        decode(encode(c), "access")


def test_wrong_type_reports_a_machine_code():
    with pytest.raises(InvalidToken) as excinfo:
        decode(encode(claims(type="refresh")), "access")
    assert excinfo.value.code == "token_wrong_type"


# --- exp, nbf, iat, leeway -------------------------------------------------------------------


def test_exp_is_required():
    c = claims()
    del c["exp"]
    with pytest.raises(InvalidToken):
        decode(encode(c), "access")


@pytest.mark.parametrize("value", ["1900000000", 1.9e9, True, None, [1]])
def test_time_claims_must_be_integers(value):
    for name in ("exp", "nbf", "iat"):
        with pytest.raises(InvalidToken):
            decode(encode(claims(**{name: value})), "access")


def test_now_must_be_before_exp(clock):
    clock.now = NOW
    token = encode(claims(exp=NOW + 10))
    clock.now = NOW + 9.999
    assert decode(token, "access")["exp"] == NOW + 10
    clock.now = NOW + 10  # exactly exp: expired
    with pytest.raises(ExpiredToken):
        decode(token, "access")
    clock.now = NOW + 11
    with pytest.raises(ExpiredToken) as excinfo:
        decode(token, "access")
    assert excinfo.value.code == "token_expired"


def test_expiry_is_checked_on_every_call_not_cached(clock):
    clock.now = NOW
    token = encode(claims(exp=NOW + 10))
    decode(token, "access")
    assert token in get_token_cache()
    clock.now = NOW + 20
    with pytest.raises(ExpiredToken):
        decode(token, "access")


def test_leeway_extends_exp_nbf_and_iat(settings, clock):
    clock.now = NOW
    expired = encode(claims(exp=NOW - 5))
    early = encode(claims(exp=NOW + 60, nbf=NOW + 5))
    future_iat = encode(claims(exp=NOW + 60, iat=NOW + 5))
    for token in (expired, early, future_iat):
        with pytest.raises(InvalidToken):
            decode(token, "access")
    settings.DJWTO_LEEWAY = timedelta(seconds=10)
    for token in (expired, early, future_iat):
        assert decode(token, "access")["type"] == "access"


def test_nbf_in_the_future_is_not_valid_yet(clock):
    clock.now = NOW
    token = encode(claims(exp=NOW + 60, nbf=NOW + 30))
    with pytest.raises(InvalidToken) as excinfo:
        decode(token, "access")
    assert excinfo.value.code == "token_not_yet_valid"
    clock.now = NOW + 30
    assert decode(token, "access")["nbf"] == NOW + 30


def test_iat_in_the_future_is_refused(clock):
    clock.now = NOW
    with pytest.raises(InvalidToken) as excinfo:
        decode(encode(claims(exp=NOW + 60, iat=NOW + 1)), "access")
    assert excinfo.value.code == "token_not_yet_valid"


def test_check_time_claims_takes_an_explicit_now():
    check_time_claims({"exp": NOW + 1}, now=NOW)
    with pytest.raises(ExpiredToken):
        check_time_claims({"exp": NOW}, now=NOW)


# --- iss, aud, sub -----------------------------------------------------------------------


def test_issuer_is_required_and_compared(settings):
    settings.DJWTO_ISS_CLAIM = "https://auth.example.com"
    assert decode(encode(claims(iss="https://auth.example.com")), "access")
    for bad in (claims(iss="https://evil.example.com"), claims()):
        with pytest.raises(InvalidToken):
            decode(encode(bad), "access")


def test_audience_string_or_list(settings):
    settings.DJWTO_AUD_CLAIM = "api"
    assert decode(encode(claims(aud="api")), "access")
    assert decode(encode(claims(aud=["other", "api"])), "access")
    for aud in ("other", ["other"], 7, [7], None):
        with pytest.raises(InvalidToken):
            decode(encode(claims(aud=aud)), "access")
    with pytest.raises(InvalidToken):
        decode(encode(claims()), "access")


def test_several_accepted_audiences(settings):
    settings.DJWTO_AUD_CLAIM = ["api", "web"]
    assert decode(encode(claims(aud="web")), "access")


def test_token_with_an_audience_is_refused_when_none_is_configured():
    with pytest.raises(InvalidToken):
        decode(encode(claims(aud="api")), "access")


@pytest.mark.parametrize(
    "extra",
    [
        {"sub": 1},
        {"jti": ""},
        {"jti": 5},
        {"sid": ["x"]},
        {"user": "alice"},
        {"user": {"perms": "all"}},
        {"user": {"perms": [1]}},
        {"sub": "x" * 256},
    ],
)
def test_registered_claims_of_the_wrong_shape_are_refused(extra):
    with pytest.raises(InvalidToken):
        decode(encode(claims(**extra)), "access")


# --- input that never reaches joserfc ----------------------------------------------------


@pytest.mark.parametrize("value", [None, 1, b"a.b.c", "", "a.b", "a.b.c.d", "a b.c.d", "a.b.c="])
def test_values_that_are_not_compact_jws_are_invalid(value):
    with pytest.raises(InvalidToken):
        decode(value, "access")


def test_token_over_the_size_limit_is_refused_before_verification(settings, monkeypatch):
    token = encode(claims(pad="x" * 500))
    settings.DJWTO_MAX_TOKEN_BYTES = len(token) - 1
    monkeypatch.setattr(backends, "_verify", lambda t: pytest.fail("verified an oversized token"))
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_hs256_helper_makes_tokens_the_backend_accepts():
    assert decode(hs256(b'{"alg":"HS256"}', b'{"type":"access","exp":9999999999}'), "access")


@pytest.mark.parametrize(
    "header",
    [
        b'{"alg":"HS256","jku":"https://evil.example"}',
        b'{"alg":"HS256","typ":"JOSE+X"}',
        b'{"alg":"HS256","kid":5}',
        b'{"alg":"HS256","kid":"' + b"k" * 257 + b'"}',
        b'{"alg":"HS256","crit":["exp"]}',
        b'["alg"]',
        b'{"alg":"none"}',
        b'{"alg":"HS256","alg":"HS256"}',
        b"{",
    ],
)
def test_header_with_other_parameters_or_shapes_is_refused(header):
    with pytest.raises(InvalidToken):
        decode(hs256(header, b'{"type":"access","exp":9999999999}'), "access")


def test_header_may_carry_the_key_s_kid_and_a_lower_case_typ():
    kid = get_key_set().signer.kid
    header = b'{"alg":"HS256","kid":"%s","typ":"jwt"}' % kid.encode()
    token = hs256(header, b'{"type":"access","exp":9999999999}')
    assert decode(token, "access")["exp"] == 9999999999
    # A kid naming no configured key is refused, though the MAC is right.
    token = hs256(b'{"alg":"HS256","kid":"k1","typ":"jwt"}', b'{"type":"access","exp":9999999999}')
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_tampered_signature_or_payload_is_refused():
    token = encode(claims())
    head, payload, sig = token.split(".")
    other = encode(claims(type="refresh")).split(".")[1]
    for bad in (f"{head}.{other}.{sig}", f"{head}.{payload}.{sig[:-2]}AA"):
        with pytest.raises(InvalidToken):
            decode(bad, "access")


@pytest.mark.parametrize(
    "payload", [b"[1, 2]", b'"text"', b'{"a": 1, "a": 2}', b'{"exp": NaN}', b"\xff\xfe", b"{"]
)
def test_signed_payloads_that_are_not_a_plain_object_are_refused(payload):
    with pytest.raises(InvalidToken):
        decode(hs256(b'{"alg":"HS256"}', payload), "access")


def test_non_canonical_base64_is_refused():
    token = encode(claims())
    head, payload, sig = token.split(".")
    # The last character of a segment carries padding bits: flipping them decodes to the
    # same bytes but is another string, which a strict decoder refuses.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = sig[-1]
    twin = next(
        c
        for c in alphabet
        if c != last
        and base64.urlsafe_b64decode(sig[:-1] + c + "=" * (-len(sig) % 4))
        == base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    )
    with pytest.raises(InvalidToken):
        decode(f"{head}.{payload}.{sig[:-1]}{twin}", "access")


# --- the verified-token cache ------------------------------------------------------------


def test_cache_is_bounded_and_drops_the_oldest(settings):
    settings.DJWTO_TOKEN_CACHE_SIZE = 2
    tokens = [encode(claims(n=i)) for i in range(3)]
    for token in tokens:
        decode(token, "access")
    cache = get_token_cache()
    assert len(cache) == 2
    assert tokens[0] not in cache and tokens[2] in cache
    cache.clear()
    assert len(cache) == 0


def test_cache_size_zero_disables_it(settings):
    settings.DJWTO_TOKEN_CACHE_SIZE = 0
    decode(encode(claims()), "access")
    assert len(get_token_cache()) == 0


@pytest.mark.parametrize("value", [-1, "10", True])
def test_bad_cache_size_is_improperly_configured(settings, value):
    settings.DJWTO_TOKEN_CACHE_SIZE = value
    with pytest.raises(ImproperlyConfigured, match="DJWTO_TOKEN_CACHE_SIZE"):
        decode(encode(claims()), "access")


def test_cached_token_is_refused_after_the_key_changes(settings):
    token = encode(claims())
    decode(token, "access")
    settings.DJWTO_SIGNING_KEY = "a-completely-different-key-0123456789abcdefghijkl"
    with pytest.raises(InvalidToken):
        decode(token, "access")


def test_protected_view_refuses_a_token_of_another_key(alice, db):
    from djwto.claims import build_access_claims, build_refresh_claims

    access = build_access_claims(build_refresh_claims(alice))
    from django.test import override_settings

    with override_settings(DJWTO_SIGNING_KEY="other-environment-key-0123456789abcdefghijkl"):
        foreign = encode(access)
    response = Client().get("/protected/", **bearer(foreign))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_encode_refuses_a_token_decode_would_refuse(settings, alice, password):
    from djwto.exceptions import TokenTooLarge

    settings.DJWTO_MAX_TOKEN_BYTES = 300
    with pytest.raises(TokenTooLarge):
        encode(claims(pad="x" * 300))
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert response.status_code == 500
    assert response.json()["code"] == "token_too_large"
    assert "refresh" not in response.json()
