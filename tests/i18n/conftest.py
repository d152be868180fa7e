"""LocaleMiddleware activates a language for the thread and never deactivates it: each test
here ends with the default language again, so no later test sees a translation."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    translation.deactivate()
    yield
    translation.deactivate()
