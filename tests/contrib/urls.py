from django.urls import include, path

from tests.contrib import drf_views, views
from tests.contrib.ninja_api import api as ninja_api

urlpatterns = [
    path("", include("djwto.urls")),
    path("mw/private/", views.private),
    path("mw/whoami/", views.whoami),
    path("mw/awhoami/", views.awhoami),
    path("mw/reports/", views.Reports.as_view()),
    path("mw/untouched/", views.untouched),
    path("drf/echo/", drf_views.Echo.as_view()),
    path("drf/stateless/", drf_views.Stateless.as_view()),
    path("drf/perm1/", drf_views.Perm1.as_view()),
    path("drf/perm12/", drf_views.Perm12.as_view()),
    path("drf/mixin/", drf_views.MixinOnAPIView.as_view()),
    path("ninja/", ninja_api.urls),
    path("sj/api/token/", include("djwto.contrib.simplejwt.urls")),
]
