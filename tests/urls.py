from django.urls import include, path

from tests.testapp import views

urlpatterns = [
    path("", include("djwto.urls")),
    path("protected/", views.Protected.as_view(), name="protected"),
    path("aprotected/", views.AsyncProtected.as_view(), name="aprotected"),
    path("perm/", views.PermProtected.as_view(), name="perm"),
    path("aperm/", views.AsyncPermProtected.as_view(), name="aperm"),
    path("fn/", views.fn_protected, name="fn"),
    path("afn/", views.afn_protected, name="afn"),
    path("fnperm/", views.fn_perm_protected, name="fnperm"),
    path("afnperm/", views.afn_perm_protected, name="afnperm"),
]
