"""manage.py check with several keys: each mistake named, a sound setup silent."""

from __future__ import annotations

import pytest

from djwto.checks import check_djwto_settings

from .helpers import HS_SECRET, entry, es256_pem, key_file

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")


def ids() -> list[str]:
    return sorted(m.id for m in check_djwto_settings())


def test_a_sound_rotation_setup_is_silent(settings, tmp_path):
    old = entry("HS256", settings.DJWTO_SIGNING_KEY)  # the key the project had
    new = {"algorithm": "ES256", "file": str(key_file(es256_pem(), 0o600, tmp_path))}
    settings.DJWTO_KEYS = [new, old]
    assert ids() == []  # DJWTO_SIGNING_KEY is still set, and is one of the keys: fine


def test_e030_the_old_signing_key_left_out_of_the_list(settings):
    settings.DJWTO_KEYS = [entry("ES256")]
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E030"]
    assert "DJWTO_KEYS" in messages[0].msg


def test_e030_also_for_the_environment_variable(settings, monkeypatch):
    settings.DJWTO_SIGNING_KEY = None
    monkeypatch.setenv("DJWTO_SIGNING_KEY", HS_SECRET + "env")
    settings.DJWTO_KEYS = [entry("HS256")]
    assert ids() == ["djwto.E030", "djwto.I031"]  # I031: HMAC keys only, nothing to publish
    settings.DJWTO_KEYS = [entry("HS256", HS_SECRET + "env")]
    assert ids() == ["djwto.I031"]


def test_e031_one_key_twice(settings):
    settings.DJWTO_SIGNING_KEY = None
    pem = es256_pem()
    settings.DJWTO_KEYS = [entry("ES256", pem), {"algorithm": "ES256", "key": pem.encode()}]
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E031"]
    assert "DJWTO_KEYS[0] and DJWTO_KEYS[1]" in messages[0].msg


def test_weak_or_unusable_keys_in_the_list(settings):
    settings.DJWTO_SIGNING_KEY = None
    settings.DJWTO_KEYS = [entry("ES256"), {"algorithm": "HS256", "key": "short"}]
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E010"]
    assert "DJWTO_KEYS[1]" in messages[0].msg
    settings.DJWTO_KEYS = [{"algorithm": "ES512", "key": es256_pem()}]
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.E005"]
    assert "DJWTO_KEYS[0]" in messages[0].msg


def test_w030_only_for_private_key_files_others_can_read(settings, tmp_path):
    from joserfc.jwk import ECKey

    settings.DJWTO_SIGNING_KEY = None
    private = key_file(es256_pem(), 0o640, tmp_path)
    public = key_file(ECKey.generate_key("P-256").as_pem(private=False).decode(), 0o644, tmp_path)
    settings.DJWTO_KEYS = [
        {"algorithm": "ES256", "file": str(private)},
        {"algorithm": "ES256", "file": str(public)},
    ]
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.W030"]
    assert str(private) in messages[0].msg and "640" in messages[0].msg
    private.chmod(0o600)
    assert ids() == []


def test_infos_about_the_jwks_route(settings):
    settings.DJWTO_SIGNING_KEY = None
    settings.DJWTO_KEYS = [entry("EdDSA")]
    assert ids() == []
    settings.DJWTO_KEYS = [entry("HS256"), entry("HS512")]
    messages = check_djwto_settings()
    assert [m.id for m in messages] == ["djwto.I031"]
    assert "404" in messages[0].msg and not messages[0].is_serious()
    settings.DJWTO_KEYS = [entry("EdDSA")]
    settings.ROOT_URLCONF = "tests.keys.urls_without_jwks"
    assert ids() == ["djwto.I030"]
    settings.DJWTO_KEYS = [entry("HS256")]
    assert ids() == []  # nothing to publish, no route: nothing to say
    del settings.ROOT_URLCONF
