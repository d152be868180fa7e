"""A. Algorithm and header: A1-A7. Only the configured algorithm, only alg/typ/kid, no key from
the token, and nothing joserfc raises on an odd header ever becomes a 500."""

from __future__ import annotations

import functools
import json
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from djwto.backends import decode, encode
from djwto.checks import check_djwto_settings
from tests.security.helpers import (
    access_claims,
    b64u,
    compact_json,
    forge,
    network_events,
    nothing_written,
    refresh_claims,
    segments,
    signing_key,
    watch_side_effects,
)
from tests.support import assert_rejected

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning"),
]


# --- keys -------------------------------------------------------------------------------------


@functools.cache
def rsa_private():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def rsa_attacker():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def ec_private():
    return ec.generate_private_key(ec.SECP256R1())


def pem_private(private) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public(private) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_key_forms(private) -> dict[str, bytes]:
    """The spellings of a public key an attacker would try as an HMAC secret."""
    public = private.public_key()
    pem = pem_public(private).encode()
    forms = {
        "pem": pem,
        "pem_no_newline": pem.rstrip(b"\n"),
        "pem_crlf": pem.replace(b"\n", b"\r\n"),
        "der": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "ssh": public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
    }
    key_class = RSAKey if isinstance(private, rsa.RSAPrivateKey) else ECKey
    jwk = key_class.import_key(pem).as_dict(private=False)
    forms["jwk_json"] = json.dumps(jwk).encode()
    forms["jwk_json_compact"] = compact_json(jwk)
    if isinstance(private, rsa.RSAPrivateKey):
        forms["pkcs1_pem"] = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        )
    return forms


def sign_with(alg: str, key, payload: dict, header: dict | None = None) -> str:
    """A token correctly signed with ``alg`` and ``key`` (any joserfc key), as an attacker can."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EdDSA's deprecation warning
        return jws.serialize_compact(
            header or {"alg": alg, "typ": "JWT"},
            compact_json(payload),
            key,
            registry=JWSRegistry(algorithms=[alg]),
        )


def use_asymmetric(settings, alg: str, private) -> None:
    settings.DJWTO_ALGORITHM = alg
    settings.DJWTO_SIGNING_KEY = pem_private(private)
    settings.DJWTO_VERIFYING_KEY = pem_public(private)


# --- A1 ---------------------------------------------------------------------------------------

NONE_SPELLINGS = ["none", "None", "NONE", "nOnE", "none ", "", None]


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
@pytest.mark.parametrize("signature", ["empty", "kept"])
def test_A1_alg_none(access_carrier, alice, alg, signature):
    good = encode(access_claims(alice))
    header = b64u(compact_json({"alg": alg, "typ": "JWT"}))
    payload = segments(good)[1]
    token = f"{header}.{payload}." + ("" if signature == "empty" else segments(good)[2])
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code="token_invalid")


def test_A1_alg_none_refresh(refresh_carrier, alice):
    payload = b64u(compact_json(refresh_claims(alice)))
    for alg in NONE_SPELLINGS:
        header = b64u(compact_json({"alg": alg}))
        for token in (f"{header}.{payload}.", f"{header}.{payload}"):
            with nothing_written():
                response = refresh_carrier.refresh(token, "update_refresh")
            assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", "", None])
def test_A1_none_can_never_be_configured(settings, alg):
    settings.DJWTO_ALGORITHM = alg
    assert "djwto.E002" in [m.id for m in check_djwto_settings()]
    with pytest.raises(ImproperlyConfigured, match="DJWTO_ALGORITHM"):
        encode({"type": "access", "exp": 2_000_000_000})
    with pytest.raises(ImproperlyConfigured, match="DJWTO_ALGORITHM"):
        decode(forge({"type": "access", "exp": 2_000_000_000}), "access")


# --- A2 ---------------------------------------------------------------------------------------


def _attacker_key(alg: str):
    if alg.startswith(("RS", "PS")):
        return RSAKey.import_key(pem_private(rsa_attacker()))
    if alg == "ES256":
        return ECKey.generate_key("P-256")
    if alg == "EdDSA":
        return OKPKey.import_key(
            ed25519.Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return OctKey.import_key(signing_key())  # HS384/HS512 with *our* secret


@pytest.mark.parametrize("alg", ["HS384", "HS512", "RS256", "PS256", "ES256", "EdDSA"])
def test_A2_algorithm_outside_the_allowlist_hs256(access_carrier, alice, alg):
    token = sign_with(alg, _attacker_key(alg), access_claims(alice))
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code="token_invalid")


def test_A2_same_secret_other_hmac_refresh(refresh_carrier, alice):
    for alg in ("HS384", "HS512"):
        with nothing_written():
            response = refresh_carrier.refresh(
                forge(refresh_claims(alice), alg=alg), "update_refresh"
            )
        assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize("alg", ["PS256", "RS384", "RS512", "PS512"])
def test_A2_server_own_rsa_key_other_algorithm(access_carrier, settings, alice, alg):
    """On an RS256 deployment, even the server's own private key under PS256/RS512 is refused."""
    use_asymmetric(settings, "RS256", rsa_private())
    assert access_carrier.access(encode(access_claims(alice))).status_code == 200
    own = RSAKey.import_key(pem_private(rsa_private()))
    with nothing_written():
        response = access_carrier.access(sign_with(alg, own, access_claims(alice)))
    assert_rejected(response, code="token_invalid")


# --- A3 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["RS256", "ES256"])
@pytest.mark.parametrize("mac_alg", ["HS256", "HS384", "HS512"])
def test_A3_hmac_keyed_with_the_public_key(access_carrier, settings, alice, deployment, mac_alg):
    private = rsa_private() if deployment == "RS256" else ec_private()
    use_asymmetric(settings, deployment, private)
    claims = access_claims(alice)
    assert access_carrier.access(encode(claims)).status_code == 200
    for form, public in public_key_forms(private).items():
        for header_alg in (mac_alg, deployment):  # honest HS header, and one claiming RS/ES
            token = forge(claims, key=public, header={"alg": header_alg, "typ": "JWT"}, alg=mac_alg)
            with nothing_written():
                response = access_carrier.access(token)
            assert response.status_code == 401, (form, header_alg)
            assert_rejected(response, code="token_invalid")


def test_A3_key_confusion_refresh(refresh_carrier, settings, alice):
    use_asymmetric(settings, "RS256", rsa_private())
    for _form, public in public_key_forms(rsa_private()).items():
        with nothing_written():
            response = refresh_carrier.refresh(
                forge(refresh_claims(alice), key=public), "update_refresh"
            )
        assert_rejected(response, code="token_invalid")


# --- A4 ---------------------------------------------------------------------------------------


def _self_signed_cert(private) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker")])
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    import base64

    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _embedded_key_tokens(claims: dict, deployment: str) -> dict[str, str]:
    attacker = rsa_attacker()
    attacker_jwk = RSAKey.import_key(pem_private(attacker))
    public_jwk = attacker_jwk.as_dict(private=False)
    urls = {"jku": "https://attacker.example/jwks.json", "x5u": "https://attacker.example/c.pem"}
    tokens = {}
    if deployment == "RS256":
        for name, extra in (
            ("jwk", {"jwk": public_jwk}),
            ("jku", {"jku": urls["jku"]}),
            ("x5u", {"x5u": urls["x5u"]}),
            ("x5c", {"x5c": [_self_signed_cert(attacker)]}),
        ):
            tokens[name] = sign_with(
                "RS256", attacker_jwk, claims, {"alg": "RS256", "typ": "JWT", **extra}
            )
    else:
        secret = b"attacker-secret-attacker-secret-0123456789"
        oct_jwk = {"kty": "oct", "k": b64u(secret)}
        for name, extra in (
            ("jwk", {"jwk": oct_jwk}),
            ("jku", {"jku": urls["jku"]}),
            ("x5u", {"x5u": urls["x5u"]}),
        ):
            tokens[name] = forge(claims, header={"alg": "HS256", "typ": "JWT", **extra}, key=secret)
    # The same headers on a token *correctly* signed by the server's key: still refused.
    for name, extra in (
        ("jwk_own_signature", {"jwk": public_jwk}),
        ("jku_own_signature", {"jku": urls["jku"]}),
    ):
        if deployment == "RS256":
            own = RSAKey.import_key(pem_private(rsa_private()))
            tokens[name] = sign_with("RS256", own, claims, {"alg": "RS256", **extra})
        else:
            tokens[name] = forge(claims, header={"alg": "HS256", **extra})
    return tokens


@pytest.mark.parametrize("deployment", ["HS256", "RS256"])
def test_A4_keys_offered_by_the_token(access_carrier, settings, alice, deployment):
    if deployment == "RS256":
        use_asymmetric(settings, "RS256", rsa_private())
    claims = access_claims(alice)
    for name, token in _embedded_key_tokens(claims, deployment).items():
        with watch_side_effects() as events, nothing_written():
            response = access_carrier.access(token)
        assert response.status_code == 401, name
        assert_rejected(response, code="token_invalid")
        assert network_events(events) == [], f"{name}: outbound connection {events}"


def test_A4_keys_offered_by_a_refresh_token(refresh_carrier, alice):
    for name, token in _embedded_key_tokens(refresh_claims(alice), "HS256").items():
        with watch_side_effects() as events, nothing_written():
            response = refresh_carrier.refresh(token, "update_refresh")
        assert_rejected(response, code="token_invalid")
        assert network_events(events) == [], name


# --- A5 ---------------------------------------------------------------------------------------

KIDS = [
    "../../../../../../dev/null",
    "/dev/null",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "file:///dev/null",
    "' OR '1'='1",
    "1' UNION SELECT 'secret' --",
    "x'; DROP TABLE djwto_deniedtoken; --",
    "$(touch /tmp/djwto-pwned)",
    "`id`",
    "|id",
    "; cat /etc/passwd",
    "",
    "\u0000",
    "%00",
    "a" * 256,
]


@pytest.mark.parametrize("kid", KIDS, ids=range(len(KIDS)))
def test_A5_kid_injection(access_carrier, alice, kid):
    claims = access_claims(alice)
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    # What a traversal to /dev/null or an injected SELECT would make the key: refused.
    for key in ("", "\n", "secret", "0"):
        with watch_side_effects() as events, nothing_written() as queries:
            response = access_carrier.access(forge(claims, header=header, key=key))
        assert_rejected(response, code="token_invalid")
        _assert_kid_went_nowhere(kid, events, queries)
    # Correctly signed with the server's key: a kid that names no configured key is refused
    # without trying the key (djwto.keys), and still goes nowhere.
    with watch_side_effects() as events, CaptureQueriesContext(connection) as queries:
        response = access_carrier.access(forge(claims, header=header))
    assert_rejected(response, code="token_invalid")
    _assert_kid_went_nowhere(kid, events, queries)


def _assert_kid_went_nowhere(kid: str, events: list, queries) -> None:
    assert network_events(events) == []
    for event, args in events:
        if event == "open" and isinstance(args[0], (str, bytes)):
            path = args[0] if isinstance(args[0], str) else args[0].decode("latin-1")
            assert "passwd" not in path and "/dev/null" not in path and "win.ini" not in path
            assert not kid or kid not in path
        else:
            raise AssertionError(f"process or shell from a kid: {event} {args}")
    if len(kid) > 3:
        for query in queries.captured_queries:
            assert kid not in (query["sql"] or "")


def test_A5_kid_too_long_or_not_a_string(access_carrier, alice):
    claims = access_claims(alice)
    for kid in ("a" * 257, 1, None, ["k"], {"k": 1}, True):
        with nothing_written():
            response = access_carrier.access(forge(claims, header={"alg": "HS256", "kid": kid}))
        assert_rejected(response, code="token_invalid")


# --- A6 ---------------------------------------------------------------------------------------

BAD_HEADERS = {
    "unknown_param": {"alg": "HS256", "typ": "JWT", "foo": "bar"},
    "crit_exp": {"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": 1},
    "crit_empty": {"alg": "HS256", "crit": []},
    "b64_false": {"alg": "HS256", "b64": False, "crit": ["b64"]},
    "b64_false_no_crit": {"alg": "HS256", "b64": False},
    "cty": {"alg": "HS256", "typ": "JWT", "cty": "JWT"},
    "zip": {"alg": "HS256", "zip": "DEF"},
    "enc": {"alg": "HS256", "enc": "A128GCM"},
    "x5t": {"alg": "HS256", "x5t": "AAAA"},
    "alg_list": {"alg": ["HS256"]},
    "alg_object": {"alg": {"name": "HS256"}},
    "alg_lower": {"alg": "hs256"},
    "alg_missing": {"typ": "JWT"},
    "alg_with_space": {"alg": "HS256 "},
    "typ_int": {"alg": "HS256", "typ": 1},
    "typ_null": {"alg": "HS256", "typ": None},
    "typ_jws": {"alg": "HS256", "typ": "JWS"},
    "typ_jwe": {"alg": "HS256", "typ": "JWE"},
    "typ_list": {"alg": "HS256", "typ": ["JWT"]},
    "ALG_upper_key": {"ALG": "HS256"},
    "empty": {},
}
RAW_BAD_HEADERS = {
    "duplicate_alg": b'{"alg":"none","alg":"HS256"}',
    "duplicate_alg_reversed": b'{"alg":"HS256","alg":"HS512"}',
    "duplicate_typ": b'{"alg":"HS256","typ":"JWT","typ":"JWE"}',
    "nan_member": b'{"alg":"HS256","kid":NaN}',
    "trailing_garbage": b'{"alg":"HS256"} x',
    "two_objects": b'{"alg":"HS256"}{"alg":"HS256"}',
    "bom": b'\xef\xbb\xbf{"alg":"HS256"}',
}


@pytest.mark.parametrize("name", [*BAD_HEADERS, *RAW_BAD_HEADERS])
def test_A6_header_hygiene(access_carrier, alice, name):
    claims = access_claims(alice)
    if name in BAD_HEADERS:
        token = forge(claims, header=BAD_HEADERS[name])  # correctly MAC'd with the server's key
    else:
        token = forge(claims, raw_header=RAW_BAD_HEADERS[name])
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code="token_invalid")


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256"},
        {"alg": "HS256", "typ": "jwt"},
        {"alg": "HS256", "typ": "JWT", "kid": "<the key's>"},
    ],
)
def test_A6_minimal_headers_still_accepted(access_carrier, alice, header):
    from djwto.keys import get_key_set

    if "kid" in header:  # the configured key's kid (djwto.keys); any other is refused (A5)
        header = {**header, "kid": get_key_set().signer.kid}
    assert access_carrier.access(forge(access_claims(alice), header=header)).status_code == 200


def test_A6_header_hygiene_refresh(refresh_carrier, alice):
    claims = refresh_claims(alice)
    for name, header in BAD_HEADERS.items():
        with nothing_written():
            response = refresh_carrier.refresh(forge(claims, header=header), "update_refresh")
        assert response.status_code == 401, name
        assert_rejected(response)


# --- A7 ---------------------------------------------------------------------------------------

NON_OBJECT_HEADERS = [
    b'"alg"',
    b'["alg"]',
    b'["HS256"]',
    b"1",
    b"null",
    b"true",
    b"[]",
    b'""',
    b"1e400",
    b'{"alg":"HS256","crit":"b64"}',
    b'{"alg":"HS256","crit":1}',
    b'{"alg":"HS256","crit":{"b64":1}}',
    b'{"alg":"HS256","crit":[1]}',
    b'{"alg":"HS256","crit":null}',
]


def test_A7_joserfc_itself_raises_type_error_on_these():
    """Why the front door exists: joserfc answers some of these with a bare TypeError."""
    key = OctKey.import_key(b"k" * 40)
    errors = set()
    for raw in NON_OBJECT_HEADERS:
        token = forge({"a": 1}, raw_header=raw, key=b"k" * 40)
        try:
            jws.deserialize_compact(token, key, registry=JWSRegistry(algorithms=["HS256"]))
        except JoseError:
            continue
        except Exception as exc:
            errors.add(type(exc))
    assert TypeError in errors


@pytest.mark.parametrize("raw", NON_OBJECT_HEADERS, ids=[h.decode() for h in NON_OBJECT_HEADERS])
def test_A7_json_but_not_an_object_header(access_carrier, alice, raw):
    token = forge(access_claims(alice), raw_header=raw)  # correctly MAC'd
    with nothing_written():
        response = access_carrier.access(token)
    assert_rejected(response, code="token_invalid")


def test_A7_non_object_header_refresh_and_decode(refresh_carrier, alice):
    claims = refresh_claims(alice)
    for raw in NON_OBJECT_HEADERS:
        token = forge(claims, raw_header=raw)
        with nothing_written():
            response = refresh_carrier.refresh(token, "logout")
        assert_rejected(response, code="token_invalid")
