"""The queries of the token endpoints' hot paths, without the ORM's cost of building them.

Building an ORM query costs ~10x running it on an indexed column. Each function here answers
exactly what its ORM counterpart answers, with SQL compiled or written once, and falls back to
the ORM wherever that sameness is not certain (a custom manager, backend or router).

``get_all_permissions(user)``: with Django's ``ModelBackend`` the permissions cost two ORM
queries (the user's own and those of their groups). We run the very same two querysets,
compiled once per user class into one ``UNION`` statement with the user's primary key as the
only parameter, when every configured authentication backend is exactly ``ModelBackend`` or
``AllowAllUsersModelBackend``, the user model does not override ``get_all_permissions``, no
database router is configured and the user was loaded from the default database. The result
is the same set (and is kept in ``user._perm_cache``, as ``ModelBackend`` does).

``get_user_by_pk(User, pk)``: ``User._default_manager.get(pk=pk)`` as one raw select of the
model's columns, each value converted by the converters the ORM applies and the instance built
by ``Model.from_db`` (as every queryset does), when the default manager and its queryset are
Django's own and the model has no multi-table parent.

``authenticate(request, **credentials)``: ``django.contrib.auth.authenticate()`` when the only
authentication backend is exactly ``ModelBackend`` or ``AllowAllUsersModelBackend`` and the
credentials are the username field and the password: ``ModelBackend.authenticate`` step by step
(the timing-equalising hash for an unknown user, ``check_password``, ``user_can_authenticate``,
``user.backend``, ``user_login_failed`` with the cleansed credentials), with its
``get_by_natural_key`` query run as the same raw select (where the manager's
``get_by_natural_key`` is Django's own). Building those two ORM queries and binding the
backend's signature cost about half of a login.

``update_last_login(user)``: Django's ``update_last_login(None, user)`` (``last_login = now``,
then ``save(update_fields=["last_login"])``) as one raw ``UPDATE``, when nothing could tell the
difference: the saving methods are Django's own, no ``pre_save``/``post_save`` receiver
listens for the user model, and ``last_login`` is a plain ``DateTimeField``.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth import _clean_credentials, get_user_model, load_backend
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth.signals import user_login_failed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.models import DateTimeField, Manager, Model, QuerySet
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .conf import on_clear_derived
from .denylist import convert_row, row_converters

# django.contrib.auth's models and backends are imported in the functions: this module is
# imported (through djwto.tokens) before the app registry is ready.

#: (user class, superuser) -> (sql, number of parameters), or None where it can't be used.
_statements: dict[tuple[type, bool], tuple[str, int] | None] = {}
on_clear_derived(_statements.clear)


@functools.lru_cache(maxsize=8)
def _model_backends(paths: tuple[str, ...]) -> tuple | None:
    """The backends of ``paths`` if there are some and each is exactly ``ModelBackend`` or
    ``AllowAllUsersModelBackend`` (not a subclass, which may answer otherwise); else ``None``."""
    from django.contrib.auth.backends import AllowAllUsersModelBackend, ModelBackend

    backends = tuple(load_backend(path) for path in paths)
    if backends and all(type(b) in (ModelBackend, AllowAllUsersModelBackend) for b in backends):
        return backends
    return None


def _querysets(user: Any) -> Any:
    """ModelBackend's own querysets (``_get_permissions``), as one UNION."""
    from django.contrib.auth.models import Permission

    if user.is_superuser:
        return (
            Permission.objects.all().values_list("content_type__app_label", "codename").order_by()
        )
    own = user.user_permissions.all()
    groups = Permission.objects.filter(group__in=user.groups.all())
    # Each side and the union itself unordered: Permission's Meta.ordering names columns the
    # union does not select (Django 6 applies it to the combined query).
    return (
        own.values_list("content_type__app_label", "codename")
        .order_by()
        .union(groups.values_list("content_type__app_label", "codename").order_by())
        .order_by()
    )


def _prep_pk(user: Any) -> Any:
    return type(user)._meta.pk.get_db_prep_value(
        user.pk, connections[DEFAULT_DB_ALIAS], prepared=False
    )


def _statement(user: Any) -> tuple[str, int] | None:
    key = (type(user), bool(user.is_superuser))
    try:
        return _statements[key]
    except KeyError:
        pass
    try:
        sql, params = _querysets(user).query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    except DatabaseError:
        # A Django whose compiler refuses this shape: use user.get_all_permissions().
        _statements[key] = None
        return None
    pk = _prep_pk(user)
    # The primary key must be the only parameter, or we don't know how to reuse the SQL.
    compiled = (sql, len(params)) if all(p == pk for p in params) else None
    _statements[key] = compiled
    return compiled


def _can_use_fast_path(user: Any) -> bool:
    from django.contrib.auth.models import PermissionsMixin

    return (
        not hasattr(user, "_perm_cache")
        and isinstance(user, PermissionsMixin)
        and type(user).get_all_permissions is PermissionsMixin.get_all_permissions
        and not settings.DATABASE_ROUTERS
        and user._state.db in (None, DEFAULT_DB_ALIAS)
        and user.pk is not None
        and _model_backends(tuple(settings.AUTHENTICATION_BACKENDS)) is not None
    )


def get_all_permissions(user: Any) -> set[str]:
    """The same set as ``user.get_all_permissions()``, in one query where that is certain."""
    if not _can_use_fast_path(user):
        return user.get_all_permissions()
    if not user.is_active:
        return set()
    statement = _statement(user)
    if statement is None:
        return user.get_all_permissions()
    sql, n_params = statement
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, [_prep_pk(user)] * n_params)
        perms = {f"{app_label}.{codename}" for app_label, codename in cursor.fetchall()}
    user._perm_cache = perms
    return perms


# --- the user of a token, and of a login ----------------------------------------------------


@functools.lru_cache(maxsize=32)
def _user_select(model: type, alias: str, column: str) -> tuple[str, tuple[str, ...]]:
    """(SQL, attnames): a select of ``model``'s columns by one column."""
    quote = connections[alias].ops.quote_name
    fields = model._meta.concrete_fields
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)} "  # noqa: S608
        f"FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s"
    )
    return sql, tuple(field.attname for field in fields)


def _has_plain_manager(model: type) -> bool:
    manager, meta = model._default_manager, model._meta
    return (
        type(manager).get_queryset is Manager.get_queryset
        and manager._queryset_class is QuerySet
        and not meta.parents
        and len(getattr(meta, "pk_fields", [meta.pk])) == 1
    )


def _get_user_by(model: type, field: Any, value: Any) -> Any:
    """``model._default_manager.get(<field>=value)`` as one raw select; same answers."""
    manager = model._default_manager
    alias = manager._db or router.db_for_read(model, **manager._hints)
    connection = connections[alias]
    # Converts as the ORM's exact lookup does, raising ValueError/TypeError/ValidationError alike.
    prepared = field.get_db_prep_value(value, connection, prepared=False)
    sql, attnames = _user_select(model, alias, field.column)
    with connection.cursor() as cursor:
        cursor.execute(sql, [prepared])
        rows = cursor.fetchmany(2)
    if len(rows) != 1:
        if rows:  # not unique: let the ORM raise MultipleObjectsReturned
            return manager.get(**{field.name: value})
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    values = convert_row(rows[0], row_converters(model, attnames, connection), connection)
    return model.from_db(alias, attnames, values)


def get_user_by_pk(model: type, pk: Any) -> Any:
    """``model._default_manager.get(pk=pk)``, with the same answers and the same exceptions."""
    if not _has_plain_manager(model):
        return model._default_manager.get(pk=pk)
    return _get_user_by(model, model._meta.pk, pk)


def get_user_by_natural_key(model: type, username: Any) -> Any:
    """``model._default_manager.get_by_natural_key(username)``, likewise."""
    from django.contrib.auth.base_user import BaseUserManager

    manager = model._default_manager
    field = model._meta.get_field(model.USERNAME_FIELD)
    if (
        not _has_plain_manager(model)
        or type(manager).get_by_natural_key is not BaseUserManager.get_by_natural_key
        or field.is_relation
        or not field.concrete
    ):
        return manager.get_by_natural_key(username)
    return _get_user_by(model, field, username)


@sensitive_variables("credentials", "password")
def authenticate(request: Any = None, **credentials: Any) -> Any:
    """``django.contrib.auth.authenticate()``: the same user, signal and timing, faster."""
    paths = tuple(settings.AUTHENTICATION_BACKENDS)
    backends = _model_backends(paths)
    model = get_user_model()
    if (
        backends is None
        or len(backends) != 1
        or set(credentials) != {model.USERNAME_FIELD, "password"}
    ):
        return django_authenticate(request, **credentials)
    backend = backends[0]
    username, password = credentials[model.USERNAME_FIELD], credentials["password"]
    user = None
    if username is not None and password is not None:
        try:
            user = get_user_by_natural_key(model, username)
        except model.DoesNotExist:
            # As ModelBackend: hash once, so an unknown user takes as long as a wrong password.
            model().set_password(password)
        else:
            if not (user.check_password(password) and backend.user_can_authenticate(user)):
                user = None
    if user is None:
        user_login_failed.send(
            sender="django.contrib.auth",
            credentials=_clean_credentials(credentials),
            request=request,
        )
        return None
    user.backend = paths[0]
    return user


# --- last_login -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _plain_last_login_save(model: type) -> tuple[str, str, str] | None:
    """(table, column, pk column) if saving ``last_login`` is Django's own plain save."""
    from django.contrib.auth.base_user import AbstractBaseUser

    meta = model._meta
    try:
        field = meta.get_field("last_login")
    except Exception:
        return None
    savers = [cls for cls in model.__mro__ if "save" in cls.__dict__]
    plain = (
        savers == [AbstractBaseUser, Model]
        and all(
            getattr(model, name) is getattr(Model, name)
            for name in ("save_base", "_save_table", "_do_update", "_save_parents")
        )
        and not meta.parents
        and not meta.select_on_save
        and meta.base_manager_name is None
        and len(getattr(meta, "pk_fields", [meta.pk])) == 1
        and type(field).pre_save is DateTimeField.pre_save
        and not field.auto_now
        and field in meta.local_concrete_fields
        and not any(f.is_relation for f in meta.concrete_fields)
    )
    if not plain:
        return None
    return meta.db_table, field.column, meta.pk.column


def update_last_login(user: Any) -> None:
    """``django.contrib.auth.models.update_last_login(None, user)``, in one raw UPDATE."""
    model = type(user)
    names = _plain_last_login_save(model)
    if (
        names is None
        or user._state.adding
        or user.pk is None
        or getattr(user, "_password", None) is not None
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        from django.contrib.auth.models import update_last_login as django_update_last_login

        django_update_last_login(None, user)
        return
    user.last_login = timezone.now()
    using = router.db_for_write(model, instance=user)
    connection = connections[using]
    quote = connection.ops.quote_name
    table, column, pk_column = names
    field = model._meta.get_field("last_login")
    params = [
        field.get_db_prep_save(user.last_login, connection),
        model._meta.pk.get_db_prep_value(user.pk, connection, prepared=False),
    ]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
            f"WHERE {quote(pk_column)} = %s",
            params,
        )
        updated = cursor.rowcount
    if not updated:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    user._state.db = using
