"""What the test suites share, each defined once: constants, error assertions, the clock,
the PostgreSQL and Redis services (see ``services`` for their variables), server processes.

Import from here (``from tests.support import P, assert_error``), except the server processes
(``tests.support.processes``, for the suites that start servers); ``summary`` is the script
that sums up ``make test``'s passes.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each name's module, imported on first use: tests/settings.py (and the session servers'
# settings) import ``tests.support.services`` before Django is set up, when the modules that
# import djwto must not be loaded yet.
_WHERE = {
    "JWS_RE": "assertions",
    "assert_error": "assertions",
    "assert_no_token_issued": "assertions",
    "assert_not_5xx": "assertions",
    "assert_rejected": "assertions",
    "cookie_attrs": "assertions",
    "set_cookie_headers": "assertions",
    "set_cookies": "assertions",
    "Session": "clients",
    "login": "clients",
    "Clock": "clock",
    "ACCESS_CARRIERS": "constants",
    "ACCESS_COOKIE": "constants",
    "ACCESS_PATHS": "constants",
    "COOKIE_MODES": "constants",
    "CSRF": "constants",
    "MODES": "constants",
    "P": "constants",
    "PASSWORD": "constants",
    "PROTECTED": "constants",
    "PROTECTED_BY_FLAVOUR": "constants",
    "REFRESH_CARRIERS": "constants",
    "REFRESH_ENDPOINTS": "constants",
    "REPO": "constants",
    "TOKEN_COOKIES": "constants",
    "bearer": "constants",
    "POSTGRES_URL": "services",
    "bench_environment": "services",
    "REDIS_URL": "services",
    "postgres_admin": "services",
    "postgres_params": "services",
    "postgres_url": "services",
    "redis_client": "services",
    "redis_keys_removed": "services",
    "require_postgres": "services",
    "require_redis": "services",
    "throwaway_database": "services",
    "USER_CHANGES": "tokens",
    "change_user": "tokens",
    "decode_unverified": "tokens",
    "make_pair": "tokens",
    "sign": "tokens",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
