"""The results: targets with PASS/FAIL, the table, the notes under it, and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.scenarios import ALGORITHMS, PLAIN, human, lookup_name, revocation_name

Samples = dict[str, list[float]]


@dataclass
class Target:
    scenario: str
    text: str
    compute: Callable[[Samples], float | None]
    limit: float
    unit: str = "×"
    informational: bool = False  # shown for context; not counted in the pass/fail line

    def evaluate(self, samples: Samples) -> dict[str, Any]:
        value = self.compute(samples)
        return {
            "scenario": self.scenario,
            "target": self.text,
            "limit": self.limit,
            "value": value,
            "unit": self.unit,
            "informational": self.informational,
            "passed": None if value is None else value <= self.limit,
        }


def ratio_of(a: str, b: str) -> Callable[[Samples], float | None]:
    """Median of the per-round ratios a/b."""

    def compute(samples: Samples) -> float | None:
        if a not in samples or b not in samples:
            return None
        return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=False))

    return compute


def added_over(a: str, b: str) -> Callable[[Samples], float | None]:
    """Median of the per-round differences a - b, in µs."""

    def compute(samples: Samples) -> float | None:
        if a not in samples or b not in samples:
            return None
        return statistics.median(x - y for x, y in zip(samples[a], samples[b], strict=False))

    return compute


def ratio(a: str, b: str, text: str, limit: float, *, info: bool = False) -> Target:
    return Target(a, text, ratio_of(a, b), limit, informational=info)


def view_targets() -> list[Target]:
    hs = "djwto HS256 (JSON)"
    targets = [ratio(hs, PLAIN, "≤ 1.35× plain", 1.35)]
    targets += [ratio(f"djwto {a} (JSON)", PLAIN, "≤ 1.40× plain", 1.40) for a in ALGORITHMS]
    return [
        *targets,
        ratio(hs, "simplejwt stateless", "≤ 0.60× simplejwt stateless", 0.60, info=True),
        ratio(
            "djwto request.user (DB)",
            "simplejwt DB user",
            "≤ 0.50× simplejwt DB user",
            0.50,
        ),
    ]


def token_endpoint_targets() -> list[Target]:
    django_login = "Django authenticate() + last_login"
    return [
        ratio(
            "djwto login, PBKDF2",
            f"{django_login}, PBKDF2",
            "≤ 1.02× Django's login",
            1.02,
        ),
        ratio(
            "djwto login, MD5", f"{django_login}, MD5", "≤ 1.02× Django's login", 1.02, info=True
        ),
        ratio(
            "djwto login, MD5", "simplejwt login, MD5", "≤ 0.60× simplejwt login", 0.6, info=True
        ),
        ratio(
            "djwto refresh_access",
            "simplejwt refresh (blacklist check)",
            "≤ 0.60× simplejwt refresh",
            0.60,
        ),
        ratio(
            "djwto update_refresh (rotation)",
            "simplejwt rotate + blacklist",
            "≤ 0.50× simplejwt rotate+blacklist",
            0.50,
        ),
    ]


def denylist_targets(small: int, large: int) -> list[Target]:
    """At request level, the table's size must not show; the raw lookup's cost is information."""
    targets = []
    for engine in ("SQLite", "PostgreSQL"):
        targets.append(
            ratio(
                revocation_name(engine, large),
                revocation_name(engine, small),
                f"≤ 1.05× at {human(small)} rows",
                1.05,
            )
        )
        for case in ("absent", "present"):
            big = lookup_name(engine, large, case)
            text = f"≤ +6 µs over {human(small)} rows"
            compute = added_over(big, lookup_name(engine, small, case))
            targets.append(Target(big, text, compute, 6.0, unit="µs", informational=True))
    return targets


def cache_targets(names: list[str]) -> list[Target]:
    """The cache store adds little to a request (information: Redis is a network round trip)."""
    hs = "djwto HS256 (JSON)"
    return [
        Target(name, f"adds ≤ 25 µs over {hs}", added_over(name, hs), 25.0, "µs", True)
        for name in names
        if name.startswith("djwto + revocation (cache")
    ]


def build_targets(names: list[str], small: int, large: int) -> list[Target]:
    targets = [
        *view_targets(),
        *token_endpoint_targets(),
        *denylist_targets(small, large),
        *cache_targets(names),
    ]
    return [t for t in targets if t.scenario in names]


# --- the results ---------------------------------------------------------------------------


def scenario_rows(scenarios: list[Any]) -> list[dict[str, Any]]:
    plain = next(s.samples for s in scenarios if s.name == PLAIN)
    return [
        {
            "name": s.name,
            "group": s.group,
            "kind": s.kind,
            "batch": s.n,
            "median_us": statistics.median(s.samples),
            "min_us": min(s.samples),
            "ratio_plain": (
                statistics.median(x / y for x, y in zip(s.samples, plain, strict=False))
                if s.kind == "request"
                else None
            ),
            "note": s.note,
            "samples_us": s.samples,
        }
        for s in scenarios
    ]


def results(args: Any, info: dict[str, Any], scenarios: list[Any], extra: dict[str, Any]):
    import django

    samples = {s.name: s.samples for s in scenarios}
    names = list(samples)
    targets = build_targets(names, args.small_rows, args.large_rows)
    meta = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "rounds": args.rounds,
        "quick": args.quick,
        "batch_ms": args.batch_seconds * 1000,
        "seed": args.seed,
        "redis": info["redis"],
        "denylist_cache_backend": "redis" if info["redis"] else "locmem",
        "postgres": info["postgres"],
        "postgres_databases": info.get("pg_databases", []),
        "denylist_tables": info["denylist_tables"],
    }
    return {
        "meta": meta,
        "scenarios": scenario_rows(scenarios),
        "targets": [t.evaluate(samples) for t in targets],
        **extra,
    }


def write_json(data: dict[str, Any], path: str) -> None:
    with open(path, "w") as fh:
        json.dump(data, fh, indent=2, default=str)


# --- the table -----------------------------------------------------------------------------


def verdict(target: dict[str, Any]) -> str:
    text = {True: "PASS", False: "FAIL", None: "n/a"}[target["passed"]]
    return f"({text.lower()}, info)" if target["informational"] else text


def measured(target: dict[str, Any]) -> str:
    value = target["value"]
    if value is None:
        return "n/a"
    return f"{value:.2f}×" if target["unit"] == "×" else f"{value:+.1f} µs"


def table_rows(data: dict[str, Any]) -> list[tuple[str, ...]]:
    by_scenario: dict[str, list[dict[str, Any]]] = {}
    for target in data["targets"]:
        by_scenario.setdefault(target["scenario"], []).append(target)
    rows = [("scenario", "median µs", "× plain", "target", "measured", "")]
    for s in data["scenarios"]:
        ratio_plain = "—" if s["ratio_plain"] is None else f"{s['ratio_plain']:.2f}×"
        name = s["name"] + (" (information)" if "information" in s["group"] else "")
        first = (name, f"{s['median_us']:,.1f}", ratio_plain)
        targets = by_scenario.get(s["name"]) or [None]
        for i, t in enumerate(targets):
            cells = first if i == 0 else ("", "", "")
            tail = ("", "", "") if t is None else (t["target"], measured(t), verdict(t))
            rows.append((*cells, *tail))
    return rows


def align(rows: list[tuple[str, ...]], aligns: str) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = (f"{c:{a}{w}}" for c, a, w in zip(row, aligns, widths, strict=False))
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_table(data: dict[str, Any]) -> str:
    return align(table_rows(data), "<>><><")


def summary(data: dict[str, Any]) -> str:
    targets = [t for t in data["targets"] if not t["informational"]]
    passed = sum(1 for t in targets if t["passed"])
    failed = [f"{t['scenario']} {t['target']}" for t in targets if t["passed"] is False]
    return f"targets: {passed}/{len(targets)} pass" + (
        f": FAIL {'; '.join(failed)}" if failed else ""
    )


def tables_note(meta: dict[str, Any]) -> str:
    def built(t: dict[str, Any]) -> str:
        return "cached" if t["cached"] else f"built in {t['built_seconds']} s"

    sizes = "; ".join(
        f"{engine} " + ", ".join(f"{human(t['rows'])} rows ({built(t)})" for t in by.values())
        for engine, by in meta["denylist_tables"].items()
    )
    pg = (
        f"on {meta['postgres']}, databases of this run only, dropped at exit"
        if meta["postgres"]
        else "not reachable, skipped"
    )
    return f"denylist tables: {sizes}. PostgreSQL: {pg}. Tables are read into memory first."


def memory_note(mem: dict[str, Any]) -> str:
    return (
        f"verified-token cache: ~{mem['bytes_per_entry']:,} bytes per entry "
        f"(a {mem['token_chars']}-char token and its claims), "
        f"~{mem['bytes_per_entry'] * mem['bound'] / 2**20:.1f} MiB at the bound "
        f"DJWTO_TOKEN_CACHE_SIZE={mem['bound']:,}; "
        f"{'stays bounded' if mem['stays_bounded'] else 'NOT BOUNDED'} "
        f"(tracemalloc over {mem['sampled_entries']:,} requests with new tokens)."
    )


def format_report(data: dict[str, Any]) -> str:
    meta = data["meta"]
    redis = f" ({meta['redis']})" if meta["redis"] else " (Redis not reachable)"
    lines = [
        f"djwto in-process benchmark: Python {meta['python']}, Django {meta['django']}, "
        f"{meta['cpus']} CPUs, {meta['rounds']} interleaved rounds of ~{meta['batch_ms']:g} ms "
        f"batches{' (quick)' if meta['quick'] else ''}; WSGIHandler calls, no middleware, "
        "in-memory SQLite. Ratios are medians of per-round ratios.",
        "",
        format_table(data),
        "",
        summary(data),
        f"cache denylist backend: {meta['denylist_cache_backend']}{redis}",
        tables_note(meta),
        "login: PBKDF2 rows use Django's default hashers (what a deployment pays); MD5 rows are "
        "information only (hashing hidden, so ratios there are not what a deployment sees). "
        "Every login row but plain simplejwt's updates last_login.",
        "rotation: a pool of fresh refresh tokens is minted before each timed loop on both sides.",
    ]
    if data.get("token_cache_memory"):
        lines.append(memory_note(data["token_cache_memory"]))
    lines.append(f"total {data.get('seconds', 0)} s")
    return "\n".join(lines)
