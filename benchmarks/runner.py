"""Timing: batches sized once, then interleaved rounds in a shuffled order, medians over rounds.

Each round runs every scenario once, in a new random order; a scenario's batch is sized to take
about ``batch_seconds``. A batch starts with an untimed warm-up call (a settings change around
the batch clears djwto's derived caches). We keep the mean µs per call of every batch; the
report takes medians over rounds, and ratios as medians of per-round ratios, so a slow moment
of a shared machine hits both sides of a ratio alike.
"""

from __future__ import annotations

import contextlib
import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_BATCH = 100_000


@dataclass
class Scenario:
    name: str
    op: Callable[[], Any]
    group: str
    kind: str = "request"  # "request" (a WSGI call, compared to the plain view) or "direct"
    context: Callable[[], Any] = contextlib.nullcontext
    prepare: Callable[[int], None] | None = None  # fills a pool of n fresh inputs, untimed
    client: Any = None  # a wsgi.Client, whose answers must all be 2xx
    note: str = ""
    n: int = 1
    samples: list[float] = field(default_factory=list)

    def run_batch(self, n: int) -> float:
        """Mean µs per call of a batch of ``n``; a warm-up call first, then the timed loop."""
        op = self.op
        with self.context():
            if self.prepare is not None:
                self.prepare(n + 1)
            op()
            self._check("the warm-up call", 1)
            gc.collect()
            start = time.perf_counter_ns()
            for _ in range(n):
                op()
            elapsed = time.perf_counter_ns() - start
            self._check(f"{n} calls", n)
        return elapsed / n / 1000

    def _check(self, what: str, n: int) -> None:
        client = self.client
        if client is None:
            return
        if client.unexpected:
            raise SystemExit(
                f"{self.name}: {client.unexpected} of {what} answered {client.last_status}: "
                f"{client.last_body[:200]!r}"
            )
        client.unexpected = 0

    def calibrate(self, seconds: float) -> None:
        """Size the batch to about ``seconds`` (grows by 4× from 1 until a tenth of it)."""
        n = 1
        while True:
            per_call = self.run_batch(n)
            if per_call * n >= seconds * 1e6 / 10 or n >= MAX_BATCH:
                break
            n = min(MAX_BATCH, max(n * 4, int(seconds * 1e6 / 10 / per_call) + 1))
        self.n = max(1, min(MAX_BATCH, round(seconds * 1e6 / per_call)))


def run_rounds(scenarios: list[Scenario], rounds: int, batch_seconds: float, seed: int) -> None:
    """Calibrate every scenario (which also checks that it answers 2xx), then time the rounds."""
    for scenario in scenarios:
        scenario.calibrate(batch_seconds)
    gc.freeze()
    try:
        rng = random.Random(seed)
        order = list(scenarios)
        for _ in range(rounds):
            rng.shuffle(order)
            for scenario in order:
                scenario.samples.append(scenario.run_batch(scenario.n))
    finally:
        gc.unfreeze()
