"""Several keys: kids, the signer, verification by kid among the configured keys only."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from joserfc import jws
from joserfc.jwk import ECKey, OctKey
from joserfc.jws import JWSRegistry

from djwto.backends import decode, encode
from djwto.exceptions import InvalidToken
from djwto.keys import get_key_set
from tests.core.test_backends import claims, header_of
from tests.security.helpers import b64u
from tests.support import assert_rejected, bearer, login

from .helpers import HS_SECRET, entry, es256_pem, key_file, public_entry

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")


def sign(header: dict, payload: dict, key, algorithm: str) -> str:
    """A token signed outside djwto, with any header."""
    registry = JWSRegistry(algorithms=[algorithm])
    return jws.serialize_compact(header, json.dumps(payload).encode(), key, registry=registry)


# --- kids ---------------------------------------------------------------------------------------


def test_an_asymmetric_kid_is_the_rfc7638_thumbprint_of_the_public_key(settings):
    pem = es256_pem()
    settings.DJWTO_KEYS = [{"algorithm": "ES256", "key": pem}]
    public = ECKey.import_key(pem).as_dict(private=False)
    # RFC 7638 §3: the required members, sorted, without whitespace, hashed with SHA-256.
    canonical = json.dumps({k: public[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    expected = b64u(hashlib.sha256(canonical.encode()).digest())
    token = encode(claims())
    assert header_of(token) == {"alg": "ES256", "typ": "JWT", "kid": expected}


def test_an_hmac_kid_is_stable_and_does_not_reveal_the_secret(settings):
    settings.DJWTO_KEYS = [entry("HS256", HS_SECRET + "HS256")]
    kid = header_of(encode(claims()))["kid"]
    assert HS_SECRET[:8] not in kid and b64u(HS_SECRET.encode())[:8] not in kid
    # The same secret given the old way has the same kid: moving to DJWTO_KEYS logs no one out.
    del settings.DJWTO_KEYS
    settings.DJWTO_SIGNING_KEY = HS_SECRET + "HS256"
    assert header_of(encode(claims()))["kid"] == kid
    settings.DJWTO_SIGNING_KEY = HS_SECRET + "other"
    assert header_of(encode(claims()))["kid"] != kid


# --- the first signs, all verify ----------------------------------------------------------------


def test_the_first_key_signs_and_every_key_verifies(settings):
    old, new = entry("HS256"), entry("ES256")
    settings.DJWTO_KEYS = [old]
    old_token = encode(claims())
    settings.DJWTO_KEYS = [new, old]
    new_token = encode(claims())
    assert header_of(new_token)["alg"] == "ES256"
    assert decode(old_token, "access")["type"] == decode(new_token, "access")["type"] == "access"
    settings.DJWTO_KEYS = [new]
    with pytest.raises(InvalidToken):
        decode(old_token, "access")
    assert decode(new_token, "access")["type"] == "access"


def test_keys_from_files_paths_and_jwk_dicts(settings, tmp_path):
    from pathlib import Path

    signer = entry("ES256")
    path = key_file(signer["key"], directory=tmp_path)
    hs_path = key_file(HS_SECRET + "\n", directory=tmp_path)
    settings.DJWTO_KEYS = [{"algorithm": "ES256", "file": str(path)}]
    token = encode(claims())
    settings.DJWTO_KEYS = [{"algorithm": "ES256", "key": Path(path)}]
    assert decode(token, "access")
    public_jwk = ECKey.import_key(signer["key"]).as_dict(private=False)
    settings.DJWTO_KEYS = [
        {"algorithm": "HS512", "file": hs_path},
        {"algorithm": "ES256", "key": public_jwk},
    ]
    assert decode(token, "access")
    # The file's final newline is not part of the secret.
    hs_token = encode(claims())
    key = OctKey.import_key(HS_SECRET)
    assert jws.deserialize_compact(hs_token, key, registry=JWSRegistry(algorithms=["HS512"]))


def test_a_public_first_key_makes_a_verify_only_server(settings):
    signer = entry("ES256")
    settings.DJWTO_KEYS = [signer]
    token = encode(claims())
    settings.DJWTO_KEYS = [public_entry(signer)]
    assert decode(token, "access")
    with pytest.raises(ImproperlyConfigured, match="verify tokens but not issue"):
        encode(claims())


@pytest.mark.parametrize(
    "keys,match",
    [
        ([{"algorithm": "ES256", "key": "not a PEM"}], r"DJWTO_KEYS\[0\] could not be imported"),
        ([{"algorithm": "RS256", "key": es256_pem()}], r"DJWTO_KEYS\[0\]"),
        ([{"algorithm": "ES256", "file": "/nonexistent/key.pem"}], "cannot be read"),
        ([entry("HS256", HS_SECRET), entry("HS256", HS_SECRET)], "same key"),
        ([], "non-empty list"),
        ([{"algorithm": "none", "key": "x"}], "needs an algorithm"),
        ([{"algorithm": "ES256"}], "exactly one of"),
        ([{"algorithm": "ES256", "key": 1}], "wrong type"),
        ([{"algorithm": "ES256", "key": "x", "kid": "mine"}], "unknown fields"),
        (["HS256"], "must be a dict"),
    ],
)
def test_unusable_keys_are_improperly_configured(settings, keys, match):
    settings.DJWTO_KEYS = keys
    with pytest.raises(ImproperlyConfigured, match=match):
        encode(claims())


# --- verification picks the key by kid, among the configured keys only -------------------------


def test_an_unknown_kid_is_refused_without_trying_the_other_keys(settings, monkeypatch):
    signer = entry("HS256")
    settings.DJWTO_KEYS = [signer, entry("ES256")]
    get_key_set()  # built (and its keys probed) before watching
    tried = []
    real = jws.deserialize_compact
    monkeypatch.setattr(
        jws, "deserialize_compact", lambda *a, **k: tried.append(a) or real(*a, **k)
    )
    key = OctKey.import_key(signer["key"])
    token = sign({"alg": "HS256", "kid": "2025-01"}, claims(), key, "HS256")
    with pytest.raises(InvalidToken):
        decode(token, "access")
    assert tried == []


def test_a_key_is_bound_to_its_algorithm(settings):
    """HS256 MAC'd with the ES256 public key, naming the ES256 key: refused (key confusion)."""
    es = entry("ES256")
    settings.DJWTO_KEYS = [es, entry("HS256")]
    es_kid = get_key_set().keys[0].kid
    public_pem = ECKey.import_key(es["key"]).as_pem(private=False)
    for alg in ("HS256", "HS384", "ES384"):
        header = {"alg": alg, "kid": es_kid}
        raw = f"{b64u(json.dumps(header).encode())}.{b64u(json.dumps(claims()).encode())}"
        import hmac

        mac = hmac.new(public_pem, raw.encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidToken):
            decode(f"{raw}.{b64u(mac)}", "access")


def test_a_token_without_kid_needs_a_single_key_of_its_algorithm(settings):
    hs = entry("HS256")
    key = OctKey.import_key(hs["key"])
    token = sign({"alg": "HS256", "typ": "JWT"}, claims(), key, "HS256")  # as before kids
    settings.DJWTO_KEYS = [entry("ES256"), hs]  # a rotation to another algorithm
    assert decode(token, "access")["type"] == "access"
    settings.DJWTO_KEYS = [entry("HS256"), hs]  # two HS256 keys: which one is ambiguous
    with pytest.raises(InvalidToken):
        decode(token, "access")


@pytest.mark.parametrize("name", ["jku", "jwk", "x5u", "x5c", "crit"])
def test_keys_offered_by_the_token_stay_refused(settings, name):
    hs = entry("HS256")
    settings.DJWTO_KEYS = [hs, entry("ES256")]
    kid = get_key_set().keys[0].kid
    value = ["x"] if name in ("x5c", "crit") else "https://attacker.example/keys"
    header = {"alg": "HS256", "kid": kid, name: value}
    raw = f"{b64u(json.dumps(header).encode())}.{b64u(json.dumps(claims()).encode())}"
    import hmac

    mac = hmac.new(hs["key"].encode(), raw.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        decode(f"{raw}.{b64u(mac)}", "access")


@pytest.mark.parametrize("kid", [1, None, ["a"], "k" * 257])
def test_a_kid_of_the_wrong_type_is_refused(settings, kid):
    hs = entry("HS256")
    settings.DJWTO_KEYS = [hs]
    header = {"alg": "HS256", "kid": kid}
    raw = f"{b64u(json.dumps(header).encode())}.{b64u(json.dumps(claims()).encode())}"
    import hmac

    mac = hmac.new(hs["key"].encode(), raw.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken):
        decode(f"{raw}.{b64u(mac)}", "access")


def test_through_the_views_an_old_key_s_tokens_work_until_it_is_removed(settings, alice, password):
    old, new = entry("HS256"), entry("ES256")
    settings.DJWTO_KEYS = [old]
    session = login(Client(), "JSON", "alice", password)
    settings.DJWTO_KEYS = [new, old]
    assert Client().get("/protected/", **bearer(session.access)).status_code == 200
    refreshed = Client().post("/api/token/refresh/refresh_access/", **bearer(session.refresh))
    assert refreshed.status_code == 200
    assert header_of(refreshed.json()["access"])["alg"] == "ES256"
    settings.DJWTO_KEYS = [new]
    assert_rejected(Client().get("/protected/", **bearer(session.access)), code="token_invalid")
    response = Client().post("/api/token/refresh/refresh_access/", **bearer(session.refresh))
    assert_rejected(response, code="token_invalid")
