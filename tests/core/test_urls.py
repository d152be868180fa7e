"""The default routes keep djwto 0.0.4's names and paths."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from djwto import urls as djwto_urls
from djwto.views import LoginView, LogoutAllView, LogoutView, RefreshView, ValidateView

ROUTES = {
    "login": ("/login/", LoginView),
    "validate_access": ("/validate_access/", ValidateView),
    "validate_refresh": ("/api/token/refresh/validate_refresh/", ValidateView),
    "refresh_access": ("/api/token/refresh/refresh_access/", RefreshView),
    "update_refresh": ("/api/token/refresh/update_refresh/", RefreshView),
    "logout": ("/api/token/refresh/logout/", LogoutView),
    "logout_all": ("/api/token/refresh/logout_all/", LogoutAllView),
}


@pytest.mark.parametrize("name", ROUTES)
def test_route_names_resolve_to_the_004_paths(name):
    path, view_class = ROUTES[name]
    assert reverse(name) == path
    match = resolve(path)
    assert match.url_name == name
    assert match.func.view_class is view_class


def test_each_route_is_configured_for_its_job():
    kwargs = {p.name: p.callback.view_initkwargs for p in djwto_urls.urlpatterns}
    assert kwargs["validate_access"] == {"token_type": "access"}
    assert kwargs["validate_refresh"] == {"token_type": "refresh"}
    assert kwargs["refresh_access"] == {}
    assert kwargs["update_refresh"] == {"rotate": True}


def test_refresh_endpoints_sit_under_the_refresh_cookie_path():
    for name in ("validate_refresh", "refresh_access", "update_refresh", "logout", "logout_all"):
        assert reverse(name).startswith("/api/token/refresh/")
    for name in ("login", "validate_access"):
        assert not reverse(name).startswith("/api/token/refresh/")
