"""One clock the tests control: djwto.test's frozen ``Clock``, installed with ``monkeypatch``."""

from __future__ import annotations

from djwto.test import Clock as FrozenClock


class Clock(FrozenClock):
    """:class:`djwto.test.Clock` (``time.time``, ``time.time_ns`` and ``timezone.now``
    together; ``advance(seconds)`` moves it, assigning ``now`` sets it), undone by
    ``monkeypatch`` at the test's end."""

    def __init__(self, monkeypatch, start: float | None = None):
        super().__init__(start)
        for owner, name, replacement in self.replacements():
            monkeypatch.setattr(owner, name, replacement)
