"""The migrations from a djwto 0.0.4 database, a fresh one and a development one, and the
system check that reports a missing denylist table."""

from __future__ import annotations

from datetime import UTC, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from djwto.checks import check_denylist_table
from djwto.models import DeniedToken

FIRST = ("djwto", "0001_initial")
#: djwto's last migration, whichever it is (0005 added the session records).
LATEST = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("djwto")[0]
RAW = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ0ZXN0In0.c2lnbmF0dXJlLXNlZ21lbnQtcmF3"


def migrate(target: tuple[str, str | None]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection)  # a fresh loader sees what was applied


def tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def historical(executor: MigrationExecutor, node: tuple[str, str], name: str):
    return executor.loader.project_state(node).apps.get_model("djwto", name)


@pytest.fixture
def at_004(transactional_db):
    """The database as djwto 0.0.4 left it (its 0001 applied); back to the latest after."""
    executor = migrate(FIRST)
    try:
        yield executor
    finally:
        migrate(LATEST)


def test_the_first_migration_is_004s_own():
    """Byte for byte the file 0.0.4 shipped, so 0.0.4 databases and fresh ones share it."""
    from pathlib import Path

    import djwto.migrations

    ours = Path(djwto.migrations.__file__).with_name("0001_initial.py").read_text()
    assert "name='JWTBlacklist'" in ours
    assert "('jti', models.CharField(db_index=True, max_length=255, unique=True))" in ours
    assert "('token', models.TextField(db_index=True, null=True))" in ours
    assert "DeniedToken" not in ours


def test_the_models_match_the_migrations(db):
    call_command("makemigrations", "djwto", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.parametrize("lifetime", [None, timedelta(hours=1)])
def test_004_blacklist_is_copied_by_jti_and_the_table_dropped(at_004, settings, lifetime):
    if lifetime is not None:
        settings.DJWTO_REFRESH_TOKEN_LIFETIME = lifetime
    assert "djwto_jwtblacklist" in tables() and "djwto_deniedtoken" not in tables()
    JWTBlacklist = historical(at_004, FIRST, "JWTBlacklist")
    now = timezone.now()
    rows = {
        "future": (now + timedelta(hours=5), now - timedelta(hours=19)),
        "expired": (now - timedelta(seconds=5), now - timedelta(days=1)),
        "null-recent": (None, now - timedelta(minutes=90)),
        "null-old": (None, now - timedelta(days=2)),
    }
    for jti, (expires, created_at) in rows.items():
        JWTBlacklist.objects.create(jti=jti, token=f"{RAW}.{jti}", expires=expires)
        JWTBlacklist.objects.filter(jti=jti).update(created_at=created_at)

    migrate(LATEST)

    assert "djwto_jwtblacklist" not in tables()
    copied = {row.jti: row for row in DeniedToken.objects.all()}
    expected = {"future"} if lifetime else {"future", "null-recent"}
    assert set(copied) == expected
    assert copied["future"].expires_at == rows["future"][0]
    assert copied["future"].created_at == rows["future"][1]
    if not lifetime:
        assert copied["null-recent"].expires_at == rows["null-recent"][1] + timedelta(days=1)
    for row in copied.values():
        assert (row.token_type, row.reason, row.user_id) == ("refresh", "logout", "")
    values = " ".join(
        str(v)
        for row in DeniedToken.objects.values_list()
        for v in row  # every column of every row
    )
    assert RAW not in values and RAW.split(".")[2] not in values


def test_004_expiry_times_are_read_as_the_utc_times_004_wrote(at_004, settings):
    """0.0.4 stored ``datetime.utcfromtimestamp(exp)`` (naive UTC) as a ``TIME_ZONE`` time."""
    settings.TIME_ZONE = "Asia/Tokyo"  # UTC+9: the stored value is 9 hours early
    JWTBlacklist = historical(at_004, FIRST, "JWTBlacklist")
    exp = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    naive_utc = exp.astimezone(UTC).replace(tzinfo=None)
    JWTBlacklist.objects.create(jti="tokyo", token=RAW, expires=timezone.make_aware(naive_utc))
    migrate(LATEST)
    assert DeniedToken.objects.get(jti="tokyo").expires_at == exp


def test_reversing_writes_the_denied_jtis_back_for_004(at_004):
    migrate(LATEST)
    now = timezone.now()
    DeniedToken.objects.create(
        jti="j1", token_type="refresh", reason="rotated", expires_at=now, created_at=now
    )
    DeniedToken.objects.create(
        jti="sid:x", token_type="session", reason="logout", expires_at=now, created_at=now
    )
    executor = migrate(FIRST)
    JWTBlacklist = historical(executor, FIRST, "JWTBlacklist")
    assert list(JWTBlacklist.objects.values_list("jti", "token", "expires")) == [("j1", None, now)]
    assert "djwto_deniedtoken" not in tables()


def test_a_development_database_is_migrated_without_loss(transactional_db):
    """Made by the unreleased 1.x whose 0001 created DeniedToken: the table is kept."""
    executor = migrate(("djwto", None))
    try:
        assert not {"djwto_deniedtoken", "djwto_jwtblacklist"} & tables()
        dev_model = historical(executor, ("djwto", "0002_deniedtoken"), "DeniedToken")
        with connection.schema_editor() as editor:
            editor.create_model(dev_model)
        MigrationRecorder(connection).record_applied(*FIRST)
        now = timezone.now()
        DeniedToken.objects.create(
            jti="dev", token_type="refresh", reason="logout", expires_at=now, created_at=now
        )
        migrate(LATEST)
        assert list(DeniedToken.objects.values_list("jti", flat=True)) == ["dev"]
        assert "djwto_jwtblacklist" not in tables()
    finally:
        migrate(LATEST)


# --- djwto.E020 -------------------------------------------------------------------------------


def ids(**kwargs) -> list[str]:
    return [m.id for m in check_denylist_table(**kwargs)]


def test_no_error_when_the_table_is_there(db):
    assert ids() == [] and ids(databases=["default"]) == []


def test_a_pending_upgrade_is_reported_by_check_but_does_not_block_migrate(at_004):
    messages = check_denylist_table()
    assert [m.id for m in messages] == ["djwto.E020"]
    assert "503" in messages[0].msg and "migrate djwto" in messages[0].hint
    assert ids(databases=["default"]) == []  # what `migrate` runs: it must go on
    call_command("migrate", "djwto", verbosity=0)
    assert "djwto_deniedtoken" in tables()
    assert ids() == []


def test_a_table_missing_behind_applied_migrations_is_an_error_everywhere(transactional_db):
    with connection.schema_editor() as editor:
        editor.delete_model(DeniedToken)
    try:
        for kwargs in ({}, {"databases": ["default"]}):
            messages = check_denylist_table(**kwargs)
            assert [m.id for m in messages] == ["djwto.E020"], kwargs
            assert "--fake" in messages[0].hint
        from django.core.management.base import SystemCheckError

        with pytest.raises(SystemCheckError, match=r"djwto\.E020"):
            call_command("check", stdout=StringIO(), stderr=StringIO())
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(DeniedToken)


def test_the_cache_store_needs_no_table(at_004, settings):
    settings.DJWTO_DENYLIST_BACKEND = "djwto.denylist.CacheDenylist"
    assert ids() == []
    settings.DJWTO_DENYLIST_BACKEND = "no.such.Backend"
    assert ids() == []


def test_an_unreachable_database_is_not_reported_here(settings):
    """No database access (the check cannot tell): nothing, rather than a crash."""
    assert ids() == []


# --- the removed model ---------------------------------------------------------------------


def test_importing_the_004_model_says_what_replaced_it():
    with pytest.raises(ImportError, match=r"DeniedToken.*migrate") as info:
        from djwto.models import JWTBlacklist  # noqa: F401
    assert "0002" in str(info.value)
    import djwto.models

    with pytest.raises(AttributeError, match=r"DeniedToken.*migrate"):
        djwto.models.JWTBlacklist  # noqa: B018
    assert not hasattr(djwto.models, "JWTBlacklist")
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        djwto.models.Nope  # noqa: B018
