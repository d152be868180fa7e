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
