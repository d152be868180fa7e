"""``manage.py serve [addr:port]``: the demo on daphne, an ASGI server (HTTP and websockets)."""

from __future__ import annotations

from daphne.cli import CommandLineInterface
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the demo (HTTP and websockets) with daphne."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        host, _, port = addrport.rpartition(":")
        self.stdout.write(f"djwto demo on http://{addrport}/ (daphne; Ctrl-C to stop)")
        CommandLineInterface().run(
            ["-b", host.strip("[]") or "127.0.0.1", "-p", port, "djwto_project.asgi:application"]
        )
