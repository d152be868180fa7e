"""manage.py djwto_keygen: keys ready to paste or written to files (the private one 0600)."""

from __future__ import annotations

import json
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from djwto.backends import decode, encode
from djwto.keys import get_key_set

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")


def keygen(*args: str) -> str:
    out = StringIO()
    call_command("djwto_keygen", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "args,alg",
    [
        (("--alg", "ES256"), "ES256"),
        (("--alg", "ES512"), "ES512"),
        (("--alg", "RS256", "--bits", "2048"), "RS256"),
        (("--alg", "PS256", "--bits", "2048"), "PS256"),
        (("--alg", "EdDSA"), "EdDSA"),
        (("--alg", "Ed448"), "Ed448"),
    ],
)
def test_printed_keys_sign_and_their_jwk_verifies(settings, args, alg):
    output = keygen(*args)
    pem = (
        output[output.index("-----BEGIN") : output.index("-----END")] + "-----END PRIVATE KEY-----"
    )
    jwk = json.loads(output[output.index("{") : output.index("# In settings.py")])
    assert "d" not in jwk and jwk["alg"] == alg
    settings.DJWTO_KEYS = [{"algorithm": alg, "key": pem}]
    token = encode({"type": "access", "exp": 4_000_000_000})
    assert get_key_set().signer.kid == jwk["kid"]
    settings.DJWTO_KEYS = [{"algorithm": alg, "key": {k: v for k, v in jwk.items() if k != "use"}}]
    assert decode(token, "access")["type"] == "access"


def test_hmac_secret(settings):
    output = keygen("--alg", "HS512")
    secret = next(line for line in output.splitlines() if not line.startswith("#"))
    assert len(secret) >= 64 and "{" not in output.split("# In settings.py")[0]
    settings.DJWTO_KEYS = [{"algorithm": "HS512", "key": secret}]
    assert decode(encode({"type": "access", "exp": 4_000_000_000}), "access")


def test_out_writes_a_0600_private_key_and_never_overwrites(settings, tmp_path):
    path = tmp_path / "es256.pem"
    output = keygen("--alg", "ES256", "--out", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = json.loads((tmp_path / "es256.jwk.json").read_text())
    assert "d" not in public and public["kid"] in output
    settings.DJWTO_KEYS = [{"algorithm": "ES256", "file": str(path)}]
    assert get_key_set().signer.kid == public["kid"]
    before = path.read_bytes()
    with pytest.raises(CommandError, match="never overwrites"):
        keygen("--alg", "ES256", "--out", str(path))
    assert path.read_bytes() == before
    with pytest.raises(CommandError, match="Cannot create"):
        keygen("--alg", "HS256", "--out", str(tmp_path / "missing" / "k"))


def test_rsa_keys_below_2048_bits_are_refused():
    with pytest.raises(CommandError, match="at least 2048"):
        keygen("--alg", "RS256", "--bits", "1024")
