"""djwto: JWT authentication for plain Django, as class-based view mixins and generic views.

The names below are importable from ``djwto`` directly; each is loaded on first use so that
importing the package never touches models or settings.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "1.0.0.dev0"

_LAZY = {
    "JWTRequiredMixin": "djwto.mixins",
    "JWTPermissionMixin": "djwto.mixins",
    "LoginView": "djwto.views",
    "RefreshView": "djwto.views",
    "ValidateView": "djwto.views",
    "LogoutView": "djwto.views",
    "LogoutAllView": "djwto.views",
    "jwt_login_required": "djwto.decorators",
    "jwt_perm_required": "djwto.decorators",
    "revoke_user_sessions": "djwto.sessions",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'djwto' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
