"""The fast paths of the request and token hot paths give exactly the answers of the slow ones."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from djwto.queries import get_all_permissions


def _perm(codename):
    return Permission.objects.get(codename=codename)


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


# --- the perms claim: one UNION query instead of ModelBackend's two ---------------------------


@pytest.fixture
def carol(db):
    return get_user_model().objects.create_user("carol", "carol@djwto.com", "pw")


@pytest.mark.parametrize(
    "setup", ["none", "own", "group", "both", "overlap", "superuser", "inactive"]
)
def test_fast_permissions_equal_model_backend(carol, setup, django_assert_num_queries):
    group = Group.objects.create(name="g")
    if setup in ("own", "both", "overlap"):
        carol.user_permissions.add(_perm("perm1"))
    if setup in ("group", "both", "overlap"):
        group.permissions.add(_perm("perm2"), _perm("view_user"))
        if setup == "overlap":
            group.permissions.add(_perm("perm1"))
        carol.groups.add(group)
    if setup == "superuser":
        carol.is_superuser = True
    if setup == "inactive":
        carol.user_permissions.add(_perm("perm1"))
        carol.is_active = False
    carol.save()
    expected = _fresh(carol).get_all_permissions()
    user = _fresh(carol)
    with django_assert_num_queries(0 if setup == "inactive" else 1):
        assert get_all_permissions(user) == expected
    assert user.get_all_permissions() == expected  # kept in _perm_cache, as ModelBackend does
    if setup == "superuser":
        assert len(expected) == Permission.objects.count()
    if setup == "overlap":
        assert expected == {"testapp.perm1", "testapp.perm2", "auth.view_user"}


def test_changes_are_read_on_every_call(carol):
    assert get_all_permissions(_fresh(carol)) == set()
    carol.user_permissions.add(_perm("perm1"))
    assert get_all_permissions(_fresh(carol)) == {"testapp.perm1"}


class OtherBackend:
    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        return {"other.perm"}


def test_other_backends_take_the_slow_path(carol, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "tests.test_hot_path.OtherBackend",
    ]
    carol.user_permissions.add(_perm("perm1"))
    assert get_all_permissions(_fresh(carol)) == {"testapp.perm1", "other.perm"}


def test_a_cached_answer_is_reused(carol, django_assert_num_queries):
    user = _fresh(carol)
    user._perm_cache = {"cached.perm"}
    with django_assert_num_queries(0):
        assert get_all_permissions(user) == {"cached.perm"}


# --- the database denylist: one raw indexed query when nothing is there -----------------------


def _orm_lookup(keys):
    from djwto.denylist import Entry, aware_datetime
    from djwto.models import DeniedToken

    return {
        row.jti: Entry(
            row.jti,
            row.token_type,
            row.reason,
            row.user_id,
            aware_datetime(row.expires_at),
            aware_datetime(row.created_at),
        )
        for row in DeniedToken.objects.filter(jti__in=keys)
    }


@pytest.fixture
def denied(db):
    from datetime import timedelta

    from django.utils import timezone

    from djwto.denylist import DatabaseDenylist, Entry

    store = DatabaseDenylist()
    now = timezone.now()
    for key, kind in (("jti-1", "refresh"), ("sid:abc", "session"), ("user:7", "user")):
        store.put(Entry(key, kind, "revoked", "7", now + timedelta(days=1), now))
    return store


@pytest.mark.parametrize(
    "keys, queries",
    [
        ([], 0),
        (["user:1", "sid:zzz", "nope"], 1),
        (["user:7", "sid:zzz", "nope"], 1),
        (["user:7", "sid:abc", "jti-1"], 1),
        (["jti-1", "jti-1"], 1),
    ],
)
def test_database_lookup_equals_the_orm(denied, keys, queries, django_assert_num_queries):
    with django_assert_num_queries(queries):
        found = denied.lookup(iter(keys))
    assert found == _orm_lookup(keys)
    assert set(found) == {k for k in keys if k in ("jti-1", "sid:abc", "user:7")}


# --- settings: kept once read, forgotten on every change ----------------------------------------


def test_settings_values_follow_every_change(settings):
    from django.test import override_settings

    from djwto.conf import djwto_settings

    settings.DJWTO_LEEWAY = 3
    assert djwto_settings.LEEWAY == 3
    assert djwto_settings.__dict__["LEEWAY"] == 3  # kept: the next read is an attribute lookup
    with override_settings(DJWTO_LEEWAY=7):
        assert djwto_settings.LEEWAY == 7
        settings.DJWTO_LEEWAY = 9
        assert djwto_settings.LEEWAY == 9
    assert djwto_settings.LEEWAY == 3
    with pytest.raises(AttributeError):
        _ = djwto_settings.NOT_A_SETTING


def test_a_value_read_across_a_change_is_not_kept(settings, monkeypatch):
    from django.conf import settings as django_settings

    from djwto import conf

    settings.DJWTO_LEEWAY = 1
    conf.clear_derived()
    real_getattr = getattr

    def getattr_then_change(obj, name, *default):
        value = real_getattr(obj, name, *default)
        if obj is django_settings and name == "DJWTO_LEEWAY":
            conf.clear_derived()  # a change lands between the read and the store
        return value

    monkeypatch.setattr(conf, "getattr", getattr_then_change, raising=False)
    assert conf.djwto_settings.LEEWAY == 1
    assert "LEEWAY" not in conf.djwto_settings.__dict__


# --- the user of a token: one raw select by primary key -----------------------------------------


def _fields(user):
    return {f.attname: getattr(user, f.attname) for f in type(user)._meta.concrete_fields}


@pytest.mark.parametrize("use_tz", [True, False])
def test_user_by_pk_equals_the_orm(carol, settings, use_tz, django_assert_num_queries):
    from djwto.queries import get_user_by_pk

    User = get_user_model()
    carol.last_login = carol.date_joined
    carol.save()
    get_user_by_pk(User, carol.pk)  # the row converters are kept from here on...
    settings.USE_TZ = use_tz  # ...until a setting changes
    with django_assert_num_queries(1):
        user = get_user_by_pk(User, str(carol.pk))
    expected = User._default_manager.get(pk=carol.pk)
    assert type(user) is User and user == expected
    assert _fields(user) == _fields(expected)
    assert user._state.db == expected._state.db and not user._state.adding


@pytest.mark.parametrize(
    "pk, error",
    [
        ("999999", "DoesNotExist"),
        ("abc", ValueError),
        ("", ValueError),
        ("1.5", ValueError),
    ],
)
def test_user_by_pk_fails_as_the_orm(carol, pk, error):
    from djwto.queries import get_user_by_pk

    User = get_user_model()
    expected = User.DoesNotExist if error == "DoesNotExist" else error
    with pytest.raises(expected):
        User._default_manager.get(pk=pk)
    with pytest.raises(expected):
        get_user_by_pk(User, pk)


@pytest.mark.parametrize("user_id", ["999999", "abc", "9" * 40, "-1", None])
def test_a_token_for_no_user_is_anonymous(carol, user_id):
    from djwto.authentication import get_user_for_claims

    claims = {"user": {"id": user_id}} if user_id is not None else {"sub": ""}
    assert not get_user_for_claims(claims).is_authenticated
    assert get_user_for_claims({"user": {"id": carol.pk}}) == carol


def test_a_custom_manager_takes_the_orm_path(carol, monkeypatch):
    from djwto.queries import get_user_by_pk

    User = get_user_model()
    manager_class = type(User._default_manager)
    original = manager_class.get_queryset
    monkeypatch.setattr(
        manager_class, "get_queryset", lambda self: original(self).filter(is_active=True)
    )
    carol.is_active = False
    carol.save()
    with pytest.raises(User.DoesNotExist):
        get_user_by_pk(User, carol.pk)


# --- login: ModelBackend's authenticate with its user query run raw ----------------------------


MODEL = "django.contrib.auth.backends.ModelBackend"
ALLOW_ALL = "django.contrib.auth.backends.AllowAllUsersModelBackend"


class AlwaysBob:
    """A backend that knows only bob (whatever the password)."""

    def authenticate(self, request, username=None, password=None):
        return (
            get_user_model().objects.filter(username="bob").first() if username == "bob" else None
        )

    def get_user(self, user_id):
        return None


class PickyBackend(ModelBackend):
    def user_can_authenticate(self, user):
        return False


@pytest.fixture
def auth_record(monkeypatch):
    """What an authenticate() call did: the failure signals sent and the passwords hashed."""
    from django.contrib.auth.signals import user_login_failed

    record = {"failed": [], "hashed": []}
    User = get_user_model()
    real_set_password = User.set_password

    def on_failure(sender, credentials, request, **kwargs):
        record["failed"].append((sender, dict(credentials), request))

    def set_password(self, raw_password):
        record["hashed"].append(raw_password)
        return real_set_password(self, raw_password)

    monkeypatch.setattr(User, "set_password", set_password)
    user_login_failed.connect(on_failure)
    yield record
    user_login_failed.disconnect(on_failure)


def _both_authenticate(auth_record, **credentials):
    """(djwto's answer, Django's answer), each with what it did."""
    from django.contrib.auth import authenticate as django_authenticate
    from django.test import RequestFactory

    from djwto.queries import authenticate

    request = RequestFactory().post("/login/")
    answers = []
    for function in (authenticate, django_authenticate):
        auth_record["failed"].clear()
        auth_record["hashed"].clear()
        user = function(request, **dict(credentials))
        seen = [(sender, creds, req is request) for sender, creds, req in auth_record["failed"]]
        answers.append(
            (user and (user.pk, user.backend, _fields(user)), seen, list(auth_record["hashed"]))
        )
    return answers


@pytest.mark.parametrize("backend", [MODEL, ALLOW_ALL])
@pytest.mark.parametrize(
    "case",
    [
        "right",
        "wrong password",
        "unknown user",
        "inactive",
        "no password",
        "no username",
        "other field",
        "extra field",
        "unusable password",
    ],
)
def test_authenticate_equals_django(carol, settings, auth_record, backend, case):
    settings.AUTHENTICATION_BACKENDS = [backend]
    credentials = {"username": "carol", "password": "pw"}
    if case == "wrong password":
        credentials["password"] = "nope"
    elif case == "unknown user":
        credentials["username"] = "nobody"
    elif case == "inactive":
        carol.is_active = False
        carol.save()
    elif case == "no password":
        credentials["password"] = None
    elif case == "no username":
        credentials["username"] = None
    elif case == "other field":
        credentials = {"email": "carol@djwto.com", "password": "pw"}
    elif case == "extra field":
        credentials["api_key"] = "secret"
    elif case == "unusable password":
        carol.set_unusable_password()
        carol.save()
    fast, django = _both_authenticate(auth_record, **credentials)
    assert fast == django
    user, failures, hashed = fast
    if case in ("right", "extra field") or (case == "inactive" and backend == ALLOW_ALL):
        assert user[0] == carol.pk and user[1] == backend and not failures
    else:
        assert user is None
        assert failures == [("django.contrib.auth", {**credentials, "password": "*" * 20}, True)]
    assert hashed == (["pw"] if case == "unknown user" else [])  # the timing mitigation


def test_authenticate_is_one_query(carol, django_assert_num_queries):
    from djwto.queries import authenticate

    with django_assert_num_queries(1):
        user = authenticate(None, username="carol", password="pw")
    assert user == carol and user.backend == MODEL
    with django_assert_num_queries(1):
        assert authenticate(None, username="nobody", password="pw") is None


@pytest.mark.parametrize(
    "backends, expected",
    [
        ([MODEL, "tests.test_hot_path.AlwaysBob"], "bob"),
        (["tests.test_hot_path.AlwaysBob", MODEL], "bob"),
        (["tests.test_hot_path.PickyBackend"], None),
    ],
)
def test_other_backends_authenticate_through_django(carol, settings, backends, expected):
    from djwto.queries import authenticate

    bob = get_user_model().objects.create_user("bob", password="not-this")
    settings.AUTHENTICATION_BACKENDS = backends
    user = authenticate(None, username="bob", password="anything")
    assert (user and user.username) == expected
    if expected:
        assert user == bob and user.backend == "tests.test_hot_path.AlwaysBob"
    assert (authenticate(None, username="carol", password="pw") is not None) == (MODEL in backends)


def test_a_custom_natural_key_is_honoured(carol, monkeypatch):
    from djwto.queries import authenticate

    manager_class = type(get_user_model()._default_manager)
    monkeypatch.setattr(
        manager_class,
        "get_by_natural_key",
        lambda self, username: self.get(username__iexact=username),
        raising=False,
    )
    assert authenticate(None, username="CAROL", password="pw") == carol


def test_a_user_by_a_field_that_is_not_unique_fails_as_the_orm(carol):
    from djwto.queries import _get_user_by

    User = get_user_model()
    User.objects.create_user("carol2", first_name="Carol")
    carol.first_name = "Carol"
    carol.save()
    field = User._meta.get_field("first_name")
    with pytest.raises(User.MultipleObjectsReturned):
        _get_user_by(User, field, "Carol")
    assert _get_user_by(User, User._meta.get_field("username"), "carol2").first_name == "Carol"


# --- last_login: one raw UPDATE where nothing can tell ------------------------------------------


def test_last_login_is_saved_as_django_does(carol, django_assert_num_queries):
    from django.contrib.auth.models import update_last_login as django_update_last_login

    from djwto.queries import update_last_login

    user = _fresh(carol)
    assert user.last_login is None
    with django_assert_num_queries(1):
        update_last_login(user)
    stored = _fresh(carol)
    assert stored.last_login == user.last_login is not None
    before = _fresh(carol)
    django_update_last_login(None, before)
    assert _fields(_fresh(carol)) == {**_fields(stored), "last_login": before.last_login}


def test_last_login_goes_through_save_when_a_receiver_listens(carol):
    from django.db.models.signals import post_save

    from djwto.queries import update_last_login

    seen = []

    def receiver(sender, instance, update_fields, **kwargs):
        seen.append((instance.pk, set(update_fields)))

    post_save.connect(receiver, sender=get_user_model())
    try:
        update_last_login(_fresh(carol))
    finally:
        post_save.disconnect(receiver, sender=get_user_model())
    assert seen == [(carol.pk, {"last_login"})]


def test_last_login_of_a_deleted_user_fails_as_save_does(carol):
    from django.db import DatabaseError

    from djwto.queries import update_last_login

    user = _fresh(carol)
    get_user_model().objects.filter(pk=carol.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update_last_login(user)


def test_view_kind_is_django_s_answer_kept_per_class():
    from djwto.mixins import _is_async_view
    from tests.testapp.views import AsyncPermProtected, AsyncProtected, PermProtected, Protected

    for view in (Protected, AsyncProtected, PermProtected, AsyncPermProtected):
        assert _is_async_view(view) is view.view_is_async
        assert _is_async_view(view) is view.view_is_async  # the kept answer


# --- the verified-token cache never hands out its own dicts -------------------------------------


def test_a_view_mutating_request_jwt_does_not_poison_the_cache(alice):
    from django.http import JsonResponse
    from django.test import RequestFactory
    from django.views import View

    from djwto.backends import decode, encode, get_token_cache
    from djwto.mixins import JWTRequiredMixin
    from djwto.tokens import build_access_claims, build_refresh_claims

    class Vandal(JWTRequiredMixin, View):
        mode = "JSON"

        def get(self, request):
            seen = {"perms": list(request.jwt["user"]["perms"]), "type": request.jwt["type"]}
            request.jwt["type"] = "refresh"
            request.jwt["exp"] = 2**40
            request.jwt["user"]["perms"].append("auth.delete_user")
            request.jwt["user"]["username"] = "mallory"
            request.jwt.pop("sid", None)
            return JsonResponse(seen)

    token = encode(build_access_claims(build_refresh_claims(alice)))
    pristine = decode(token, "access")
    view = Vandal.as_view()
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(3):
        response = view(request)
        assert response.status_code == 200
        assert json.loads(response.content) == {"perms": ["testapp.perm1"], "type": "access"}
    assert decode(token, "access") == pristine
    assert get_token_cache().get(token) == pristine


def test_database_lookup_equals_the_orm_without_use_tz(db, settings):
    from datetime import datetime, timedelta

    from djwto.denylist import DatabaseDenylist, Entry

    settings.USE_TZ = False
    store = DatabaseDenylist()
    now = datetime.now().replace(microsecond=123456)
    store.put(Entry("sid:naive", "session", "revoked", "7", now + timedelta(days=1), now))
    found = store.lookup(["sid:naive", "nope"])
    assert found == _orm_lookup(["sid:naive", "nope"])
    assert found["sid:naive"].created_at.tzinfo is not None


# (The cache store on Redis: tests/stores/test_cache_store.py.)
