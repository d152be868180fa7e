"""GET /.well-known/jwks.json: the public keys of the asymmetric verifying keys, cacheable."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from djwto.backends import encode
from tests.support import assert_error

from .helpers import entry, public_entry

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def test_the_route_is_named_jwks_at_the_well_known_path():
    assert reverse("jwks") == "/.well-known/jwks.json"


def test_it_serves_every_asymmetric_key_public_only_and_verifies_tokens(settings):
    es, rsa, ed, hs = entry("ES256"), entry("RS256"), entry("EdDSA"), entry("HS256")
    settings.DJWTO_KEYS = [es, hs, rsa, public_entry(entry("ES256")), ed]
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    keys = response.json()["keys"]
    assert [k["alg"] for k in keys] == ["ES256", "RS256", "ES256", "EdDSA"]
    for jwk in keys:
        assert not PRIVATE_MEMBERS & set(jwk), jwk
        assert jwk["use"] == "sig" and jwk["kid"]
    assert hs["key"] not in response.content.decode()
    # What another service does with it: pick the key by kid, verify with it.
    token = encode({"type": "access", "exp": 4_000_000_000})
    key_set = KeySet.import_key_set(response.json())
    assert jwt.decode(token, key_set, algorithms=["ES256"]).claims["type"] == "access"


def test_cache_headers_etag_and_304(settings):
    settings.DJWTO_KEYS = [entry("ES256")]
    settings.DJWTO_JWKS_MAX_AGE = 120
    first = Client().get("/.well-known/jwks.json")
    assert first["Cache-Control"] == "public, max-age=120"
    etag = first["ETag"]
    assert etag.startswith('"')
    again = Client().get("/.well-known/jwks.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "public, max-age=120"
    head = Client().head("/.well-known/jwks.json")
    assert head.status_code == 200 and head["ETag"] == etag
    # Another key set, another document and ETag: a cached copy is fetched again.
    settings.DJWTO_KEYS = [entry("ES256")]
    changed = Client().get("/.well-known/jwks.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_hmac_keys_only_answer_404(settings):
    settings.DJWTO_KEYS = [entry("HS256"), entry("HS512")]
    body = assert_error(Client().get("/.well-known/jwks.json"), 404, "not_found")
    assert "HMAC" in body["error"]
    settings.DJWTO_KEYS = None
    assert_error(Client().get("/.well-known/jwks.json"), 404, "not_found")  # the test settings


def test_other_methods_get_a_json_405(settings):
    settings.DJWTO_KEYS = [entry("ES256")]
    response = Client().post("/.well-known/jwks.json")
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_view_may_set_its_own_max_age(settings, rf):
    from djwto.views import JWKSView

    settings.DJWTO_KEYS = [entry("ES256")]
    response = JWKSView.as_view(max_age=5)(rf.get("/jwks"))
    assert response["Cache-Control"] == "public, max-age=5"
