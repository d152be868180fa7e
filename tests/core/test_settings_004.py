"""Every djwto 0.0.4 setting either works unchanged (same name, meaning and value types) or gets
a system check that names its replacement.

0.0.4 read these 17 names in ``djwto/settings.py``, with these defaults.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from joserfc.jwk import ECKey

from djwto import conf
from djwto.checks import check_djwto_settings
from tests.support import P, decode_unverified, login

KEY = "tests-only-djwto-signing-key-of-more-than-64-bytes-0123456789abcdefghij"

#: djwto 0.0.4's settings module, name -> default (the signing key came from the environment).
SETTINGS_004 = {
    "DJWTO_ISS_CLAIM": None,
    "DJWTO_SUB_CLAIM": None,
    "DJWTO_AUD_CLAIM": None,
    "DJWTO_IAT_CLAIM": True,
    "DJWTO_JTI_CLAIM": True,
    "DJWTO_ALLOW_REFRESH_UPDATE": True,
    "DJWTO_ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "DJWTO_REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "DJWTO_NBF_LIFETIME": timedelta(minutes=0),
    "DJWTO_SIGNING_KEY": KEY,
    "DJWTO_VERIFYING_KEY": None,
    "DJWTO_ALGORITHM": "HS256",
    "DJWTO_MODE": "JSON",
    "DJWTO_REFRESH_COOKIE_PATH": "api/token/refresh",
    "DJWTO_SAME_SITE": "Lax",
    "DJWTO_DOMAIN": None,
    "DJWTO_CSRF": True,
}


def ids() -> list[str]:
    return sorted(m.id for m in check_djwto_settings())


def messages(check_id: str):
    return [m for m in check_djwto_settings() if m.id == check_id]


@pytest.fixture
def settings_004(settings):
    for name, value in SETTINGS_004.items():
        setattr(settings, name, value)
    return settings


def test_every_004_setting_is_in_the_table():
    assert {name.removeprefix("DJWTO_") for name in SETTINGS_004} <= set(conf.SETTINGS)


def test_the_004_defaults_pass_every_check(settings_004):
    assert ids() == []
    out = StringIO()
    call_command("check", stdout=out, stderr=StringIO())
    assert "no issues" in out.getvalue()


def test_the_004_defaults_log_in_refresh_rotate_and_log_out(settings_004, alice, password):
    session = login(Client(), "JSON", "alice", password)
    assert session.login_response.status_code == 200
    refresh = decode_unverified(session.refresh)
    # NBF_LIFETIME = timedelta(0) meant "no nbf" in 0.0.4, and still does.
    assert "nbf" not in refresh
    assert {"iat", "jti", "exp"} <= set(refresh)
    assert session.get("/protected/").status_code == 200
    assert session.post_refresh(f"{P}/refresh_access/").status_code == 200
    assert session.post_refresh(f"{P}/update_refresh/").status_code == 200
    assert session.post_refresh(f"{P}/logout/").status_code == 200


# --- values that work unchanged ------------------------------------------------------------------


def test_claims_given_as_strings_and_lists_are_issued_and_required(settings_004, alice, password):
    settings_004.DJWTO_ISS_CLAIM = "https://auth.example.com"
    settings_004.DJWTO_SUB_CLAIM = "service"
    settings_004.DJWTO_AUD_CLAIM = ["api", "web"]
    assert ids() == []
    session = login(Client(), "JSON", "alice", password)
    claims = decode_unverified(session.access)
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        "https://auth.example.com",
        "service",
        ["api", "web"],
    )
    assert session.get("/protected/").status_code == 200
    settings_004.DJWTO_AUD_CLAIM = "api"
    assert ids() == []
    assert session.get("/protected/").status_code == 200
    settings_004.DJWTO_ISS_CLAIM = "https://other.example.com"
    assert session.get("/protected/").status_code == 401


def test_iat_claim_off_leaves_iat_out(settings_004, alice, password):
    settings_004.DJWTO_IAT_CLAIM = False
    assert ids() == []
    session = login(Client(), "JSON", "alice", password)
    assert "iat" not in decode_unverified(session.access)
    assert session.get("/protected/").status_code == 200


def test_allow_refresh_update_off_disables_update_refresh(settings_004, alice, password):
    settings_004.DJWTO_ALLOW_REFRESH_UPDATE = False
    assert ids() == []
    session = login(Client(), "JSON", "alice", password)
    assert session.post_refresh(f"{P}/update_refresh/").status_code == 404
    assert session.post_refresh(f"{P}/refresh_access/").status_code == 200


def test_a_positive_nbf_lifetime_delays_the_refresh_token(settings_004, alice, password):
    settings_004.DJWTO_NBF_LIFETIME = timedelta(seconds=30)
    assert ids() == []
    refresh = decode_unverified(login(Client(), "JSON", "alice", password).refresh)
    assert refresh["nbf"] - refresh["iat"] == 30


@pytest.mark.parametrize("mode", ["JSON", "ONE-COOKIE", "TWO-COOKIES"])
@pytest.mark.parametrize("same_site", ["Lax", "Strict", "None"])
def test_modes_and_same_site_values_work(settings_004, mode, same_site):
    settings_004.DJWTO_MODE = mode
    settings_004.DJWTO_SAME_SITE = same_site
    settings_004.DJWTO_DOMAIN = "example.com"
    assert ids() == []


def test_asymmetric_keys_as_in_004(settings_004):
    key = ECKey.generate_key("P-256")
    settings_004.DJWTO_ALGORITHM = "ES256"
    settings_004.DJWTO_SIGNING_KEY = key.as_pem(private=True).decode()
    settings_004.DJWTO_VERIFYING_KEY = key.as_pem(private=False).decode()
    assert ids() == []


def test_csrf_off_works_and_is_warned_about_in_cookie_modes(settings_004):
    settings_004.DJWTO_CSRF = False
    assert ids() == []
    settings_004.DJWTO_MODE = "TWO-COOKIES"
    assert ids() == ["djwto.W005"]


def test_refresh_cookie_path_with_slashes_is_normalised(settings_004):
    settings_004.DJWTO_REFRESH_COOKIE_PATH = "/api/token/refresh/"
    assert ids() == []
    assert conf.get_refresh_path() == "api/token/refresh"


# --- values whose meaning changed: a check names the replacement ----------------------------------


def test_jti_claim_off_is_a_warning(settings_004, alice, password):
    settings_004.DJWTO_JTI_CLAIM = False
    assert ids() == ["djwto.W007"]
    (message,) = messages("djwto.W007")
    assert "DJWTO_JTI_CLAIM" in message.msg and "refresh tokens now always carry one" in message.msg
    session = login(Client(), "JSON", "alice", password)
    assert "jti" not in decode_unverified(session.access)
    assert "jti" in decode_unverified(session.refresh)


@pytest.mark.parametrize(
    "name,value",
    [
        ("DJWTO_ISS_CLAIM", ""),
        ("DJWTO_SUB_CLAIM", ""),
        ("DJWTO_AUD_CLAIM", ""),
        ("DJWTO_AUD_CLAIM", []),
    ],
)
def test_an_empty_claim_setting_is_an_error_naming_none(settings_004, name, value):
    """0.0.4 left an empty claim out; djwto now would issue (and require) it as it is."""
    setattr(settings_004, name, value)
    assert ids() == ["djwto.E013"]
    (message,) = messages("djwto.E013")
    assert message.is_serious()
    assert name in message.msg
    assert message.hint == f"Set {name} = None to leave the claim out."


@pytest.mark.parametrize("name", ["DJWTO_ACCESS_TOKEN_LIFETIME", "DJWTO_REFRESH_TOKEN_LIFETIME"])
@pytest.mark.parametrize("value", [None, timedelta(0)])
def test_a_lifetime_without_expiry_is_an_error_naming_a_timedelta(settings_004, name, value):
    """0.0.4 gave no token its own ``exp`` for an empty lifetime; every token expires now."""
    setattr(settings_004, name, value)
    assert ids() == ["djwto.E004"]
    (message,) = messages("djwto.E004")
    assert name in message.msg
    assert "0.0.4" in message.hint and "timedelta(minutes=5)" in message.hint


@pytest.mark.parametrize(
    "value,hint",
    [
        ("lax", "Spell it 'Lax'."),
        ("strict", "Spell it 'Strict'."),
        ("none", "Spell it 'None'."),
        (None, "set False for that"),
    ],
)
def test_same_site_values_django_took_are_an_error_naming_the_spelling(settings_004, value, hint):
    settings_004.DJWTO_SAME_SITE = value
    assert ids() == ["djwto.E007"]
    (message,) = messages("djwto.E007")
    assert hint in message.hint


def test_same_site_false_means_no_attribute(settings_004, alice, password):
    settings_004.DJWTO_MODE = "ONE-COOKIE"
    settings_004.DJWTO_SAME_SITE = False
    assert ids() == []
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert response.status_code == 200
    assert not response.cookies["jwt_access"]["samesite"]


def test_an_algorithm_004_had_through_pyjwt_is_an_error(settings_004):
    settings_004.DJWTO_ALGORITHM = "ES256K"
    assert ids() == ["djwto.E002"]
