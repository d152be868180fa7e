"""simplejwt's routes; include them under ``api/token/`` as simplejwt's documentation does."""

from django.urls import path

from .views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView, TokenVerifyView

urlpatterns = [
    path("", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("verify/", TokenVerifyView.as_view(), name="token_verify"),
    path("blacklist/", TokenBlacklistView.as_view(), name="token_blacklist"),
]
