from django.core.management.base import BaseCommand

from djwto.denylist import get_denylist


class Command(BaseCommand):
    help = "Delete denylist entries (tokens, sessions, user cut-offs) that have expired."

    def handle(self, *args, **options):
        deleted = get_denylist().purge_expired()
        self.stdout.write(f"Deleted {deleted} expired token(s).")
