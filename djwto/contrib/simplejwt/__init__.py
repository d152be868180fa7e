"""Endpoints that answer exactly like djangorestframework-simplejwt's, on djwto's views.

    urlpatterns = [path("api/token/", include("djwto.contrib.simplejwt.urls"))]

gives ``api/token/`` (obtain pair), ``refresh/``, ``verify/`` and ``blacklist/`` with
simplejwt's request and response bodies, error bodies and status codes, so a frontend written
for simplejwt keeps working. Tokens always travel in the body here, whatever ``DJWTO_MODE``.
"""
