"""Keys for the tests of several keys (DJWTO_KEYS), made fresh: none ships in the repository."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, OKPKey, RSAKey

HS_SECRET = "keys-tests-only-hmac-secret-of-more-than-64-bytes-0123456789abcdefghij"


def es256_pem(private: bool = True) -> str:
    return ECKey.generate_key("P-256").as_pem(private=private).decode()


def entry(algorithm: str = "ES256", key: Any = None) -> dict[str, Any]:
    """A DJWTO_KEYS entry with a new key of ``algorithm`` (or ``key``)."""
    if key is None:
        if algorithm.startswith("HS"):
            key = HS_SECRET + secrets.token_urlsafe(8)  # a new secret each time
        elif algorithm.startswith(("RS", "PS")):
            key = RSAKey.generate_key(2048).as_pem(private=True).decode()
        elif algorithm.startswith("ES"):
            key = es256_pem()
        else:
            key = OKPKey.generate_key("Ed25519").as_pem(private=True).decode()
    return {"algorithm": algorithm, "key": key}


def key_file(text: str, mode: int = 0o600, directory: Path | None = None) -> Path:
    """``text`` in a new file with ``mode``."""
    fd, name = tempfile.mkstemp(suffix=".pem", dir=directory)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(name, mode)
    return Path(name)


def public_entry(private_entry: dict[str, Any]) -> dict[str, Any]:
    """The verify-only twin of an ES256 entry (its public key)."""
    key = ECKey.import_key(private_entry["key"])
    return {"algorithm": private_entry["algorithm"], "key": key.as_pem(private=False).decode()}
