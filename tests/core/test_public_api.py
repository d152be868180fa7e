"""``import djwto`` touches no models or settings; the public names load on first use."""

from __future__ import annotations

import pytest

import djwto


def test_public_names_are_the_real_objects():
    from djwto import decorators, mixins, sessions, views

    assert djwto.LoginView is views.LoginView
    assert djwto.RefreshView is views.RefreshView
    assert djwto.LogoutAllView is views.LogoutAllView
    assert djwto.JWTPermissionMixin is mixins.JWTPermissionMixin
    assert djwto.jwt_perm_required is decorators.jwt_perm_required
    assert djwto.revoke_user_sessions is sessions.revoke_user_sessions
    assert set(djwto.__all__) >= {"__version__", "LoginView", "JWTRequiredMixin"}


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="NotAThing"):
        djwto.NotAThing  # noqa: B018
    assert not hasattr(djwto, "JWTBlacklist")  # the 0.0.4 model is gone


def test_all_lists_exactly_the_lazy_names():
    # __all__ is spelled out for type checkers; it must not drift from what loads.
    assert set(djwto.__all__) == {"__version__", *djwto._LAZY}
    for name in djwto.__all__:
        assert getattr(djwto, name) is not None


def test_import_needs_no_settings_and_loads_no_views_or_models():
    """Without DJANGO_SETTINGS_MODULE: importing djwto and djwto.typing must still work."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, djwto, djwto.typing\n"
        "from djwto.typing import JWTRequest\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('djwto.'))\n"
        "assert loaded == ['djwto.typing'], loaded\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
