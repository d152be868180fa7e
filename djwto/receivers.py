"""Signal receivers: a password change or a deactivation ends the user's access tokens too.

Refresh tokens of such a user are refused anyway (the ``stamp`` claim derives from the password
hash, and a refresh reloads the user and requires ``is_active``). Access tokens are checked
against the store only with ``DJWTO_CHECK_ACCESS_REVOCATION``; with it on, saving a user whose
stored password hash or ``is_active`` changed (to false) writes a user cut-off
(:func:`djwto.sessions.revoke_user_sessions`), so the access tokens issued before it are refused
at once. With it off nothing is written: the cut-off would change nothing a request checks, and
reactivating a user keeps reviving their sessions as documented.

The stored values are read with one query in ``pre_save`` (skipped for new users and for saves
whose ``update_fields`` name neither field, such as ``update_last_login``); the cut-off is
written in ``post_save``, after the new password is in place, so that a login racing the change
is covered too.
"""

from __future__ import annotations

import weakref
from typing import Any

from django.conf import settings
from django.db.models.signals import post_save, pre_save

from .conf import djwto_settings

#: Users being saved whose password or active state changes: they get a cut-off once saved.
_pending: weakref.WeakSet[Any] = weakref.WeakSet()
_WATCHED = frozenset(("password", "is_active"))


def _is_on() -> bool:
    return bool(djwto_settings.CHECK_ACCESS_REVOCATION)


def _is_user_model(sender: Any) -> bool:
    """Whether ``sender`` is ``AUTH_USER_MODEL`` (or a proxy of it), read now."""
    label: str = sender._meta.concrete_model._meta.label_lower
    return label == str(settings.AUTH_USER_MODEL).lower()


def user_pre_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """Remember ``instance`` if its save changes the stored password or deactivates it."""
    if raw or not _is_on() or not _is_user_model(sender):
        return
    if instance.pk is None:
        return
    _pending.discard(instance)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not _WATCHED & set(update_fields):
        return
    columns = {field.name for field in sender._meta.concrete_fields}
    fields = [name for name in ("password", "is_active") if name in columns]
    if not fields:
        return
    manager = sender._default_manager.using(kwargs.get("using"))
    stored = manager.filter(pk=instance.pk).values(*fields).first()
    if stored is None:  # a new row with a preset primary key
        return
    password_changed = "password" in stored and stored["password"] != instance.password
    deactivated = "is_active" in stored and stored["is_active"] and not instance.is_active
    if password_changed or deactivated:
        _pending.add(instance)


def user_post_save(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """Write the cut-off for a user :func:`user_pre_save` remembered; a store failure raises
    (:class:`~djwto.exceptions.StoreUnavailable`), so the caller learns the access tokens
    still work."""
    if not _pending or instance not in _pending:
        return
    _pending.discard(instance)
    from .sessions import revoke_user_sessions

    revoke_user_sessions(instance)


def connect() -> None:
    """Connect the receivers (``AppConfig.ready``). For every model: ``AUTH_USER_MODEL`` is
    read at each save, so a swapped user model (``override_settings``) is followed."""
    pre_save.connect(user_pre_save, dispatch_uid="djwto.receivers.user_pre_save")
    post_save.connect(user_post_save, dispatch_uid="djwto.receivers.user_post_save")
