from django.urls import path

from . import views

app_name = "testapp"

urlpatterns = [
    path("protect/", views.ProtectedView.as_view(), name="protect"),
    path("perms_protect/", views.PermsProtectedView.as_view(), name="perms_protect"),
    path("async_protect/", views.AsyncProtectedView.as_view(), name="async_protect"),
    path("claims/", views.ClaimsView.as_view(), name="claims"),
]
