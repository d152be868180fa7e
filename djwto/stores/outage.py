"""Logging a failing store (or database) once per outage, not once per refused request.

An outage is logged when it starts (ERROR, with the exception's class and message), summed up
while it lasts (at most one WARNING per ``summary_interval`` seconds, with the number of
requests refused since the previous line) and logged when it ends (WARNING, with the total).
Messages are scrubbed of credentials (``user:password@`` in URLs, ``password=...`` pairs).
"""

from __future__ import annotations

import logging
import re
import threading
import time

from ..conf import on_clear_derived

logger = logging.getLogger("djwto")

#: ``scheme://user:password@host`` -> ``scheme://user:***@host`` (and a bare ``:password@``).
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^\s:/@]*):[^\s@/]*@")
#: ``password=...`` / ``"password": "..."`` as libpq DSNs and option dumps print them.
_PAIR_PASSWORD = re.compile(
    r"(?P<name>\b(?:password|passwd|pwd|requirepass|auth)\b['\"]?\s*[=:]\s*)(?P<q>['\"]?)[^\s'\",;)]*",
    re.IGNORECASE,
)
#: A compact JWS (three base64url segments): never logged, whoever put it in a message.
_JWS = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
MAX_MESSAGE_LENGTH = 300


def scrub(text: str) -> str:
    """``text`` without the passwords of URLs and ``password=`` pairs, nor tokens."""
    text = _URL_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text)
    text = _PAIR_PASSWORD.sub(r"\g<name>\g<q>***", text)
    return _JWS.sub("<token>", text)


#: Where the exceptions whose messages are logged come from: the standard library, Django,
#: djwto and the database and cache clients, whose messages say what failed (a host, a
#: missing module) and do not echo request data. Other code's messages are left out: a
#: project's store might put anything in them.
_KNOWN_SOURCES = frozenset(
    (
        "builtins",
        "socket",
        "ssl",
        "asyncio",
        "sqlite3",
        "django",
        "djwto",
        "redis",
        "psycopg",
        "psycopg2",
        "MySQLdb",
        "pymysql",
        "oracledb",
        "pymemcache",
        "pylibmc",
    )
)


def describe_error(exc: BaseException) -> str:
    """``Class: message`` of ``exc``, on one line, without credentials or tokens (the class
    alone for an exception from code outside ``_KNOWN_SOURCES``)."""
    name = exc.__class__.__name__
    if exc.__class__.__module__.split(".")[0] not in _KNOWN_SOURCES:
        return f"{name}, from {exc.__class__.__module__}; its message is not logged"
    message = scrub(" ".join(str(exc).split()))
    if len(message) > MAX_MESSAGE_LENGTH:
        message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
    return f"{name}: {message}" if message else name


class Outage:
    """The state of one outage source in this process; thread-safe."""

    #: Seconds between two summary lines while the outage lasts.
    summary_interval = 5.0

    def __init__(self, what: str) -> None:
        self.what = what
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.failing = False
        self.started = 0.0
        self.last_line = 0.0
        self.refused = 0  # since the last line
        self.total = 0

    def failed(self, exc: BaseException) -> None:
        """A request was refused because of ``exc``."""
        now = time.monotonic()
        with self.lock:
            if not self.failing:
                self.failing = True
                self.started = self.last_line = now
                self.refused = 0
                self.total = 1
                line = "start"
            else:
                self.refused += 1
                self.total += 1
                if now - self.last_line < self.summary_interval:
                    return
                line = "summary"
                refused, since = self.refused, now - self.last_line
                self.refused = 0
                self.last_line = now
        if line == "start":
            logger.error(
                "djwto: %s failed (%s); refusing the requests that need it (503) until it is back.",
                self.what,
                describe_error(exc),
            )
        else:
            logger.warning(
                "djwto: %s still failing (%s): %d requests refused in the last %.0f s.",
                self.what,
                describe_error(exc),
                refused,
                since,
            )

    def succeeded(self) -> None:
        """A request that needed it was served: an outage, if any, is over."""
        if not self.failing:  # the common case, without the lock
            return
        with self.lock:
            if not self.failing:
                return
            duration, total = time.monotonic() - self.started, self.total
            self.reset()
        logger.warning(
            "djwto: %s is back after %.1f s; %d requests were refused.", self.what, duration, total
        )


#: The denylist store's outages, and the database's on token endpoints.
store_outage = Outage("the denylist store")
database_outage = Outage("the database")


@on_clear_derived
def _reset_outages() -> None:
    """Settings changed: a new configuration starts without an outage."""
    for outage in (store_outage, database_outage):
        with outage.lock:
            outage.reset()
