"""Settings to joserfc keys: the key set with its ``kid``s, the signer and the JWKS document.

``DJWTO_KEYS`` lists the keys; the first one signs, every one verifies. Without it,
``DJWTO_SIGNING_KEY`` / ``DJWTO_VERIFYING_KEY`` / ``DJWTO_ALGORITHM`` make a one-key set, so a
project moves to several keys without changing anything else.

Each key is bound to its own algorithm and named by a ``kid``: the RFC 7638 thumbprint of its
public key, or for an HMAC secret a digest of it that does not reveal it. A token is verified
only with the configured key its ``kid`` names (never one chosen by its ``alg`` alone, never
one the token offers); a token without ``kid`` only while its algorithm has exactly one key.
Signing and verifying happen in :mod:`djwto.backends`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from .conf import (
    HMAC_ALGORITHMS,
    derived,
    get_algorithm,
    get_raw_signing_key,
    get_signing_key,
    validated_settings,
)

KEY_TYPES: dict[str, type[OctKey] | type[RSAKey] | type[ECKey] | type[OKPKey]] = {
    "HS": OctKey,
    "RS": RSAKey,
    "PS": RSAKey,
    "ES": ECKey,
    "Ed": OKPKey,
}


class KeyConfigError(ImproperlyConfigured):
    """A key setting djwto cannot use; ``check_id`` is the system check that reports it."""

    def __init__(self, msg: str, check_id: str = "E005") -> None:
        super().__init__(msg)
        self.check_id = check_id


@dataclass(frozen=True)
class Key:
    """One configured key: its ``kid``, its one algorithm, and the joserfc key objects.

    ``private`` signs (``None`` for a public key); ``public`` verifies (for an HMAC key or a
    private key, the same object). ``source`` names the setting, ``path`` the file if any.
    """

    kid: str
    algorithm: str
    registry: JWSRegistry
    private: Any
    public: Any
    source: str
    path: Path | None = None

    @property
    def is_symmetric(self) -> bool:
        return self.algorithm in HMAC_ALGORITHMS

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK (RFC 7517), with ``kid``, ``alg`` and ``use``; never for HMAC."""
        if self.is_symmetric:
            raise ValueError("an HMAC key has no public part")
        jwk: dict[str, Any] = dict(self.public.as_dict(private=False))
        jwk.update(kid=self.kid, alg=self.algorithm, use="sig")
        return jwk


@dataclass(frozen=True)
class KeySet:
    """The configured keys, looked up by ``kid`` (one dict read per token)."""

    keys: tuple[Key, ...]
    by_kid: dict[str, Key] = field(repr=False)
    #: algorithm -> its key, for the algorithms that have exactly one (kid-less tokens).
    sole_by_algorithm: dict[str, Key] = field(repr=False)
    algorithms: frozenset[str] = field(repr=False)

    @property
    def signer(self) -> Key | None:
        first = self.keys[0]
        return first if first.private is not None else None

    def find(self, algorithm: str, kid: str | None) -> Key | None:
        """The key for a token's header, or ``None``: it must be configured for that alg."""
        key = self.by_kid.get(kid) if kid is not None else self.sole_by_algorithm.get(algorithm)
        if key is None or key.algorithm != algorithm:
            return None
        return key

    def jwks(self) -> dict[str, Any] | None:
        """The JWKS document of the asymmetric keys, or ``None`` when there are only HMAC keys."""
        public = [key.public_jwk() for key in self.keys if not key.is_symmetric]
        return {"keys": public} if public else None


def compute_kid(key: Any, algorithm: str) -> str:
    """RFC 7638 thumbprint of the public key; for HMAC a digest that does not reveal the secret."""
    if algorithm in HMAC_ALGORITHMS:
        secret = key.get_op_key("sign")
        digest = hashlib.sha256(b"djwto kid\x00" + secret).digest()[:16]
        return "hs-" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    thumbprint: str = key.thumbprint()
    return thumbprint


def import_key(value: Any, algorithm: str, source: str) -> Any:
    """A joserfc key from PEM/secret bytes or a JWK dict; ``KeyConfigError`` naming ``source``."""
    key_class = KEY_TYPES[algorithm[:2]]
    if isinstance(value, str):
        value = value.encode()
    try:
        return key_class.import_key(value)
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyConfigError(
            f"{source} could not be imported as a {key_class.__name__} for {algorithm}: {exc}"
        ) from None


def read_key_file(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyConfigError(
            f"{source}: the key file {str(path)!r} cannot be read: {exc.strerror}.", "E032"
        ) from None


def _check_key(
    algorithm: str, registry: JWSRegistry, private: Any, public: Any, sources: tuple[str, str]
) -> None:
    """Fail here, naming the setting, when a key imports but can't serve its algorithm.

    An ES256 key on another curve, an X25519 key for EdDSA, a public key where a private one
    is needed or a public key of another pair would otherwise pass ``manage.py check`` and then
    make every login a 500 (joserfc's error) or every token a 401.
    """
    if algorithm in HMAC_ALGORITHMS:
        return  # any secret MACs; its strength is a system check's business
    alg = registry.get_alg(algorithm)
    for key, source in ((private, sources[0]), (public, sources[1])):
        try:
            if key is not None:
                alg.check_key(key)
        except JoseError as exc:
            raise KeyConfigError(f"{source} cannot be used with {algorithm}: {exc}") from None
    if private is None:
        return
    try:
        probe = jws.serialize_compact({"alg": algorithm}, b"djwto", private, registry=registry)
    except (JoseError, ValueError, TypeError) as exc:
        raise KeyConfigError(
            f"{sources[0]} cannot sign with {algorithm} (is it the private key?): {exc}"
        ) from None
    try:
        jws.deserialize_compact(probe, public, registry=registry)
    except (JoseError, ValueError, TypeError):
        raise KeyConfigError(
            f"{sources[1]} does not verify what {sources[0]} signs: they are not the two halves "
            "of one key pair."
        ) from None


def _make_key(
    algorithm: str,
    private: Any,
    public: Any,
    source: str,
    sources: tuple[str, str],
    path: Path | None = None,
) -> Key:
    registry = JWSRegistry(algorithms=[algorithm])
    _check_key(algorithm, registry, private, public, sources)
    return Key(compute_kid(public, algorithm), algorithm, registry, private, public, source, path)


def _entry_key(index: int, entry: dict[str, Any]) -> Key:
    algorithm: str = entry["algorithm"]
    source = f"DJWTO_KEYS[{index}]"
    path: Path | None = None
    value = entry.get("key")
    if "file" in entry or isinstance(value, os.PathLike):
        path = Path(entry.get("file") or value)  # type: ignore[arg-type]
        value = read_key_file(path, source)
        if algorithm in HMAC_ALGORITHMS:
            value = value.strip()  # an editor's final newline is not part of the secret
    key = import_key(value, algorithm, source)
    private = key if key.is_private else None
    return _make_key(algorithm, private, key, source, (source, source), path)


def legacy_key() -> Key:
    """``DJWTO_SIGNING_KEY`` / ``DJWTO_VERIFYING_KEY`` / ``DJWTO_ALGORITHM`` as one key."""
    algorithm = get_algorithm()
    names = ("DJWTO_SIGNING_KEY", "DJWTO_VERIFYING_KEY")
    if algorithm in HMAC_ALGORITHMS:
        key = import_key(get_signing_key(), algorithm, names[0])
        return _make_key(algorithm, key, key, names[0], names)
    signing_value = get_raw_signing_key()
    private = import_key(signing_value, algorithm, names[0]) if signing_value else None
    verifying_value = validated_settings.VERIFYING_KEY
    if verifying_value:
        public = import_key(verifying_value, algorithm, names[1])
    elif private is not None:
        public = private
    else:
        raise KeyConfigError(
            f"{algorithm} needs DJWTO_SIGNING_KEY (the private key, PEM) to issue tokens "
            "and/or DJWTO_VERIFYING_KEY (the public key, PEM) to verify them."
        )
    return _make_key(algorithm, private, public, names[0] if private else names[1], names)


def load_key_set() -> KeySet:
    """Build the key set from the settings now (``KeyConfigError`` on any unusable key)."""
    entries: list[dict[str, Any]] | None = validated_settings.KEYS
    if entries:
        keys = tuple(_entry_key(index, entry) for index, entry in enumerate(entries))
    else:
        keys = (legacy_key(),)
    by_kid: dict[str, Key] = {}
    per_algorithm: dict[str, list[Key]] = {}
    for key in keys:
        if key.kid in by_kid:
            raise KeyConfigError(
                f"{by_kid[key.kid].source} and {key.source} are the same key (kid "
                f"{key.kid!r}): list each key once, with one algorithm.",
                "E031",
            )
        by_kid[key.kid] = key
        per_algorithm.setdefault(key.algorithm, []).append(key)
    sole = {alg: found[0] for alg, found in per_algorithm.items() if len(found) == 1}
    return KeySet(keys, by_kid, sole, frozenset(per_algorithm))


@derived
def get_key_set() -> KeySet:
    """The key set, built once per settings change."""
    return load_key_set()


@dataclass(frozen=True)
class JWKSDocument:
    body: bytes
    etag: str


@derived
def get_jwks_document() -> JWKSDocument | None:
    """The serialised JWKS and its ETag, or ``None`` with HMAC keys only."""
    jwks = get_key_set().jwks()
    if jwks is None:
        return None
    body = json.dumps(jwks, separators=(",", ":"), sort_keys=True).encode()
    return JWKSDocument(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


# --- generation ---------------------------------------------------------------------------------

_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "Ed448": "Ed448"}
_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


@dataclass(frozen=True)
class NewKey:
    """A generated key: the private part as text (PEM, or the HMAC secret) and its public JWK."""

    algorithm: str
    kid: str
    private_text: str
    public_jwk: dict[str, Any] | None


def generate_key(algorithm: str, bits: int = 3072) -> NewKey:
    """A new key for ``algorithm`` (``bits`` for RSA), as ``djwto_keygen`` prints it."""
    import secrets

    if algorithm in HMAC_ALGORITHMS:
        # Twice the hash length, as URL-safe text: pastes into settings and environments.
        secret = secrets.token_urlsafe(2 * _HMAC_BYTES[algorithm])
        key: Any = OctKey.import_key(secret)
        return NewKey(algorithm, compute_kid(key, algorithm), secret, None)
    prefix = algorithm[:2]
    if prefix in ("RS", "PS"):
        key = RSAKey.generate_key(bits)
    elif prefix == "ES":
        key = ECKey.generate_key(_CURVES[algorithm])
    else:
        key = OKPKey.generate_key(_CURVES.get(algorithm, "Ed25519"))  # type: ignore[arg-type]
    made = _make_key(algorithm, key, key, "the new key", ("the new key", "the new key"))
    return NewKey(algorithm, made.kid, key.as_pem(private=True).decode(), made.public_jwk())
