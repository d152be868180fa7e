from django.urls import include, path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from benchmarks import bench_views as v

urlpatterns = [
    path("plain/", v.Plain.as_view()),
    path("floor/stdlib/", v.StdlibFloor.as_view()),
    path("floor/joserfc/", v.JoserfcFloor.as_view()),
    path("django/login/", v.DjangoLogin.as_view()),
    path("djwto/json/", v.DjwtoProtected.as_view()),
    path("djwto/two-cookies/", v.DjwtoTwoCookies.as_view()),
    path("djwto/perm/", v.DjwtoPermission.as_view()),
    path("djwto/db-user/", v.DjwtoDatabaseUser.as_view()),
    # login/, api/token/refresh/refresh_access/, api/token/refresh/update_refresh/, ...
    path("", include("djwto.urls")),
    path("sj/stateless/", v.SimplejwtStateless.as_view()),
    path("sj/db-user/", v.SimplejwtDatabaseUser.as_view()),
    path("sj/login/", TokenObtainPairView.as_view()),
    path("sj/refresh/", TokenRefreshView.as_view()),
]
