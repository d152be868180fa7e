"""The only module that talks to joserfc: keys, signing, verification and claim checks.

Decoding is a front door before joserfc and strict claim checks after it:

1. the raw value must be a ``str`` of at most ``DJWTO_MAX_TOKEN_BYTES`` in the compact JWS
   shape (three canonical base64url segments), so oversized or odd input never reaches the
   JOSE layer;
2. the header must be a JSON object holding only ``alg``, ``typ`` and ``kid``; the ``kid``
   names one of the configured keys (:mod:`djwto.keys`), whose algorithm must be the ``alg``
   (a token without ``kid`` only while its ``alg`` has a single key; ``none`` can never be
   configured);
3. joserfc verifies the signature with that key and a one-algorithm registry;
4. the payload must be a JSON object without duplicate keys, NaN or Infinity, and the
   registered claims must have the right types (times are integers, never booleans);
5. the time claims and the expected ``type`` are checked on every call.

Steps 1-4 depend only on the token string and the settings, so their result is kept in a
bounded cache keyed by the exact token (cleared on any djwto setting change); step 5 always
runs. Every failure raises a :class:`~djwto.exceptions.InvalidToken`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _
from joserfc import jws
from joserfc.errors import JoseError

from .conf import derived, djwto_settings, get_leeway, validated_settings
from .exceptions import ExpiredToken, InvalidToken, TokenNotYetValid, TokenTooLarge, WrongTokenType
from .keys import Key, KeySet, get_key_set

ALLOWED_HEADERS = frozenset({"alg", "typ", "kid"})
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", re.ASCII)


# --- keys ---------------------------------------------------------------------------------------

#: The key set (``djwto.keys``); the old name is kept for code that memoised on it.
get_signing_material = get_key_set


# --- encoding -------------------------------------------------------------------------------


def encode(claims: dict[str, Any]) -> str:
    """Sign ``claims`` (not mutated) as a compact JWS."""
    signer = get_key_set().signer
    if signer is None:
        raise ImproperlyConfigured(
            "No signing key: DJWTO_SIGNING_KEY is not set (or the first of DJWTO_KEYS is a "
            "public key), so this server can verify tokens but not issue them."
        )
    payload = json.dumps(claims, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
    header = {"alg": signer.algorithm, "typ": "JWT", "kid": signer.kid}
    token = jws.serialize_compact(header, payload, signer.private, registry=signer.registry)
    max_bytes: int = validated_settings.MAX_TOKEN_BYTES
    if len(token) > max_bytes:
        # decode() would refuse it: never hand out a token that cannot be used.
        raise TokenTooLarge(
            _(
                "The token would be %(size)d bytes, over DJWTO_MAX_TOKEN_BYTES "
                "(%(limit)d): it holds too many claims (often permissions). "
                "Trim get_payload() or raise DJWTO_MAX_TOKEN_BYTES."
            )
            % {"size": len(token), "limit": max_bytes}
        )
    return token


# --- decoding -------------------------------------------------------------------------------


def _b64decode(segment: str) -> bytes:
    """Strict base64url: the segment must be the canonical encoding of what it decodes to."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken() from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != segment:
        raise InvalidToken()
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate member")
    return obj


def _loads_object(raw: bytes) -> dict[str, Any]:
    """Parse a JSON object strictly; anything else (or any parser error) is an invalid token."""
    try:
        value = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_object,
        )
    except (ValueError, UnicodeError, RecursionError, TypeError):
        raise InvalidToken() from None
    if not isinstance(value, dict) or _too_deep(value):
        raise InvalidToken()
    return value


#: Deepest nesting of objects and lists accepted in a header or payload. Claims are shallow;
#: the limit keeps every later recursive step (copies, encoders) far from Python's own, which
#: the parser does not enforce alike on every version (3.13 parses 8,192 levels).
MAX_JSON_DEPTH = 32


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        children = item.values() if type(item) is dict else item
        stack.extend(
            (child, depth + 1) for child in children if type(child) is dict or type(child) is list
        )
    return False


#: Latest accepted time claim (3000-01-01): every later step (datetimes, floats) can hold it.
MAX_TIMESTAMP = 32503680000


def _is_int(value: Any) -> bool:
    """A time claim: an integer (never a bool) between the epoch and :data:`MAX_TIMESTAMP`."""
    return type(value) is int and 0 <= value <= MAX_TIMESTAMP


def _find_key(segment: str, keys: KeySet) -> Key:
    """The configured key the header names; anything else in the header is an invalid token."""
    header = _loads_object(_b64decode(segment))
    if not header.keys() <= ALLOWED_HEADERS:
        raise InvalidToken()
    algorithm = header.get("alg")
    typ = header.get("typ", "JWT")
    kid = header.get("kid")
    if (
        type(algorithm) is not str
        or not isinstance(typ, str)
        or typ.upper() != "JWT"
        or not (kid is None or (type(kid) is str and len(kid) <= 256))
    ):
        raise InvalidToken()
    # Only a configured key, picked by kid (a dict read): never one the token offers or
    # one chosen by its alg alone; an unknown kid tries nothing else.
    key = keys.find(algorithm, kid)
    if key is None:
        raise InvalidToken()
    return key


def _check_static_claims(claims: dict[str, Any]) -> None:
    """Checks that depend only on the token and the settings (cacheable)."""
    if not _is_int(claims.get("exp")):
        raise InvalidToken()
    for name in ("nbf", "iat", "auth_time"):
        if name in claims and not _is_int(claims[name]):
            raise InvalidToken()
    if not isinstance(claims.get("type"), str):
        raise InvalidToken()
    for name in ("sub", "jti", "sid"):
        value = claims.get(name, "")
        if not isinstance(value, str) or len(value) > 255 or "\x00" in value:
            raise InvalidToken()
    if "jti" in claims and not claims["jti"]:
        raise InvalidToken()
    user = claims.get("user", {})
    if not isinstance(user, dict):
        raise InvalidToken()
    # The user id becomes a database lookup and a denylist key: an int or a string without
    # NUL (which PostgreSQL refuses in text, turning a lookup into a DataError).
    user_id = user.get("id")
    if user_id is not None and not (
        (type(user_id) is int) or (isinstance(user_id, str) and "\x00" not in user_id)
    ):
        raise InvalidToken()
    perms = user.get("perms", [])
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        raise InvalidToken()
    # Read as tokens.py issues them (unvalidated), so both sides always agree.
    issuer = djwto_settings.ISS_CLAIM
    if issuer is not None and claims.get("iss") != issuer:
        raise InvalidToken()
    _check_audience(claims)


def _check_audience(claims: dict[str, Any]) -> None:
    expected = djwto_settings.AUD_CLAIM
    if expected is None:
        # RFC 7519 §4.1.3: a token addressed to an audience we don't claim is rejected.
        if "aud" in claims:
            raise InvalidToken()
        return
    expected_set = {expected} if isinstance(expected, str) else set(expected)
    aud = claims.get("aud")
    if isinstance(aud, str):
        aud = [aud]
    if not isinstance(aud, list) or not all(isinstance(a, str) for a in aud):
        raise InvalidToken()
    if not expected_set.intersection(aud):
        raise InvalidToken()


def check_time_claims(claims: dict[str, Any], now: float | None = None) -> None:
    """``now < exp``; ``nbf`` and ``iat`` not in the future, each within the leeway."""
    if now is None:
        now = time.time()
    leeway = get_leeway()
    if now >= claims["exp"] + leeway:
        raise ExpiredToken()
    if "nbf" in claims and claims["nbf"] > now + leeway:
        raise TokenNotYetValid()
    if "iat" in claims and claims["iat"] > now + leeway:
        raise TokenNotYetValid(_("Token was issued in the future."))


def _verify(token: str) -> dict[str, Any]:
    header_segment, payload_segment, signature_segment = token.split(".")
    key = _find_key(header_segment, get_key_set())
    _b64decode(signature_segment)
    try:
        jws.deserialize_compact(token, key.public, registry=key.registry)
    except (JoseError, ValueError, TypeError, UnicodeError, RecursionError, KeyError):
        raise InvalidToken() from None
    claims = _loads_object(_b64decode(payload_segment))
    _check_static_claims(claims)
    return claims


def decode(token: Any, token_type: str) -> dict[str, Any]:
    """Verify ``token`` and return its claims; raise ``InvalidToken`` (or a subclass) otherwise.

    The returned dict is a copy: changing it never affects later requests.
    """
    if not isinstance(token, str) or len(token) > validated_settings.MAX_TOKEN_BYTES:
        raise InvalidToken()
    if not _COMPACT_JWS.fullmatch(token):
        raise InvalidToken()
    cache = get_token_cache()
    claims = cache.get(token)
    if claims is None:
        claims = _verify(token)
        cache.put(token, claims)
    check_time_claims(claims)
    if claims["type"] != token_type:
        raise WrongTokenType(_("Expected a token of type %(type)s.") % {"type": repr(token_type)})
    # A deep copy of what is mutable (user, perms, aud, any custom dict or list): the cached
    # claims are shared by every request with this token. ~1 µs for the usual claims.
    result = dict(claims)
    for name, value in result.items():
        if type(value) is dict or type(value) is list:
            result[name] = _copy_json(value)
    return result


def _copy_json(value: Any) -> Any:
    if type(value) is dict:
        return {k: _copy_json(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy_json(v) for v in value]
    return value


# --- the verified-token cache ----------------------------------------------------------------


class VerifiedTokenCache:
    """A bounded map from a token string to its verified claims (signature, header, types).

    It never decides validity over time: expiry, not-before and revocation are checked on every
    request by the caller. It is dropped whenever a djwto setting (and so a key) changes.

    Eviction keeps the tokens in use (CLOCK, an approximation of least-recently-used): a hit
    marks its entry as used, without a lock (one dict read and one list store, each atomic);
    when the cache is full, an insertion drops the oldest entry not used since it last came
    round, giving the used ones a second chance at the back. A stream of one-off tokens only
    ever evicts other one-off tokens.
    """

    def __init__(self, max_size: int):
        self.max_size = max_size
        # token -> [claims, used since it was last considered for eviction]
        self._data: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> dict[str, Any] | None:
        entry = self._data.get(token)
        if entry is None:
            return None
        entry[1] = True
        claims: dict[str, Any] = entry[0]
        return claims

    def put(self, token: str, claims: dict[str, Any]) -> None:
        if self.max_size <= 0:
            return
        with self._lock:
            data = self._data
            if token in data:
                return
            # Bounded even if readers keep marking entries: after two rounds, evict anyway.
            chances = 2 * len(data)
            while len(data) >= self.max_size:
                oldest = next(iter(data))
                entry = data.pop(oldest)
                if entry[1] and chances > 0:
                    chances -= 1
                    entry[1] = False
                    data[oldest] = entry  # a second chance, at the back
            data[token] = [claims, False]

    def clear(self) -> None:
        with self._lock:
            self._data = {}

    def __contains__(self, token: str) -> bool:
        return token in self._data

    def __len__(self) -> int:
        return len(self._data)


@derived
def get_token_cache() -> VerifiedTokenCache:
    size: int = validated_settings.TOKEN_CACHE_SIZE
    return VerifiedTokenCache(size)
