"""The default routes, in djwto 0.0.4's layout (``P`` = ``DJWTO_REFRESH_COOKIE_PATH``).

The refresh-token endpoints live under ``P`` so that the ``jwt_refresh`` cookie, whose Path is
``/P``, is sent to them and to nothing else. ``P`` is read when the URLconf is loaded; the
other settings are read per request. The JWKS document is served at ``DJWTO_JWKS_PATH``
(also read when the URLconf is loaded), named ``jwks``.
"""

from django.urls import path

from .conf import get_refresh_path, get_validated
from .session_views import SessionDetailView, SessionListView
from .views import JWKSView, LoginView, LogoutAllView, LogoutView, RefreshView, ValidateView

P = get_refresh_path()

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("validate_access/", ValidateView.as_view(token_type="access"), name="validate_access"),
    path(
        f"{P}/validate_refresh/",
        ValidateView.as_view(token_type="refresh"),
        name="validate_refresh",
    ),
    path(f"{P}/refresh_access/", RefreshView.as_view(), name="refresh_access"),
    # Answers 404 while DJWTO_ALLOW_REFRESH_UPDATE is False (checked per request).
    path(f"{P}/update_refresh/", RefreshView.as_view(rotate=True), name="update_refresh"),
    path(f"{P}/logout/", LogoutView.as_view(), name="logout"),
    path(f"{P}/logout_all/", LogoutAllView.as_view(), name="logout_all"),
    path(f"{get_validated('JWKS_PATH')}", JWKSView.as_view(), name="jwks"),
    # The user's sessions; answer 404 while DJWTO_SESSION_RECORDS is False.
    path("sessions/", SessionListView.as_view(), name="sessions"),
    path("sessions/<str:sid>/", SessionDetailView.as_view(), name="session_detail"),
]
