"""F. Forgery and signature: F1-F4, over every transport that carries a token."""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from djwto.backends import decode, encode
from djwto.checks import check_djwto_settings
from tests.security.helpers import (
    access_claims,
    b64u,
    compact_json,
    forge,
    nothing_written,
    refresh_claims,
    segments,
    unb64u,
)
from tests.support import assert_rejected

pytestmark = pytest.mark.django_db


def _with_payload(token: str, payload: dict) -> str:
    header, _, signature = segments(token)
    return f"{header}.{b64u(compact_json(payload))}.{signature}"


# --- F1 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        "user_id",
        "perms",
        "username",
        "type_refresh",
        "exp_extended",
        "sub",
        "added_claim",
    ],
)
def test_F1_access_payload_changed_signature_kept(access_carrier, alice, bob, change):
    claims = access_claims(alice)
    token = encode(claims)
    assert access_carrier.access(token).status_code == 200  # the original is good
    forged = dict(claims, user=dict(claims["user"]))
    if change == "user_id":
        forged["user"]["id"] = bob.pk
    elif change == "perms":
        forged["user"]["perms"] = ["testapp.perm1", "testapp.perm2", "auth.delete_user"]
    elif change == "username":
        forged["user"]["username"] = "bob"
    elif change == "type_refresh":
        forged["type"] = "refresh"
    elif change == "exp_extended":
        forged["exp"] += 3600
    elif change == "sub":
        forged["sub"] = str(bob.pk)
    else:
        forged["is_admin"] = True
    with nothing_written():
        response = access_carrier.access(_with_payload(token, forged), path="/perm/")
    assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("change", ["user_id", "type_access", "sid", "jti"])
def test_F1_refresh_payload_changed_signature_kept(refresh_carrier, alice, bob, change):
    claims = refresh_claims(alice)
    token = encode(claims)
    forged = dict(claims, user=dict(claims["user"]))
    if change == "user_id":
        forged["user"]["id"] = bob.pk
        forged["sub"] = str(bob.pk)
    elif change == "type_access":
        forged["type"] = "access"
    elif change == "sid":
        forged["sid"] = "0" * 32
    else:
        forged["jti"] = "replayed-jti"
    for endpoint in ("refresh_access", "update_refresh", "logout"):
        with nothing_written():
            response = refresh_carrier.refresh(_with_payload(token, forged), endpoint)
        assert_rejected(response, code="token_invalid")
    assert refresh_carrier.refresh(token).status_code == 200  # the original is still good


# --- F2 ---------------------------------------------------------------------------------------


def _token_with_urlsafe_chars(user, make=access_claims) -> str:
    """A valid token whose signature holds '-' or '_' (so '+' / '/' variants differ)."""
    for _ in range(200):
        token = encode(make(user))
        if set(segments(token)[2]) & {"-", "_"}:
            return token
    raise AssertionError("no signature with '-' or '_' in 200 tries")


def _same_bytes_variants(segment: str) -> list[str]:
    """Other spellings of ``segment`` whose last character differs only in unused bits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare_bits = {2: 4, 3: 2}.get(len(segment) % 4, 0)
    last = alphabet.index(segment[-1])
    variants = [segment[:-1] + alphabet[last ^ low] for low in range(1, 2**spare_bits)]
    for variant in variants:
        assert unb64u(variant) == unb64u(segment)  # really the same bytes
    return variants


def _signature_variants(token: str) -> dict[str, str]:
    header, payload, sig = segments(token)
    body = f"{header}.{payload}"
    raw_sig = unb64u(sig)
    variants = {
        "stripped": f"{body}.",
        "two_segments": body,
        "truncated_1": f"{body}.{sig[:-1]}",
        "truncated_4": f"{body}.{sig[:-4]}",
        "truncated_half": f"{body}.{sig[: len(sig) // 2]}",
        "padded_1": f"{body}.{sig}=",
        "padded_2": f"{body}.{sig}==",
        "standard_b64": f"{body}.{base64.b64encode(raw_sig).decode().rstrip('=')}",
        "standard_b64_padded": f"{body}.{base64.b64encode(raw_sig).decode()}",
        "plus_slash": f"{body}.{sig.replace('-', '+').replace('_', '/')}",
        "zero_signature": f"{body}.{b64u(bytes(len(raw_sig)))}",
        "other_token_signature": f"{body}.{segments(encode({'type': 'access', 'exp': 1}))[2]}",
        "extended": f"{body}.{sig}AAAA",
        "whitespace": f"{body}.{sig} ",
    }
    for i, variant in enumerate(_same_bytes_variants(sig)):
        variants[f"noncanonical_last_char_{i}"] = f"{body}.{variant}"
    for i, variant in enumerate(_same_bytes_variants(payload)):
        variants[f"noncanonical_payload_{i}"] = f"{header}.{variant}.{sig}"
    return variants


def test_F2_signature_stripped_truncated_padded_noncanonical(access_carrier, alice):
    token = _token_with_urlsafe_chars(alice)
    assert access_carrier.access(token).status_code == 200
    variants = _signature_variants(token)
    assert any(name.startswith("noncanonical_last_char") for name in variants)
    for name, forged in variants.items():
        assert forged != token
        if access_carrier.uses_cookies and forged.endswith(" "):
            continue  # a cookie value is stripped by every parser: that is the same token
        with nothing_written():
            response = access_carrier.access(forged)
        assert response.status_code == 401, name
        assert_rejected(response)


def test_F2_refresh_signature_variants(refresh_carrier, alice):
    token = _token_with_urlsafe_chars(alice, refresh_claims)
    for name, forged in _signature_variants(token).items():
        assert forged != token
        if refresh_carrier.uses_cookies and forged.endswith(" "):
            continue  # a cookie value is stripped by every parser: that is the same token
        with nothing_written():
            response = refresh_carrier.refresh(forged, "update_refresh")
        assert response.status_code == 401, name
        assert_rejected(response)


# --- F3 ---------------------------------------------------------------------------------------

WEAK_SECRETS = [
    "",
    "secret",
    "password",
    "changeme",
    "your-256-bit-secret",
    "djwto",
    "jwt",
    "key",
    "123456",
    "null",
    "undefined",
    "HS256",
    "\x00",
]


@pytest.mark.parametrize("weak", WEAK_SECRETS)
def test_F3_tokens_maced_with_blank_or_weak_secret(access_carrier, alice, weak):
    with nothing_written():
        response = access_carrier.access(forge(access_claims(alice), key=weak))
    assert_rejected(response, code="token_invalid")


def test_F3_weak_secret_refresh_tokens(refresh_carrier, alice):
    for weak in WEAK_SECRETS:
        with nothing_written():
            response = refresh_carrier.refresh(
                forge(refresh_claims(alice), key=weak), "update_refresh"
            )
        assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("empty", ["", None, b""])
def test_F3_empty_key_refuses_to_start_and_to_run(settings, alice, empty):
    settings.DJWTO_SIGNING_KEY = empty
    ids = [m.id for m in check_djwto_settings()]
    assert "djwto.E001" in ids
    with pytest.raises(ImproperlyConfigured, match="DJWTO_SIGNING_KEY"):
        encode({"type": "access", "exp": 2_000_000_000})
    blank_token = forge({"type": "access", "exp": 2_000_000_000}, key="")
    with pytest.raises(ImproperlyConfigured):
        decode(blank_token, "access")


@pytest.mark.parametrize("alg,length", [("HS256", 31), ("HS384", 47), ("HS512", 63)])
def test_F3_short_hmac_key_is_an_error(settings, alg, length):
    """RFC 7518 §3.2: an HMAC key shorter than the hash output must not be used."""
    settings.DJWTO_ALGORITHM = alg
    settings.DJWTO_SIGNING_KEY = "k" * length
    errors = [m for m in check_djwto_settings() if m.id == "djwto.E010"]
    assert errors and errors[0].is_serious()
    settings.DJWTO_SIGNING_KEY = "k" * (length + 1)
    assert "djwto.E010" not in [m.id for m in check_djwto_settings()]


# --- F4 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    ["django_secret_key", "other_environment", "key_plus_char", "key_truncated", "key_upper"],
)
def test_F4_token_signed_with_another_key(access_carrier, alice, other):
    own = django_settings.DJWTO_SIGNING_KEY
    key = {
        "django_secret_key": django_settings.SECRET_KEY,
        "other_environment": secrets.token_urlsafe(64),
        "key_plus_char": own + "x",
        "key_truncated": own[:-1],
        "key_upper": own.upper(),
    }[other]
    with nothing_written():
        response = access_carrier.access(forge(access_claims(alice), key=key))
    assert_rejected(response, code="token_invalid")


def test_F4_refresh_signed_with_another_key(refresh_carrier, alice):
    for key in (django_settings.SECRET_KEY, secrets.token_urlsafe(64)):
        with nothing_written():
            response = refresh_carrier.refresh(
                forge(refresh_claims(alice), key=key), "update_refresh"
            )
        assert_rejected(response, code="token_invalid")


def _es256(settings):
    private = ec.generate_private_key(ec.SECP256R1())
    settings.DJWTO_ALGORITHM = "ES256"
    settings.DJWTO_SIGNING_KEY = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private


P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@pytest.mark.parametrize("signature", ["zero", "order", "r_zero", "der", "one_one"])
def test_F4_es256_signature_r_s_zero_and_friends(access_carrier, settings, alice, signature):
    _es256(settings)
    good = encode(access_claims(alice))
    assert access_carrier.access(good).status_code == 200
    header, payload, sig = segments(good)
    raw = unb64u(sig)
    n = P256_ORDER.to_bytes(32, "big")
    forged_sig = {
        "zero": bytes(64),  # r = s = 0 ("psychic signature")
        "order": n + n,  # r = s = n, which is 0 mod n
        "r_zero": bytes(32) + raw[32:],
        "one_one": (1).to_bytes(32, "big") * 2,
        "der": _der(raw),  # a valid signature, wrong encoding
    }[signature]
    with nothing_written():
        response = access_carrier.access(f"{header}.{payload}.{b64u(forged_sig)}")
    assert_rejected(response, code="token_invalid")


def _der(raw: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
