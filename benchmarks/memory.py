"""Memory of djwto's verified-token cache, measured through requests (tracemalloc).

A protected view is called with new tokens: the memory kept after ``n`` of them is the cost
of ``n`` entries; another ``n`` past the bound must keep no more (the oldest entries go).
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from benchmarks.scenarios import Kit, login
from benchmarks.wsgi import get


def _kept(ops: list[Any]) -> int:
    """Bytes still allocated after calling every op (garbage collected)."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for op in ops:
        op()
    gc.collect()
    return tracemalloc.get_traced_memory()[0] - before


def measure_token_cache(kit: Kit, quick: bool) -> dict[str, Any]:
    from django.conf import settings
    from django.test import override_settings

    bound = settings.DJWTO_TOKEN_CACHE_SIZE
    sample = 512 if quick else bound
    with override_settings(DJWTO_TOKEN_CACHE_SIZE=sample):
        tokens = [login(kit.client)["access"] for _ in range(2 * sample + 1)]
        ops = [get(kit.client, "/djwto/json/", HTTP_AUTHORIZATION=f"Bearer {t}") for t in tokens]
        ops[0]()  # the first request imports and builds what every later one reuses
        tracemalloc.start()
        try:
            filled = _kept(ops[1 : sample + 1])
            past_bound = _kept(ops[sample + 1 :])
        finally:
            tracemalloc.stop()
    per_entry = filled / sample
    return {
        "bound": bound,
        "setting": "DJWTO_TOKEN_CACHE_SIZE",
        "sampled_entries": sample,
        "token_chars": round(sum(map(len, tokens)) / len(tokens)),
        "bytes_per_entry": round(per_entry),
        "bytes_past_bound": past_bound,
        "stays_bounded": past_bound < 0.25 * filled,
    }
