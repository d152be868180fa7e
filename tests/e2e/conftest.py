"""Fixtures of the end-to-end tests (the helpers and the reasoning are in ``support.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import MODES

from .support import DemoServer, DemoServerPool


@pytest.fixture(scope="session")
def demo_pool(tmp_path_factory) -> Iterator[DemoServerPool]:
    pool = DemoServerPool(tmp_path_factory.mktemp("djwto-demo"))
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture(params=MODES)
def demo(request, demo_pool) -> DemoServer:
    """The demo as shipped (runserver, SQLite, Secure cookies), in each of the three modes."""
    return demo_pool.shipped(request.param)
