"""System checks: every misconfiguration is reported by ``manage.py check`` with a stable id."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from djwto.checks import check_djwto_settings

pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

GOOD_KEY = "tests-only-djwto-signing-key-of-more-than-64-bytes-0123456789abcdefghij"


def ids() -> list[str]:
    return sorted(message.id for message in check_djwto_settings())


def test_the_test_settings_pass_every_check():
    assert ids() == []


def test_manage_py_check_fails_with_a_missing_key(settings, monkeypatch):
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
    settings.DJWTO_SIGNING_KEY = None
    with pytest.raises(SystemCheckError, match=r"djwto\.E001"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def test_manage_py_check_passes_with_the_key_in_the_environment(settings, monkeypatch):
    settings.DJWTO_SIGNING_KEY = None
    monkeypatch.setenv("DJWTO_SIGNING_KEY", GOOD_KEY)
    out = StringIO()
    call_command("check", stdout=out, stderr=StringIO())
    assert "no issues" in out.getvalue()


@pytest.mark.parametrize("value", [None, ""])
def test_e001_missing_or_empty_key(settings, monkeypatch, value):
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
    settings.DJWTO_SIGNING_KEY = value
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E001"]
    assert "DJWTO_SIGNING_KEY" in messages[0].msg


@pytest.mark.parametrize("algorithm", ["none", "NONE", "HS1", "RS1"])
def test_e002_unsupported_algorithm(settings, algorithm):
    settings.DJWTO_ALGORITHM = algorithm
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E002"]
    assert "DJWTO_ALGORITHM" in messages[0].msg


def test_e003_unknown_mode(settings):
    settings.DJWTO_MODE = "COOKIE"
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E003"]
    assert "DJWTO_MODE" in messages[0].msg


LIFETIMES = (
    "ACCESS_TOKEN_LIFETIME",
    "REFRESH_TOKEN_LIFETIME",
    "NBF_LIFETIME",
    "MAX_SESSION_LIFETIME",
)


@pytest.mark.parametrize(
    "name,value",
    [
        (name, value)
        for name in LIFETIMES
        for value in (300, timedelta(0), timedelta(minutes=-1), "1d")
        # timedelta(0) turns nbf off, as in djwto 0.0.4 (tested in test_compat_004_settings).
        if (name, value) != ("NBF_LIFETIME", timedelta(0))
    ],
)
def test_e004_lifetime_not_a_positive_timedelta(settings, name, value):
    setattr(settings, "DJWTO_" + name, value)
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E004"]
    assert "DJWTO_" + name in messages[0].msg


@pytest.mark.parametrize("name", ["ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME"])
def test_e004_required_lifetime_cannot_be_none(settings, name):
    setattr(settings, "DJWTO_" + name, None)
    assert ids() == ["djwto.E004"]


@pytest.mark.parametrize("name", ["NBF_LIFETIME", "MAX_SESSION_LIFETIME"])
def test_optional_lifetimes_may_be_none(settings, name):
    setattr(settings, "DJWTO_" + name, None)
    assert ids() == []


@pytest.mark.parametrize("value", [timedelta(seconds=-1), 5, None])
def test_e004_rotation_grace(settings, value):
    settings.DJWTO_ROTATION_GRACE = value
    assert ids() == ["djwto.E004"]


def test_e005_asymmetric_algorithm_without_keys(settings, monkeypatch):
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
    settings.DJWTO_ALGORITHM = "RS256"
    settings.DJWTO_SIGNING_KEY = None
    assert ids() == ["djwto.E005"]


def test_e005_key_of_the_wrong_type(settings):
    settings.DJWTO_ALGORITHM = "ES256"
    settings.DJWTO_SIGNING_KEY = RSAKey.generate_key(2048).as_pem(private=True)
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E005"]
    assert "DJWTO_SIGNING_KEY" in messages[0].msg


def test_e005_unparsable_verifying_key(settings):
    settings.DJWTO_ALGORITHM = "EdDSA"
    settings.DJWTO_SIGNING_KEY = None
    settings.DJWTO_VERIFYING_KEY = "not a PEM"
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E005"]
    assert "DJWTO_VERIFYING_KEY" in messages[0].msg


@pytest.mark.parametrize(
    "make",
    [
        lambda: ("RS256", RSAKey.generate_key(2048)),
        lambda: ("ES256", ECKey.generate_key("P-256")),
        lambda: ("EdDSA", OKPKey.generate_key("Ed25519")),
    ],
)
def test_asymmetric_keys_pass(settings, make):
    algorithm, key = make()
    settings.DJWTO_ALGORITHM = algorithm
    settings.DJWTO_SIGNING_KEY = key.as_pem(private=True).decode()
    assert ids() == []
    settings.DJWTO_SIGNING_KEY = None
    settings.DJWTO_VERIFYING_KEY = key.as_pem(private=False)
    assert ids() == []


@pytest.mark.parametrize("value", [timedelta(seconds=61), 61, -1, "1", True])
def test_e006_leeway(settings, value):
    settings.DJWTO_LEEWAY = value
    assert ids() == ["djwto.E006"]


@pytest.mark.parametrize("value", [timedelta(seconds=60), 0, 30.5])
def test_leeway_up_to_a_minute_passes(settings, value):
    settings.DJWTO_LEEWAY = value
    assert ids() == []


@pytest.mark.parametrize("value", ["lax", "Sometimes", None])
def test_e007_same_site_invalid(settings, value):
    settings.DJWTO_SAME_SITE = value
    assert ids() == ["djwto.E007"]


def test_e007_same_site_none_needs_secure(settings):
    settings.DJWTO_SAME_SITE = "None"
    settings.DJWTO_COOKIE_SECURE = False
    settings.DEBUG = True
    assert ids() == ["djwto.E007"]
    settings.DJWTO_COOKIE_SECURE = True
    assert ids() == []


@pytest.mark.parametrize(
    "name,value",
    [
        ("MAX_TOKEN_BYTES", 100),
        ("MAX_TOKEN_BYTES", "8k"),
        ("TOKEN_CACHE_SIZE", -1),
        ("TOKEN_CACHE_SIZE", True),
    ],
)
def test_e008_sizes(settings, name, value):
    setattr(settings, "DJWTO_" + name, value)
    assert ids() == ["djwto.E008"]


def test_e009_denylist_backend_not_importable(settings):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.denylist.NoSuchDenylist"
    assert ids() == ["djwto.E009"]


def test_e009_denylist_cache_alias_missing(settings):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.denylist.CacheDenylist"
    settings.DJWTO_DENYLIST_CACHE = "redis"
    assert ids() == ["djwto.E009"]


def test_w006_local_memory_cache_denylist(settings):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.denylist.CacheDenylist"
    assert ids() == ["djwto.W006"]


def test_cache_denylist_on_a_shared_cache_passes(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379",
        },
    }
    settings.DJWTO_DENYLIST_BACKEND = "djwto.denylist.CacheDenylist"
    settings.DJWTO_DENYLIST_CACHE = "shared"
    assert ids() == []


def test_denylist_backend_given_as_a_class(settings):
    from djwto.denylist import DatabaseDenylist

    settings.DJWTO_DENYLIST_BACKEND = DatabaseDenylist
    assert ids() == []


@pytest.mark.parametrize(
    "algorithm,length,weak",
    [("HS256", 31, True), ("HS256", 32, False), ("HS512", 63, True), ("HS512", 64, False)],
)
def test_e010_short_hmac_key_is_an_error(settings, algorithm, length, weak):
    settings.DJWTO_ALGORITHM = algorithm
    settings.DJWTO_SIGNING_KEY = "k" * length
    assert ids() == (["djwto.E010"] if weak else [])
    if weak:
        with pytest.raises(SystemCheckError, match=r"djwto\.E010"):
            call_command("check", stdout=StringIO(), stderr=StringIO())


def test_e010_counts_bytes_of_a_bytes_key(settings):
    settings.DJWTO_SIGNING_KEY = b"k" * 16
    assert ids() == ["djwto.E010"]
    settings.DJWTO_SIGNING_KEY = "é" * 16  # 32 bytes in UTF-8
    assert ids() == []


@pytest.mark.parametrize(
    "key",
    [
        "change-me: a random string of 32+ bytes",  # the README's old placeholder, 40 bytes
        "CHANGEME-0123456789abcdef0123456789abcdef",
        b"please change_me 0123456789abcdef0123456789",
    ],
)
def test_e010_placeholder_key_fails_manage_py_check(settings, key):
    settings.DJWTO_SIGNING_KEY = key
    assert ids() == ["djwto.E010"]
    with pytest.raises(SystemCheckError, match=r"djwto\.E010"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def test_e010_generated_key_passes(settings):
    import secrets

    settings.DJWTO_SIGNING_KEY = secrets.token_urlsafe(64)
    assert ids() == []


def test_w002_signing_key_is_secret_key(settings):
    settings.DJWTO_SIGNING_KEY = settings.SECRET_KEY
    assert ids() == ["djwto.W002"]


def test_w003_access_outlives_refresh(settings):
    settings.DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(days=2)
    assert ids() == ["djwto.W003"]


@pytest.mark.parametrize("mode", ["ONE-COOKIE", "TWO-COOKIES"])
def test_w004_cookies_not_secure_outside_debug(settings, mode):
    settings.DJWTO_MODE = mode
    settings.DJWTO_COOKIE_SECURE = False
    assert ids() == ["djwto.W004"]
    settings.DEBUG = True
    assert ids() == []


def test_insecure_cookies_do_not_matter_in_json_mode(settings):
    settings.DJWTO_MODE = "JSON"
    settings.DJWTO_COOKIE_SECURE = False
    assert ids() == []


@pytest.mark.parametrize(
    "mode,expected", [("ONE-COOKIE", ["djwto.W005"]), ("TWO-COOKIES", ["djwto.W005"]), ("JSON", [])]
)
def test_w005_csrf_off_in_a_cookie_mode(settings, mode, expected):
    settings.DJWTO_MODE = mode
    settings.DJWTO_CSRF = False
    assert ids() == expected


def test_several_problems_are_all_reported(settings):
    settings.DJWTO_MODE = "X"
    settings.DJWTO_LEEWAY = timedelta(hours=1)
    settings.DJWTO_MAX_TOKEN_BYTES = 0
    settings.DJWTO_ACCESS_TOKEN_LIFETIME = 5
    assert ids() == ["djwto.E003", "djwto.E004", "djwto.E006", "djwto.E008"]


@pytest.mark.parametrize(
    "algorithm,make,setting",
    [
        ("ES256", lambda: ECKey.generate_key("P-384").as_pem(private=True), "DJWTO_SIGNING_KEY"),
        ("EdDSA", lambda: OKPKey.generate_key("X25519").as_pem(private=True), "DJWTO_SIGNING_KEY"),
        ("RS256", lambda: RSAKey.generate_key(2048).as_pem(private=False), "DJWTO_SIGNING_KEY"),
    ],
)
def test_e005_key_that_imports_but_cannot_sign(settings, db, algorithm, make, setting):
    """These passed the check and then made every login a 500 with joserfc's own error."""
    from django.core.exceptions import ImproperlyConfigured
    from django.test import Client

    settings.DJWTO_ALGORITHM = algorithm
    settings.DJWTO_SIGNING_KEY = make()
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E005"]
    assert setting in messages[0].msg
    with pytest.raises(ImproperlyConfigured, match=setting):
        Client().get("/protected/", HTTP_AUTHORIZATION="Bearer a.b.c")


def test_e005_verifying_key_of_another_pair(settings):
    settings.DJWTO_ALGORITHM = "ES256"
    settings.DJWTO_SIGNING_KEY = ECKey.generate_key("P-256").as_pem(private=True)
    settings.DJWTO_VERIFYING_KEY = ECKey.generate_key("P-256").as_pem(private=False)
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E005"]
    assert "DJWTO_VERIFYING_KEY" in messages[0].msg


def test_e005_verify_only_key_on_the_wrong_curve(settings):
    settings.DJWTO_ALGORITHM = "ES512"
    settings.DJWTO_SIGNING_KEY = None
    settings.DJWTO_VERIFYING_KEY = ECKey.generate_key("P-256").as_pem(private=False)
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E005"]
    assert "DJWTO_VERIFYING_KEY" in messages[0].msg


# --- the README documents every id, and its quickstart key is refused ----------------------------


def _readme() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_check_id_is_in_the_readme():
    import re

    import djwto.checks

    documented = set(re.findall(r"``djwto\.([EW]\d{3})``", djwto.checks.__doc__))
    assert len(documented) >= 20
    readme_ids = set(re.findall(r"^\| ([EW]\d{3}) \|", _readme(), re.MULTILINE))
    readme_ids |= set(re.findall(r"\| ([EW]\d{3}) \| [^|]+ \|\s*$", _readme(), re.MULTILINE))
    assert documented <= readme_ids, documented - readme_ids


def test_the_readme_quickstart_key_fails_manage_py_check(settings):
    import re

    # The quickstart's is the README's first signing key.
    placeholder = re.findall(r'^DJWTO_SIGNING_KEY = "([^"]+)"', _readme(), re.MULTILINE)[0]
    assert len(placeholder.encode()) >= 32  # refused as a placeholder, not for its length
    settings.DJWTO_SIGNING_KEY = placeholder
    with pytest.raises(SystemCheckError, match=r"djwto\.E010"):
        call_command("check", stdout=StringIO(), stderr=StringIO())
