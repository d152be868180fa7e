"""The verified-token cache keeps the tokens in use, whatever passes through it."""

from __future__ import annotations

import random
import threading

from djwto.backends import VerifiedTokenCache


def test_hot_tokens_survive_a_stream_of_one_off_tokens():
    cache = VerifiedTokenCache(100)
    hot = [f"hot-{i}" for i in range(30)]
    for token in hot:
        cache.put(token, {"t": token})
    misses = 0
    for n in range(20_000):
        cache.put(f"once-{n}", {})  # a token seen once, never again
        token = hot[n % len(hot)]
        if cache.get(token) is None:
            misses += 1
            cache.put(token, {"t": token})
        assert len(cache) <= 100
    assert misses == 0
    assert cache.get("once-0") is None  # one-off tokens made room


def test_a_first_in_first_out_cache_would_have_lost_them():
    """The same stream against insertion order only: the hot tokens keep being evicted."""
    fifo: dict[str, dict] = {}
    hot = [f"hot-{i}" for i in range(30)]
    misses = 0
    for n in range(20_000):
        for token in (f"once-{n}", hot[n % len(hot)]):
            if token in fifo:
                continue
            misses += token.startswith("hot")
            while len(fifo) >= 100:
                fifo.pop(next(iter(fifo)))
            fifo[token] = {}
    assert misses > 1000


def test_bounded_and_consistent_under_threads():
    cache = VerifiedTokenCache(64)
    errors = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(5_000):
            token = f"t{rng.randrange(200)}"
            claims = cache.get(token)
            if claims is None:
                cache.put(token, {"token": token})
            elif claims["token"] != token:
                errors.append((token, claims))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 64


def test_size_zero_keeps_nothing_and_clear_empties():
    off = VerifiedTokenCache(0)
    off.put("a", {})
    assert off.get("a") is None and len(off) == 0
    cache = VerifiedTokenCache(10)
    cache.put("a", {"x": 1})
    assert "a" in cache
    cache.clear()
    assert "a" not in cache and len(cache) == 0
