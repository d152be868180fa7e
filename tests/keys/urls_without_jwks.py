"""A URLconf without djwto.urls: the JWKS document is served nowhere (djwto.I030)."""

from django.urls import path

from tests.testapp import views

urlpatterns = [path("protected/", views.Protected.as_view(), name="protected")]
