"""djwto: JWT authentication for plain Django, as class-based view mixins and generic views.

The names below are importable from ``djwto`` directly; each is loaded on first use so that
importing the package never touches models or settings. Type checkers see them as plain
imports (the ``TYPE_CHECKING`` block), so ``djwto.LoginView`` is the class, not ``Any``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decorators import jwt_login_required, jwt_perm_required
    from .mixins import JWTPermissionMixin, JWTRequiredMixin
    from .sessions import revoke_user_sessions
    from .views import LoginView, LogoutAllView, LogoutView, RefreshView, ValidateView

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

# Spelled out (not derived from _LAZY) so that type checkers and linters read it.
__all__ = [
    "JWTPermissionMixin",
    "JWTRequiredMixin",
    "LoginView",
    "LogoutAllView",
    "LogoutView",
    "RefreshView",
    "ValidateView",
    "__version__",
    "jwt_login_required",
    "jwt_perm_required",
    "revoke_user_sessions",
]


def __getattr__(name: str) -> Any:
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'djwto' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
