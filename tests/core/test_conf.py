"""Settings are read at use time: ``override_settings`` changes every DJWTO_* setting at once,
derived state (keys, the verified-token cache) included, and bad values fail loudly on use."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from djwto import conf
from djwto.backends import decode, encode, get_signing_material
from djwto.conf import djwto_settings
from djwto.exceptions import InvalidToken
from tests.support import REPO, P, bearer, login, make_pair, sign


def test_every_setting_has_a_default_and_reads_through(settings):
    for name, default in conf.DEFAULTS.items():
        if hasattr(settings, "DJWTO_" + name):
            continue
        assert getattr(djwto_settings, name) == default
    settings.DJWTO_LEEWAY = timedelta(seconds=7)
    assert timedelta(seconds=7) == djwto_settings.LEEWAY
    with pytest.raises(AttributeError, match="NOT_A_SETTING"):
        djwto_settings.NOT_A_SETTING  # noqa: B018


def test_changing_the_signing_key_rejects_old_tokens(settings, alice):
    _refresh, access = make_pair(alice)
    token = sign(access)
    assert decode(token, "access")["jti"] == access["jti"]
    settings.DJWTO_SIGNING_KEY = "another-key-for-another-environment-0123456789abcdef"
    with pytest.raises(InvalidToken) as excinfo:
        decode(token, "access")
    assert excinfo.value.code == "token_invalid"


def test_key_change_applies_to_protected_views_through_the_client(settings, alice, password):
    session = login(Client(), "JSON", "alice", password)
    assert session.get("/protected/").status_code == 200
    with override_settings(DJWTO_SIGNING_KEY="rotated-key-rotated-key-rotated-key-0123456789"):
        assert session.get("/protected/").status_code == 401
    assert session.get("/protected/").status_code == 200


def test_signing_key_falls_back_to_the_environment_when_first_needed(
    settings, monkeypatch, alice, password
):
    settings.DJWTO_SIGNING_KEY = None
    monkeypatch.setenv("DJWTO_SIGNING_KEY", "from-the-environment-0123456789abcdef0123456789")
    session = login(Client(), "JSON", "alice", password)
    assert session.login_response.status_code == 200
    assert session.get("/protected/").status_code == 200
    # The key really is the environment's: a token signed with the settings' old key is not.
    settings.DJWTO_SIGNING_KEY = (
        "tests-only-djwto-signing-key-of-more-than-64-bytes-0123456789abcdefghij"
    )
    assert session.get("/protected/").status_code == 401


def test_setting_wins_over_the_environment(settings, monkeypatch):
    monkeypatch.setenv("DJWTO_SIGNING_KEY", "environment-key-environment-key-0123456789")
    settings.DJWTO_SIGNING_KEY = "setting-key-setting-key-setting-key-0123456789"
    assert conf.get_signing_key() == "setting-key-setting-key-setting-key-0123456789"


@pytest.mark.parametrize("value", [None, ""])
def test_missing_or_empty_key_is_improperly_configured_on_first_use(
    settings, monkeypatch, alice, password, value
):
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
    settings.DJWTO_SIGNING_KEY = value
    with pytest.raises(ImproperlyConfigured, match="DJWTO_SIGNING_KEY"):
        Client().post("/login/", {"username": "alice", "password": password})
    with pytest.raises(ImproperlyConfigured, match="DJWTO_SIGNING_KEY"):
        Client().get("/protected/", **bearer("a.b.c"))


def test_importing_djwto_without_any_key_never_raises():
    """djwto 0.0.4 read ``os.environ["DJWTO_SIGNING_KEY"]`` at import: a KeyError."""
    code = (
        "import django; from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django.contrib.auth', 'django.contrib.contenttypes',"
        " 'django.contrib.admin', 'django.contrib.messages', 'django.contrib.sessions', 'djwto'],"
        " DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3',"
        " 'NAME': ':memory:'}}, ROOT_URLCONF='djwto.urls', SECRET_KEY='x')\n"
        "django.setup()\n"
        "import importlib, pkgutil, djwto\n"
        "for m in pkgutil.walk_packages(djwto.__path__, 'djwto.'):\n"
        "    importlib.import_module(m.name)\n"
        "import djwto.urls, djwto.views, djwto.mixins\n"
        "from django.core import checks\n"
        "ids = sorted(m.id for m in checks.run_checks(tags=['security'])"
        " if m.id.startswith('djwto'))\n"
        "print('OK', ids)\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJWTO_SIGNING_KEY", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # Importing is fine; the missing key is reported by the system check instead.
    assert result.stdout.strip() == "OK ['djwto.E001']"


@pytest.mark.parametrize("algorithm", ["none", "None", "NONE", "HS1", ""])
def test_algorithm_none_or_unknown_is_improperly_configured(settings, algorithm):
    settings.DJWTO_ALGORITHM = algorithm
    with pytest.raises(ImproperlyConfigured, match="DJWTO_ALGORITHM"):
        encode({"exp": 1, "type": "access"})


def test_unknown_mode_is_improperly_configured_on_use(settings, db):
    settings.DJWTO_MODE = "COOKIES"
    with pytest.raises(ImproperlyConfigured, match="DJWTO_MODE"):
        Client().get("/protected/")
    with pytest.raises(ImproperlyConfigured, match="DJWTO_MODE"):
        Client().post("/login/", {"username": "x", "password": "y"})


@pytest.mark.parametrize("name", ["ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME"])
@pytest.mark.parametrize("value", [300, "5m", None, timedelta(0), timedelta(seconds=-1)])
def test_lifetime_that_is_not_a_positive_timedelta_fails_on_login(
    settings, alice, password, name, value
):
    setattr(settings, "DJWTO_" + name, value)
    with pytest.raises(ImproperlyConfigured, match="DJWTO_" + name):
        Client().post("/login/", {"username": "alice", "password": password})


@pytest.mark.parametrize("value", [5, timedelta(seconds=5), 5.9])
def test_leeway_accepts_seconds_or_timedelta(settings, value):
    settings.DJWTO_LEEWAY = value
    assert conf.get_leeway() == 5


@pytest.mark.parametrize("value", [-1, timedelta(seconds=-1), True, "5", None])
def test_leeway_rejects_other_values(settings, value):
    settings.DJWTO_LEEWAY = value
    with pytest.raises(ImproperlyConfigured, match="DJWTO_LEEWAY"):
        conf.get_leeway()


@pytest.mark.parametrize(
    "value,expected",
    [("api/token/refresh", "api/token/refresh"), ("/auth/refresh/", "auth/refresh")],
)
def test_refresh_path_is_normalised(settings, value, expected):
    settings.DJWTO_REFRESH_COOKIE_PATH = value
    assert conf.get_refresh_path() == expected


def test_derived_state_is_rebuilt_when_a_setting_changes(settings):
    first = get_signing_material()
    assert get_signing_material() is first
    settings.DJWTO_LEEWAY = timedelta(seconds=1)  # any DJWTO_* change drops derived state
    assert get_signing_material() is not first


def test_unrelated_setting_changes_keep_derived_state(settings):
    first = get_signing_material()
    settings.LANGUAGE_CODE = "fr"
    assert get_signing_material() is first


def test_lifetimes_change_token_expiry_through_the_views(settings, alice, password):
    settings.DJWTO_ACCESS_TOKEN_LIFETIME = timedelta(seconds=42)
    settings.DJWTO_REFRESH_TOKEN_LIFETIME = timedelta(hours=3)
    body = Client().post("/login/", {"username": "alice", "password": password}).json()
    from tests.support import decode_unverified

    access, refresh = decode_unverified(body["access"]), decode_unverified(body["refresh"])
    assert access["exp"] - access["iat"] == 42
    assert refresh["exp"] - refresh["iat"] == 3 * 3600


def test_unknown_view_mode_is_improperly_configured(db):
    from djwto.transports import get_transport

    with pytest.raises(ImproperlyConfigured, match="mode"):
        get_transport("XML")


def test_refresh_path_setting_moves_the_refresh_cookie(settings, alice, password):
    settings.DJWTO_MODE = "ONE-COOKIE"
    settings.DJWTO_REFRESH_COOKIE_PATH = "/auth/refresh/"
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert response.cookies["jwt_refresh"]["path"] == "/auth/refresh"
    assert response.cookies["jwt_access"]["path"] == "/"
    settings.DJWTO_REFRESH_COOKIE_PATH = "api/token/refresh"
    response = Client().post("/login/", {"username": "alice", "password": password})
    assert response.cookies["jwt_refresh"]["path"] == P


# --- the table: one validator per setting, used by the getters and by the checks ---------------


def test_the_table_has_every_setting_once_with_a_valid_default():
    assert list(conf.SETTINGS) == list(conf.DEFAULTS)
    for name, spec in conf.SETTINGS.items():
        assert spec.name == name
        assert spec.description and spec.type and spec.check_id.startswith(("E", "W"))
        conf.clean(name, spec.default)  # a default never fails its own validator


@pytest.mark.parametrize("name", list(conf.SETTINGS))
def test_a_bad_value_fails_the_getter_and_the_check_with_the_same_validator(settings, name):
    """``object()`` is not a value any setting accepts."""
    setattr(settings, "DJWTO_" + name, object())
    with pytest.raises(ImproperlyConfigured, match="DJWTO_" + name):
        conf.get_validated(name)
    from djwto.checks import check_djwto_settings

    messages = [m for m in check_djwto_settings() if "DJWTO_" + name in m.msg]
    assert [m.id for m in messages] == ["djwto." + conf.SETTINGS[name].check_id]
    assert messages[0].is_serious()


def test_get_validated_returns_the_cleaned_value_and_keeps_it(settings):
    settings.DJWTO_LEEWAY = timedelta(seconds=5)
    settings.DJWTO_REFRESH_COOKIE_PATH = "/auth/refresh/"
    settings.DJWTO_DENYLIST_LOCAL_CACHE = 100
    assert conf.get_validated("LEEWAY") == 5
    assert conf.get_validated("REFRESH_COOKIE_PATH") == "auth/refresh"
    assert conf.get_validated("DENYLIST_LOCAL_CACHE") == 100
    # Kept: the request path reads an attribute after the first time.
    assert conf.validated_settings.__dict__["LEEWAY"] == 5
    settings.DJWTO_LEEWAY = 9
    assert "LEEWAY" not in conf.validated_settings.__dict__
    assert conf.get_leeway() == 9


@pytest.mark.parametrize("value", [-1, "100", 1.5, True])
def test_get_validated_names_the_setting_and_what_to_do(settings, value):
    settings.DJWTO_DENYLIST_LOCAL_CACHE = value
    with pytest.raises(
        ImproperlyConfigured, match=r"DJWTO_DENYLIST_LOCAL_CACHE must be an integer"
    ):
        conf.get_validated("DENYLIST_LOCAL_CACHE")
    assert "DENYLIST_LOCAL_CACHE" not in conf.validated_settings.__dict__


def test_an_optional_lifetime_read_as_required_is_refused(settings):
    settings.DJWTO_NBF_LIFETIME = None
    assert conf.get_lifetime("NBF_LIFETIME", optional=True) is None
    with pytest.raises(ImproperlyConfigured, match="DJWTO_NBF_LIFETIME"):
        conf.get_lifetime("NBF_LIFETIME")


def test_get_validated_refuses_unknown_names():
    with pytest.raises(AttributeError, match="NOT_A_SETTING"):
        conf.get_validated("NOT_A_SETTING")


@pytest.mark.parametrize("value", ["False", 0, None])
def test_a_flag_must_be_a_bool(settings, value):
    """``"False"`` is true in Python: a flag given as a string would silently mean the opposite."""
    settings.DJWTO_COOKIE_SECURE = value
    with pytest.raises(ImproperlyConfigured, match="DJWTO_COOKIE_SECURE must be True or False"):
        conf.get_validated("COOKIE_SECURE")


def test_hmac_keys_hint_at_generating_one(settings, monkeypatch):
    monkeypatch.delenv("DJWTO_SIGNING_KEY", raising=False)
    settings.DJWTO_SIGNING_KEY = None
    with pytest.raises(ImproperlyConfigured, match=r"secrets\.token_urlsafe\(64\)"):
        conf.get_signing_key()


# --- unknown DJWTO_* names -----------------------------------------------------------------------


def test_a_misspelt_setting_is_a_warning_naming_the_closest_setting(settings):
    from djwto.checks import check_djwto_settings

    settings.DJWTO_ACESS_TOKEN_LIFETIME = timedelta(hours=1)
    messages = [m for m in check_djwto_settings() if m.id == "djwto.W008"]
    assert len(messages) == 1
    assert not messages[0].is_serious()
    assert "DJWTO_ACESS_TOKEN_LIFETIME" in messages[0].msg
    assert messages[0].hint == "Did you mean DJWTO_ACCESS_TOKEN_LIFETIME?"


def test_an_unknown_setting_without_a_close_name_is_still_reported(settings):
    from djwto.checks import check_djwto_settings

    settings.DJWTO_XYZZY = 1
    messages = [m for m in check_djwto_settings() if m.id == "djwto.W008"]
    assert [m.msg.split()[0] for m in messages] == ["DJWTO_XYZZY"]
    assert "Did you mean" not in (messages[0].hint or "")


def test_every_known_setting_passes_the_name_check(settings):
    from djwto.checks import check_djwto_settings

    for name, spec in conf.SETTINGS.items():
        if name != "CLAIMS_CLASS":  # its default module is imported only where it exists
            setattr(settings, "DJWTO_" + name, spec.default)
    settings.DJWTO_SIGNING_KEY = "tests-only-djwto-signing-key-of-more-than-64-bytes-0123456789"
    assert [m.id for m in check_djwto_settings()] == []


# --- CLAIMS_CLASS --------------------------------------------------------------------------------


def test_claims_class_is_checked_only_when_the_project_sets_it(settings):
    from djwto.checks import check_djwto_settings

    assert conf.DEFAULTS["CLAIMS_CLASS"] == "djwto.claims.Claims"
    assert "djwto.E012" not in [m.id for m in check_djwto_settings()]
    settings.DJWTO_CLAIMS_CLASS = "djwto.backends.VerifiedTokenCache"  # any importable class
    assert check_djwto_settings() == []
    settings.DJWTO_CLAIMS_CLASS = dict  # a class itself is fine too
    assert check_djwto_settings() == []
    settings.DJWTO_CLAIMS_CLASS = "myproject.claims.Claims"
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E012"]
    assert "myproject.claims.Claims" in messages[0].msg


# --- the settings reference is the table ---------------------------------------------------


def test_the_settings_reference_is_rendered_from_the_table_never_copied():
    """docs/_ext renders render_settings_table() into the settings page when the site is built
    (tests/docs/test_site.py reads the result); no page holds a copy that could drift."""
    page = (REPO / "docs" / "reference" / "settings.md").read_text()
    assert "```{djwto-settings}" in page
    first_row = conf.render_settings_table().splitlines()[2]
    for path in [REPO / "README.md", *(REPO / "docs").rglob("*.md")]:
        assert first_row not in path.read_text(), path


def test_the_rendered_table_lists_every_setting_with_its_default():
    table = conf.render_settings_table()
    for name in conf.SETTINGS:
        assert f"| `DJWTO_{name}` |" in table
    assert "| `DJWTO_ACCESS_TOKEN_LIFETIME` | `timedelta(minutes=5)` |" in table
    assert '| `DJWTO_MODE` | `"JSON"` |' in table
    assert "| `DJWTO_TOKEN_CACHE_SIZE` | `4096` |" in table
