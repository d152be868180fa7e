"""The database store: rows of :class:`djwto.models.DeniedToken`, on any database Django supports.

``add`` is a unique insert in a savepoint, so of two concurrent ``add`` calls for one key
exactly one returns ``True``; ``put_many`` is one transaction.
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.utils import timezone

from ..conf import on_clear_derived
from .base import BaseStore, Entry, utc_datetime

if TYPE_CHECKING:
    from ..models import DeniedToken

#: A field's converters and the column expression they are called with.
Converters = list[tuple[list[Callable[..., Any]], Any]]

#: connection -> {(model, names): converters}; a connection's converters are its own methods.
_converters: weakref.WeakKeyDictionary[
    BaseDatabaseWrapper, dict[tuple[type[Model], tuple[str, ...]], Converters]
] = weakref.WeakKeyDictionary()
on_clear_derived(_converters.clear)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    """The concrete field ``name`` of ``model`` (the entry fields all are)."""
    return cast("Field[Any, Any]", model._meta.get_field(name))


def _column(model: type[Model], name: str) -> str:
    column = _field(model, name).column
    if column is None:
        raise ImproperlyConfigured(f"{model.__name__}.{name} has no database column.")
    return column


def row_converters(
    model: type[Model], names: tuple[str, ...], connection: BaseDatabaseWrapper
) -> Converters:
    """Per field of ``model`` in ``names``, the converters the ORM applies to its values read
    from ``connection``; kept per connection."""
    kept = _converters.setdefault(connection, {})
    try:
        return kept[model, names]
    except KeyError:
        pass
    converters: Converters = []
    for name in names:
        col = _field(model, name).get_col(model._meta.db_table)
        converters.append(
            (connection.ops.get_db_converters(col) + col.get_db_converters(connection), col)
        )
    kept[model, names] = converters
    return converters


def convert_row(
    row: Sequence[Any], converters: Converters, connection: BaseDatabaseWrapper
) -> list[Any]:
    """``row``'s values as the ORM would give them (see :func:`row_converters`)."""
    values = []
    for value, (functions, col) in zip(row, converters, strict=False):
        for convert in functions:
            value = convert(value, col, connection)
        values.append(value)
    return values


_ENTRY_FIELDS = ("jti", "token_type", "reason", "user_id", "expires_at", "created_at")


@functools.lru_cache(maxsize=32)
def _lookup_sql(model: type[Model], alias: str, n_keys: int) -> str:
    """A raw select of the entry fields of the rows of ``n_keys`` keys, for ``alias``."""
    quote = connections[alias].ops.quote_name
    columns = [quote(_column(model, name)) for name in _ENTRY_FIELDS]
    # Identifiers quoted by the backend; every value is a parameter.
    return (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {columns[0]} IN ({', '.join(['%s'] * n_keys)})"
    )


def _for_db(value: datetime) -> datetime:
    """What a ``DateTimeField`` takes: aware with ``USE_TZ``, naive local time without."""
    if settings.USE_TZ or value.tzinfo is None:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())


class DatabaseStore(BaseStore):
    """Rows of :class:`djwto.models.DeniedToken`; purge them with ``manage.py delete_tokens``."""

    @property
    def model(self) -> type[DeniedToken]:
        from ..models import DeniedToken  # late: stores are imported before apps are ready

        return DeniedToken

    @property
    def db_alias(self) -> str:
        return router.db_for_write(self.model)

    def lookup(self, keys: Iterable[str]) -> dict[str, Entry]:
        # One raw indexed query on djwto's own table, without the ORM's cost of building it;
        # the values of the rows found go through the converters the ORM would apply. The
        # SQL is built once per model, database and number of keys.
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(_lookup_sql(model, alias, len(keys)), keys)
            rows = cursor.fetchall()
        if not rows:
            return {}
        converters = row_converters(model, _ENTRY_FIELDS, connection)
        found = {}
        for row in rows:
            jti, kind, reason, user_id, expires_at, created_at = convert_row(
                row, converters, connection
            )
            found[jti] = Entry(
                jti, kind, reason, user_id, utc_datetime(expires_at), utc_datetime(created_at)
            )
        return found

    def _fields(self, entry: Entry) -> dict[str, Any]:
        return {
            "token_type": str(entry.kind),
            "reason": str(entry.reason),
            "user_id": entry.user_id[:255],
            "expires_at": _for_db(entry.expires_at),
            "created_at": _for_db(entry.created_at),
        }

    def add(self, entry: Entry) -> bool:
        try:
            # A savepoint, so a lost race never breaks the caller's transaction.
            with transaction.atomic(using=self.db_alias):
                self.model._default_manager.create(jti=entry.key, **self._fields(entry))
        except IntegrityError:
            return False
        return True

    def put(self, entry: Entry) -> None:
        self.model._default_manager.update_or_create(jti=entry.key, defaults=self._fields(entry))

    def put_many(self, entries: list[Entry]) -> None:
        with transaction.atomic(using=self.db_alias):
            for entry in entries:
                self.put(entry)

    def purge_expired(self) -> int:
        deleted, _ = self.model._default_manager.filter(expires_at__lte=_purge_before()).delete()
        return deleted


def _purge_before() -> datetime:
    """The ``expires_at`` up to which rows have surely expired.

    With ``USE_TZ = False`` the rows hold naive local times, read as the later instant of a
    repeated hour (see :func:`~djwto.stores.base.aware_datetime`). While that hour runs for
    the first time, a row of the same wall-clock hour may expire in its second run, later
    today: only rows before the repeated hour are purged then.
    """
    if settings.USE_TZ:
        return timezone.now()
    now = datetime.fromtimestamp(time.time(), UTC)
    zone = timezone.get_default_timezone()
    local = now.astimezone(zone)
    wall = local.replace(tzinfo=None)
    first, second = (wall.replace(fold=f, tzinfo=zone).utcoffset() for f in (0, 1))
    if local.fold == 0 and first is not None and second is not None and first > second:
        return wall - (first - second)  # before the repeated hour began
    return wall
