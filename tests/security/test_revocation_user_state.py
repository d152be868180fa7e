"""U4: with ``DJWTO_CHECK_ACCESS_REVOCATION`` on, a password change or a deactivation ends the
user's access tokens at once (a user cut-off is written when the user is saved), on every
store; with it off nothing is written (refresh tokens die through the stamp anyway).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import SetPasswordForm

from tests.sessions.support import Api, DatabaseStoreView, fresh_redis_store
from tests.support import PROTECTED, assert_error

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-password-0f-some-length"


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings):
    if request.param == "database":
        yield DatabaseStoreView()
        return
    with fresh_redis_store(settings, "u4") as view:
        yield view


@pytest.fixture
def api():
    return Api()


def change_password(user) -> None:
    user.set_password(NEW_PASSWORD)
    user.save()


def deactivate(user) -> None:
    user.is_active = False
    user.save()


def set_password_form(user) -> None:
    form = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()


def update_fields_password(user) -> None:
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])


CHANGES = [change_password, deactivate, set_password_form, update_fields_password]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
def test_U4_the_change_ends_access_tokens(store, alice, api, settings, change):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    pair = api.login()
    other = api.login()
    for path in PROTECTED:
        assert api.get(path, pair.access).status_code == 200
    change(alice)
    for path in PROTECTED:
        assert_error(api.get(path, pair.access), 401, "token_revoked")
        assert_error(api.get(path, other.access), 401, "token_revoked")
    assert [kind for kind, _, _ in store.entries().values()] == ["user"]
    if change is not deactivate:  # a login after the change is not affected
        fresh = api.login(password=NEW_PASSWORD)
        assert api.get(PROTECTED[0], fresh.access).status_code == 200


def test_U4_other_saves_write_nothing(store, alice, api, settings):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    pair = api.login()  # update_last_login saves the user
    alice.first_name = "Alice"
    alice.save()
    alice.save(update_fields=["email"])
    alice.is_active = True
    alice.save()
    assert store.entries() == {}
    assert api.get(PROTECTED[0], pair.access).status_code == 200


def test_U4_reactivation_writes_nothing_more(store, alice, api, settings):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    deactivate(alice)
    assert len(store.entries()) == 1
    alice.is_active = True
    alice.save()
    assert len(store.entries()) == 1


def test_U4_off_writes_nothing(store, alice, api, settings):
    pair = api.login()
    change_password(alice)
    assert store.entries() == {}
    assert api.get(PROTECTED[0], pair.access).status_code == 200  # as documented
    assert_error(api.refresh(pair.refresh), 401, "user_invalid")  # the stamp


def test_U4_other_models_are_ignored(settings, db):
    settings.DJWTO_CHECK_ACCESS_REVOCATION = True
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="staff")
    group.name = "admins"
    group.save()  # not the user model: no query, nothing written
    assert DatabaseStoreView().entries() == {}
