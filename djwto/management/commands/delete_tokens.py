from django.core.management.base import BaseCommand

from djwto.denylist import get_denylist


class Command(BaseCommand):
    help = (
        "Delete denylist entries that have expired: consumed and logged-out refresh tokens, "
        "revoked sessions (token families) and user cut-offs. Run it daily."
    )

    def handle(self, *args, **options):
        denylist = get_denylist()
        if denylist.expires_entries:
            self.stdout.write(
                f"{type(denylist).__name__} expires its entries itself; nothing to delete."
            )
            return
        deleted = denylist.purge_expired()
        self.stdout.write(f"Deleted {deleted} expired token(s).")
