from django.urls import include, path

from tests.contrib import views

urlpatterns = [
    path("", include("djwto.urls")),
    path("mw/private/", views.private),
    path("mw/whoami/", views.whoami),
    path("mw/awhoami/", views.awhoami),
    path("mw/reports/", views.Reports.as_view()),
    path("mw/untouched/", views.untouched),
]
