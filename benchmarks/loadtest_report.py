"""The load test's measurements: wrk's output, CPU time from /proc, ratios, targets, the table.

Pure functions over text and numbers, so that ``tests/test_bench.py`` can check them on a
recorded wrk output and a fake /proc without starting anything.
"""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}  # to milliseconds


# --- wrk -----------------------------------------------------------------------------------


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests, req/s, p50/p99 latency (ms) and errors from ``wrk --latency`` output."""

    def number(pattern: str, default: float | None = None) -> float:
        match = re.search(pattern, output)
        if match is None:
            if default is None:
                raise ValueError(f"wrk output without {pattern!r}:\n{output}")
            return default
        return float(match.group(1))

    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M))
    if "50" not in percentiles or "99" not in percentiles:
        raise ValueError(f"wrk output without a latency distribution:\n{output}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": int(number(r"(\d+) requests in")),
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": to_ms(percentiles["50"]),
        "p99_ms": to_ms(percentiles["99"]),
        "non_2xx": int(number(r"Non-2xx or 3xx responses:\s+(\d+)", 0)),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


# --- CPU time of the workers ---------------------------------------------------------------


def read_stat(pid: int, proc: str = "/proc") -> tuple[int, int]:
    """(parent pid, utime + stime in clock ticks) of ``pid`` from ``/proc/<pid>/stat``."""
    with open(os.path.join(proc, str(pid), "stat")) as fh:
        text = fh.read()
    fields = text.rpartition(")")[2].split()  # the name in parentheses may hold spaces
    return int(fields[1]), int(fields[11]) + int(fields[12])


def children(pid: int, proc: str = "/proc") -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers, for its master)."""
    found = []
    for entry in os.listdir(proc):
        if entry.isdigit():
            try:
                parent, _ = read_stat(int(entry), proc)
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile, or not a process
            if parent == pid:
                found.append(int(entry))
    return sorted(found)


def cpu_ticks(pids: list[int], proc: str = "/proc") -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            ticks[pid] = read_stat(pid, proc)[1]
        except OSError:
            continue
    return ticks


def cpu_us_per_request(
    before: dict[int, int], after: dict[int, int], requests: int, hz: int | None = None
) -> float | None:
    """CPU µs per request of the workers between two ``cpu_ticks`` (those alive at both)."""
    hz = hz or os.sysconf("SC_CLK_TCK")
    if not requests:
        return None
    used = sum(after[pid] - before[pid] for pid in before if pid in after)
    return used / hz * 1e6 / requests


# --- results -------------------------------------------------------------------------------


@dataclass
class Runs:
    """Every round of one scenario."""

    name: str
    info: bool = False
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def median(self, key: str) -> float | None:
        values = [r[key] for r in self.rounds if r.get(key) is not None]
        return statistics.median(values) if values else None

    def total(self, key: str) -> int:
        return sum(r[key] for r in self.rounds)


def ratio(a: Runs, b: Runs, key: str = "rps") -> float | None:
    """Median over rounds of a/b for ``key``: both sides of a round ran minutes apart at most."""
    pairs = [(x[key], y[key]) for x, y in zip(a.rounds, b.rounds, strict=False)]
    values = [x / y for x, y in pairs if x is not None and y]
    return statistics.median(values) if values else None


#: (scenario, baseline, minimum req/s ratio, counted) — PASS when the ratio reaches it.
TARGETS = [
    ("djwto HS256", "plain view", 0.90, True),
    ("djwto HS256", "simplejwt HS256", 1.40, True),
    ("djwto RS256", "plain view", 0.90, False),
    ("djwto ES256", "plain view", 0.90, False),
    ("djwto RS256", "simplejwt RS256", 1.40, False),
    ("djwto ES256", "simplejwt ES256", 1.40, False),
]

#: (scenario, baseline): req/s and CPU ratios printed for information.
COMPARISONS = [
    ("djwto HS256", "simplejwt DB user HS256"),
    ("djwto login", "Django login"),
    ("djwto login", "simplejwt login"),
    ("djwto refresh", "simplejwt refresh"),
    ("djwto rotation", "simplejwt rotation"),
]


def evaluate(runs: dict[str, Runs]) -> list[dict[str, Any]]:
    rows = []
    for name, base, limit, counted in TARGETS:
        if name in runs and base in runs:
            value = ratio(runs[name], runs[base])
            passed = None if value is None else value >= limit
            rows.append(
                {"scenario": name, "baseline": base, "limit": limit, "value": value,
                 "passed": passed, "informational": not counted}
            )  # fmt: skip
    return rows


def comparisons(runs: dict[str, Runs]) -> list[dict[str, Any]]:
    pairs = [(t[0], t[1]) for t in TARGETS] + COMPARISONS
    return [
        {
            "scenario": a,
            "baseline": b,
            "rps_ratio": ratio(runs[a], runs[b]),
            "cpu_ratio": ratio(runs[a], runs[b], "cpu_us"),
        }
        for a, b in pairs
        if a in runs and b in runs
    ]


def fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def format_table(runs: dict[str, Runs]) -> str:
    from benchmarks.report import align

    rows = [("scenario", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "non-2xx")]
    for r in runs.values():
        rows.append(
            (
                r.name + (" (info)" if r.info else ""),
                fmt(r.median("rps"), ",.0f" if (r.median("rps") or 0) >= 100 else ".1f"),
                fmt(r.median("p50_ms"), ".2f"),
                fmt(r.median("p99_ms"), ".2f"),
                fmt(r.median("cpu_us"), ",.0f"),
                str(r.total("non_2xx") + r.total("socket_errors")),
            )
        )
    return align(rows, "<>>>>>")


def format_ratios(runs: dict[str, Runs]) -> str:
    from benchmarks.report import align

    rows = [("scenario", "baseline", "× req/s", "× CPU/req", "target", "")]
    targets = {(t["scenario"], t["baseline"]): t for t in evaluate(runs)}
    for c in comparisons(runs):
        t = targets.get((c["scenario"], c["baseline"]))
        verdict = target = ""
        if t is not None:
            target = f"≥ {t['limit']:.2f}× req/s"
            verdict = {True: "PASS", False: "FAIL", None: "n/a"}[t["passed"]]
            verdict = f"({verdict.lower()}, info)" if t["informational"] else verdict
        rows.append(
            (
                c["scenario"],
                c["baseline"],
                fmt(c["rps_ratio"], ".2f"),
                fmt(c["cpu_ratio"], ".2f"),
                target,
                verdict,
            )
        )
    return align(rows, "<<>><<")


def format_report(runs: dict[str, Runs], meta: dict[str, Any]) -> str:
    counted = [t for t in evaluate(runs) if not t["informational"]]
    passed = sum(1 for t in counted if t["passed"])
    return "\n".join(
        [
            f"djwto load test: gunicorn -w {meta['workers']} (sync) on {meta['address']}, "
            f"PostgreSQL {meta['postgres']}, wrk -t1 -c{meta['connections']}, "
            f"{meta['rounds']} interleaved rounds of {meta['duration']} s per scenario; "
            "medians over rounds, ratios as medians of per-round ratios.",
            "",
            format_table(runs),
            "",
            format_ratios(runs),
            "",
            f"targets: {passed}/{len(counted)} pass",
            "CPU µs/req: utime+stime of the gunicorn workers (/proc/<pid>/stat) per request.",
            f"total {meta.get('seconds', 0)} s",
        ]
    )
