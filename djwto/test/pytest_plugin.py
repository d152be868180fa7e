"""pytest fixtures for projects using djwto (registered through the ``pytest11`` entry point).

- ``jwt_user``: a saved active user (``jwt-user``, password ``jwt-password``); needs the
  database through pytest-django's ``db`` fixture.
- ``jwt_client`` / ``async_jwt_client``: a :class:`~djwto.test.JWTClient` /
  :class:`~djwto.test.AsyncJWTClient`, not logged in.
- ``jwt_logged_in_client``: a ``jwt_client`` logged in as ``jwt_user`` in ``DJWTO_MODE``.
- ``jwt_tokens``: :func:`~djwto.test.tokens_for` ``jwt_user``.
- ``jwt_clock``: the time frozen for the test (:func:`~djwto.test.freeze_time`).

Nothing here imports Django or djwto until a fixture runs, so the plugin costs nothing in
projects (or runs) that never use it, with or without pytest-django.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..transports import Tokens
    from . import AsyncJWTClient, Clock, JWTClient

#: The password of ``jwt_user``.
JWT_USER_PASSWORD = "jwt-password"


@pytest.fixture
def jwt_user(request: pytest.FixtureRequest) -> Any:
    """An active user saved in the test database (pytest-django's ``db`` fixture)."""
    request.getfixturevalue("db")
    from django.contrib.auth import get_user_model

    model = get_user_model()
    fields = {model.USERNAME_FIELD: "jwt-user"}
    if model.get_email_field_name() != model.USERNAME_FIELD:
        fields[model.get_email_field_name()] = "jwt-user@example.com"
    return model._default_manager.create_user(password=JWT_USER_PASSWORD, **fields)


@pytest.fixture
def jwt_client() -> JWTClient:
    from . import JWTClient

    return JWTClient()


@pytest.fixture
def async_jwt_client() -> AsyncJWTClient:
    from . import AsyncJWTClient

    return AsyncJWTClient()


@pytest.fixture
def jwt_logged_in_client(jwt_client: JWTClient, jwt_user: Any) -> JWTClient:
    jwt_client.force_jwt_login(jwt_user)
    return jwt_client


@pytest.fixture
def jwt_tokens(jwt_user: Any) -> Tokens:
    from . import tokens_for

    return tokens_for(jwt_user)


@pytest.fixture
def jwt_clock() -> Iterator[Clock]:
    from . import freeze_time

    with freeze_time() as clock:
        yield clock
