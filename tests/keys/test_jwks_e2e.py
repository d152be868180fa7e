"""Another service verifies the demo's tokens from a separate process knowing only the JWKS URL,
with joserfc and with PyJWT's PyJWKClient; and again after a rotation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.support import DemoClient

from .helpers import es256_pem, key_file

pytestmark = pytest.mark.e2e
VERIFIER = Path(__file__).with_name("remote_verifier.py")


def verify_elsewhere(jwks_url: str, token: str) -> dict:
    """Run the other service: a plain Python process, no Django, nothing shared but the URL."""
    result = subprocess.run(
        [sys.executable, str(VERIFIER), jwks_url, token, "djwto-demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_other_services_verify_with_the_jwks_only_before_and_after_a_rotation(start_demo, tmp_path):
    from joserfc.jwk import OKPKey

    first = {"algorithm": "ES256", "file": str(key_file(es256_pem(), directory=tmp_path))}
    second = {
        "algorithm": "EdDSA",
        "key": OKPKey.generate_key("Ed25519").as_pem(private=True).decode(),
    }
    demo = start_demo([first])
    page = requests.get(demo.url("/"), timeout=10).text
    assert 'id="jwks-link" href="/.well-known/jwks.json"' in page
    jwks_url = demo.url("/.well-known/jwks.json")
    client = DemoClient(demo)
    assert client.login().status_code == 200
    old_token = client.tokens["access"]
    seen = verify_elsewhere(jwks_url, old_token)
    assert seen["joserfc"]["user"]["username"] == seen["pyjwt"]["user"]["username"] == "alice"

    demo = start_demo([second, first])  # the new key signs, the old one still verifies
    jwks_url = demo.url("/.well-known/jwks.json")
    assert [k["alg"] for k in requests.get(jwks_url, timeout=10).json()["keys"]] == [
        "EdDSA",
        "ES256",
    ]
    client = DemoClient(demo)
    assert client.login(username="bob").status_code == 200
    for token, user in ((client.tokens["access"], "bob"), (old_token, "alice")):
        seen = verify_elsewhere(jwks_url, token)
        assert seen["joserfc"]["user"]["username"] == seen["pyjwt"]["user"]["username"] == user


def test_the_demo_makes_its_own_key_on_first_run(tmp_path):
    """No key ships with the demo: without one in the environment it generates one (0600)."""
    from tests.e2e.support import MANAGE, PYTHON, demo_env

    env = demo_env(DJWTO_SIGNING_KEY="", DEMO_KEYS_DIR=str(tmp_path / "keys"))
    script = "from django.conf import settings; print(settings.DJWTO_KEYS[0]['file'])"
    outputs = set()
    for _ in range(2):
        result = subprocess.run(
            [PYTHON, str(MANAGE), "shell", "-c", script], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-2000:]
        outputs.add(result.stdout.strip().splitlines()[-1])
    (path,) = outputs  # generated once, then reused
    assert Path(path).stat().st_mode & 0o077 == 0
    assert b"PRIVATE KEY" in Path(path).read_bytes()
