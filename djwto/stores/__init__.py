"""Denylist stores: where revocations live. Pick one with ``DJWTO_DENYLIST_BACKEND``.

- :class:`DatabaseStore` (``"djwto.stores.DatabaseStore"``, the default): rows of
  :class:`djwto.models.DeniedToken`;
- :class:`CacheStore` (``"djwto.stores.CacheStore"``): a Django cache, Redis in production,
  optionally with a per-process copy kept exact by Redis (``DJWTO_DENYLIST_LOCAL_CACHE``);
- your own: subclass :class:`BaseStore` and check it with
  :class:`djwto.stores.testing.StoreContract`.

Every store gives the one guarantee rotation needs: :meth:`BaseStore.add` is atomic, so of two
concurrent ``add`` calls for one key exactly one returns ``True``.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from ..conf import derived, djwto_settings
from .base import MAX_KEY_LENGTH, BaseStore, Entry, Kind, Reason, aware_datetime, utc_datetime
from .cache import CacheStore, decode_entry, encode_entry
from .database import DatabaseStore, convert_row, row_converters
from .redis_local import LocalCopy

__all__ = [
    "MAX_KEY_LENGTH",
    "BaseStore",
    "CacheStore",
    "DatabaseStore",
    "Entry",
    "Kind",
    "LocalCopy",
    "Reason",
    "aware_datetime",
    "convert_row",
    "decode_entry",
    "encode_entry",
    "get_store",
    "row_converters",
    "utc_datetime",
]


@derived
def get_store() -> BaseStore:
    """The store ``DJWTO_DENYLIST_BACKEND`` names (a dotted path or a class), one per settings."""
    backend = djwto_settings.DENYLIST_BACKEND
    cls = import_string(backend) if isinstance(backend, str) else backend
    store: BaseStore = cls()
    return store
