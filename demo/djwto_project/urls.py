"""The demo's routes: djwto's default routes at the root, the login overridden by the demo's
subclass (which adds the email to the tokens), the test app and the page."""

from django.contrib import admin
from django.urls import include, path, re_path
from testapp import views
from testapp.api import DRFMe, ninja_api

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    # Before djwto.urls, so it wins over djwto's own "login/".
    path("login/", views.DemoLoginView.as_view(), name="login"),
    path("", include("djwto.urls")),
    path("testapp/", include("testapp.urls")),
    path("admin/", admin.site.urls),
    path("api/drf/me/", DRFMe.as_view(), name="drf-me"),
    path("api/ninja/", ninja_api.urls),
    # DEMO ONLY: serve the page's CSS and JS whatever DEBUG says and whichever server runs
    # (runserver or gunicorn), so the demo needs no collectstatic. Use a real static file
    # server (whitenoise, nginx, a CDN) in a deployment.
    re_path(r"^static/(?P<path>.*)$", views.demo_static, name="demo-static"),
]
