"""``manage.py demo_users``: create (or reset) the demo users. Safe to run again and again."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_PASSWORD = "pass"
# username -> (email, permissions as "app_label.codename")
DEMO_USERS = {
    "alice": ("alice@djwto.com", ["testapp.perm1"]),
    "bob": ("bob@djwto.com", []),
}


class Command(BaseCommand):
    help = "Create or reset the demo users alice/pass (with testapp.perm1) and bob/pass (no perms)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        for username, (email, perms) in DEMO_USERS.items():
            user, created = User.objects.get_or_create(username=username)
            user.email = email
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.user_permissions.set([self.get_permission(name) for name in perms])
            self.stdout.write(
                f"{'created' if created else 'reset'} {username}/{DEMO_PASSWORD}"
                f" ({email}; permissions: {', '.join(perms) or 'none'})"
            )

    def get_permission(self, name: str) -> Permission:
        app_label, codename = name.split(".", 1)
        try:
            return Permission.objects.get(content_type__app_label=app_label, codename=codename)
        except Permission.DoesNotExist:
            raise CommandError(
                f"Permission {name} does not exist: run `manage.py migrate` first."
            ) from None
