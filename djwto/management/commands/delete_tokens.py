from typing import Any

from django.core.management.base import BaseCommand

from djwto import session_records
from djwto.stores import get_store


class Command(BaseCommand):
    help = (
        "Delete denylist entries that have expired: consumed and logged-out refresh tokens, "
        "revoked sessions (token families) and user cut-offs, and expired session records. "
        "Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        store = get_store()
        if store.expires_entries:
            self.stdout.write(
                f"{type(store).__name__} expires its entries itself; nothing to delete."
            )
        else:
            deleted = store.purge_expired()
            self.stdout.write(f"Deleted {deleted} expired token(s).")
        # Whatever DJWTO_SESSION_RECORDS says now: records written while it was on expire too.
        records = session_records.purge_expired()
        if records:
            self.stdout.write(f"Deleted {records} expired session record(s).")
