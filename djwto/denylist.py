"""The denylist stores' former home, kept so that existing imports and the dotted paths
``"djwto.denylist.DatabaseDenylist"`` / ``"djwto.denylist.CacheDenylist"`` in
``DJWTO_DENYLIST_BACKEND`` keep working. New code imports from :mod:`djwto.stores`.
"""

from __future__ import annotations

from .stores import (
    MAX_KEY_LENGTH,
    BaseStore,
    CacheStore,
    DatabaseStore,
    Entry,
    Kind,
    LocalCopy,
    Reason,
    aware_datetime,
    convert_row,
    get_store,
    row_converters,
    utc_datetime,
)

BaseDenylist = BaseStore
DatabaseDenylist = DatabaseStore
CacheDenylist = CacheStore
LocalDenylistCache = LocalCopy
get_denylist = get_store

__all__ = [
    "MAX_KEY_LENGTH",
    "BaseDenylist",
    "BaseStore",
    "CacheDenylist",
    "CacheStore",
    "DatabaseDenylist",
    "DatabaseStore",
    "Entry",
    "Kind",
    "LocalCopy",
    "LocalDenylistCache",
    "Reason",
    "aware_datetime",
    "convert_row",
    "get_denylist",
    "get_store",
    "row_converters",
    "utc_datetime",
]
