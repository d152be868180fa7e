"""One clock the tests control: frozen at the test's start, moved with ``advance`` or ``now``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone


class Clock:
    """Replaces ``time.time``, ``time.time_ns`` and ``django.utils.timezone.now`` together.

    djwto reads the time through ``time.time`` and stores ``timezone.now()`` in the denylist, so
    all three must agree. The clock is frozen (a boundary such as "exactly ``exp``" must not
    drift while the test runs): ``advance(seconds)`` moves it, and assigning ``now`` sets it.
    The clock is also callable, returning ``now``.
    """

    def __init__(self, monkeypatch, start: float | None = None):
        self.now = time.time() if start is None else start
        monkeypatch.setattr(time, "time", self)
        monkeypatch.setattr(time, "time_ns", lambda: int(self.now * 1e9))
        monkeypatch.setattr(timezone, "now", self.as_datetime)

    def __call__(self) -> float:
        return self.now

    def as_datetime(self) -> datetime:
        """``now`` as ``timezone.now()`` would give it (aware in UTC under ``USE_TZ``)."""
        return datetime.fromtimestamp(self.now, tz=UTC if settings.USE_TZ else None)

    def advance(self, seconds: float) -> None:
        self.now += seconds
