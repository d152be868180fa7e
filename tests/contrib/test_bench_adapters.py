"""benchmarks/adapters.py runs: every scenario's requests succeed and yield figures."""

from __future__ import annotations

import io

import pytest

from benchmarks import adapters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The benchmarks call Django's WSGIHandler, whose request signals close old database
    connections; Django's test client disconnects that receiver too, or the test's
    transaction would be closed under it."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_scenario_answers_2xx_and_reports_a_ratio():
    adapters.setup()
    results = {
        "drf": adapters.bench_drf(1, 3),
        "drf_distinct": adapters.bench_drf(1, 3, distinct=True),
        "authenticate": adapters.bench_drf_authenticate(1, 3),
        "middleware": adapters.bench_middleware(1, 3),
        "middleware_no_token": adapters.bench_middleware(1, 3, token=False),
    }
    for name, result in results.items():
        figures = [value for key, value in result.items() if key.endswith("_us")]
        assert len(figures) == 2 and all(value > 0 for value in figures), name
        assert result["ratio"] > 0 and isinstance(result["ok"], bool), name


def test_authentication_classes_both_authenticate():
    adapters.setup()
    from django.core.handlers.wsgi import WSGIRequest
    from rest_framework.request import Request
    from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

    from djwto.contrib.drf import JWTAuthentication

    user = adapters._user()
    for auth, token in (
        (JWTAuthentication(), adapters.djwto_token(user)),
        (JWTStatelessUserAuthentication(), adapters.simplejwt_token(user)),
    ):
        environ = {**adapters._environ("/", token), "wsgi.input": io.BytesIO(b"")}
        authenticated = auth.authenticate(Request(WSGIRequest(environ)))
        assert authenticated is not None
