"""Carry djwto 0.0.4's blacklist over: every unexpired ``JWTBlacklist`` row becomes a
``DeniedToken`` row holding its ``jti`` (never the raw token in the ``token`` column).

Each row is a logged-out 0.0.4 refresh token (kind ``refresh``, reason ``logout``). It must be
remembered until the token expires: ``expires`` (+ ``DJWTO_LEEWAY``), or, where 0.0.4 left it
empty, ``created_at`` + ``DJWTO_REFRESH_TOKEN_LIFETIME`` (0.0.4's lifetime, as configured;
default one day). Rows already expired are not copied.

0.0.4 wrote ``expires`` as a naive UTC time, which Django stored as a time of ``TIME_ZONE``:
on a site whose ``TIME_ZONE`` is not UTC the stored value is off by the zone's offset. The
later of the stored value and the corrected one is kept, so a copied row never expires before
its token does.

Reverse: the refused refresh ``jti`` values are written back to ``JWTBlacklist`` (with no
token, which 0.0.4 never read), so a site that goes back to 0.0.4 keeps its logouts.
"""

from datetime import UTC, timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

DEFAULT_LIFETIME = timedelta(days=1)


def _setting(name, default):
    value = getattr(settings, name, default)
    return value if isinstance(value, timedelta) and value >= timedelta(0) else default


def _has_table(schema_editor, table):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return table in connection.introspection.table_names(cursor)


def _token_expiry(expires):
    """The later of ``expires`` as stored and as 0.0.4 meant it (a naive UTC time)."""
    local = timezone.get_default_timezone()
    if timezone.is_aware(expires):
        meant = timezone.make_aware(timezone.make_naive(expires, local), UTC)
    else:
        meant = timezone.make_naive(timezone.make_aware(expires, UTC), local)
    return max(expires, meant)


def copy_blacklist(apps, schema_editor):
    JWTBlacklist = apps.get_model("djwto", "JWTBlacklist")
    DeniedToken = apps.get_model("djwto", "DeniedToken")
    alias = schema_editor.connection.alias
    if not _has_table(schema_editor, JWTBlacklist._meta.db_table):
        return  # a database of a development version of djwto 1.x: nothing to carry over
    lifetime = _setting("DJWTO_REFRESH_TOKEN_LIFETIME", DEFAULT_LIFETIME) or DEFAULT_LIFETIME
    leeway = _setting("DJWTO_LEEWAY", timedelta(0))
    now = timezone.now()
    known = set(DeniedToken._default_manager.using(alias).values_list("jti", flat=True))
    rows = (
        JWTBlacklist._default_manager.using(alias)
        .values_list("jti", "expires", "created_at")  # never the ``token`` column
        .iterator()
    )
    batch = []
    for jti, expires, created_at in rows:
        if jti in known:
            continue
        created_at = created_at or now
        if expires is not None:
            expires_at = _token_expiry(expires) + leeway
        else:
            expires_at = created_at + lifetime + leeway
        if expires_at <= now:
            continue
        batch.append(
            DeniedToken(
                jti=jti,
                token_type="refresh",
                reason="logout",
                user_id="",
                expires_at=expires_at,
                created_at=created_at,
            )
        )
    DeniedToken._default_manager.using(alias).bulk_create(batch, batch_size=500)


def copy_back(apps, schema_editor):
    JWTBlacklist = apps.get_model("djwto", "JWTBlacklist")
    DeniedToken = apps.get_model("djwto", "DeniedToken")
    alias = schema_editor.connection.alias
    if not _has_table(schema_editor, JWTBlacklist._meta.db_table):
        return
    known = set(JWTBlacklist._default_manager.using(alias).values_list("jti", flat=True))
    rows = (
        DeniedToken._default_manager.using(alias)
        .filter(token_type="refresh")
        .values_list("jti", "expires_at")
    )
    JWTBlacklist._default_manager.using(alias).bulk_create(
        [
            JWTBlacklist(jti=jti, token=None, expires=expires)
            for jti, expires in rows
            if jti not in known
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("djwto", "0002_deniedtoken"),
    ]

    operations = [
        migrations.RunPython(copy_blacklist, copy_back, elidable=False),
    ]
