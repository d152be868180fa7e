"""Another service verifying djwto's tokens, knowing only the JWKS URL (run as a script).

``python tests/keys/remote_verifier.py <jwks url> <token> <issuer>`` prints the claims each of
two independent clients verified: joserfc and PyJWT's ``PyJWKClient``. No Django, no djwto.
"""

from __future__ import annotations

import json
import sys
import urllib.request

import jwt as pyjwt
from joserfc import jwt
from joserfc.jwk import KeySet


def with_joserfc(jwks_url: str, token: str, issuer: str) -> dict:
    with urllib.request.urlopen(jwks_url, timeout=10) as response:
        key_set = KeySet.import_key_set(json.load(response))
    # The algorithms the published keys declare, never the one the token names.
    algorithms = sorted({key.alg for key in key_set.keys if key.alg})
    token_obj = jwt.decode(token, key_set, algorithms=algorithms)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer}, exp={"essential": True}
    ).validate(token_obj.claims)
    return token_obj.claims


def with_pyjwt(jwks_url: str, token: str, issuer: str) -> dict:
    signing_key = pyjwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    return pyjwt.decode(
        token,
        signing_key.key,
        algorithms=[signing_key.algorithm_name],
        issuer=issuer,
        options={"require": ["exp", "iss"]},
    )


if __name__ == "__main__":
    url, raw, iss = sys.argv[1:4]
    print(json.dumps({"joserfc": with_joserfc(url, raw, iss), "pyjwt": with_pyjwt(url, raw, iss)}))
