"""djwto.test's pytest plugin, loaded here as a project's tests get it from the entry point
(this tree is not installed, so the entry point is not registered in this environment)."""

from djwto.test.pytest_plugin import (  # noqa: F401
    async_jwt_client,
    jwt_client,
    jwt_clock,
    jwt_logged_in_client,
    jwt_tokens,
    jwt_user,
)
