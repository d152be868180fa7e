"""``manage.py djwto_keygen --alg ES256``: a new key for ``DJWTO_KEYS``, printed or written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from djwto.conf import ALGORITHMS, HMAC_ALGORITHMS
from djwto.keys import NewKey, generate_key

MIN_RSA_BITS = 2048


class Command(BaseCommand):
    help = (
        "Generate a signing key for DJWTO_KEYS: prints the private key (PEM, or the HMAC "
        "secret) and its public JWK, or writes them to files with --out (the private key "
        "with mode 0600). See docs/keys.md for the rotation procedure."
    )
    # Keys are made before the settings that use them: a broken configuration must not stop it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--alg", default="ES256", choices=ALGORITHMS, help="default ES256")
        parser.add_argument(
            "--bits", type=int, default=3072, help="RSA key size for RS*/PS* (default 3072)"
        )
        parser.add_argument(
            "--out",
            help="write the private key to this file (mode 0600, never overwritten) and the "
            "public JWK next to it (<name>.jwk.json)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        algorithm: str = options["alg"]
        bits: int = options["bits"]
        if algorithm[:2] in ("RS", "PS") and bits < MIN_RSA_BITS:
            raise CommandError(f"--bits must be at least {MIN_RSA_BITS} for {algorithm}.")
        key = generate_key(algorithm, bits)
        if options["out"]:
            self.write_files(key, Path(options["out"]))
        else:
            self.print_key(key)

    def print_key(self, key: NewKey) -> None:
        kind = "secret" if key.algorithm in HMAC_ALGORITHMS else "private key"
        self.stdout.write(f"# {key.algorithm} key, kid {key.kid}")
        self.stdout.write(f"# The {kind}: keep it out of version control.")
        self.stdout.write(key.private_text.rstrip("\n"))
        if key.public_jwk is not None:
            self.stdout.write("# Its public JWK (served at /.well-known/jwks.json):")
            self.stdout.write(json.dumps(key.public_jwk, indent=2))
        self.stdout.write("# In settings.py (first signs, all verify; docs/keys.md):")
        self.stdout.write(
            f'# DJWTO_KEYS = [{{"algorithm": "{key.algorithm}", "key": os.environ["..."]}}, ...]'
        )

    def write_files(self, key: NewKey, path: Path) -> None:
        public_path = path.with_name(path.stem + ".jwk.json")
        targets = [path] + ([public_path] if key.public_jwk is not None else [])
        for target in targets:
            if target.exists():
                raise CommandError(f"{target} exists: djwto_keygen never overwrites a key.")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise CommandError(f"Cannot create {path}: {exc.strerror}.") from None
        with os.fdopen(fd, "w") as private_file:
            os.fchmod(private_file.fileno(), 0o600)  # whatever the umask
            private_file.write(key.private_text)
        self.stdout.write(f"Wrote the {key.algorithm} key (kid {key.kid}) to {path} (mode 0600).")
        if key.public_jwk is not None:
            public_path.write_text(json.dumps(key.public_jwk, indent=2) + "\n")
            self.stdout.write(f"Wrote its public JWK to {public_path}.")
        self.stdout.write(
            f'In settings.py: DJWTO_KEYS = [{{"algorithm": "{key.algorithm}", '
            f'"file": "{path.resolve()}"}}, ...]'
        )
