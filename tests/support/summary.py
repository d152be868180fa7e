"""The last line of ``make test``: every pass's count, from the JUnit XML files pytest wrote.

    python tests/support/summary.py artifacts/test-results sqlite postgres compat

reads ``<dir>/<pass>.xml`` for each pass (``pytest --junitxml``) and prints one line such as
``make test: sqlite 2890 passed, postgres 2880 passed, compat 2870 passed, 0 failed``. A pass
that was skipped on purpose leaves ``<pass>.skipped`` (its first line says why) instead. Exits
1 when a test failed or errored, or when a pass left neither file (it did not finish).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def counts(xml_path: Path) -> dict[str, int]:
    """passed, failed (failures and errors) and skipped, summed over the file's test suites."""
    root = ET.parse(xml_path).getroot()  # noqa: S314 - pytest wrote it, in this run
    suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, 0))
    failed = total["failures"] + total["errors"]
    return {
        "passed": total["tests"] - failed - total["skipped"],
        "failed": failed,
        "skipped": total["skipped"],
    }


def summary(results: Path, passes: list[str]) -> tuple[str, bool]:
    """The line, and whether every pass finished with nothing failed."""
    parts, failed, skipped, ok = [], 0, 0, True
    for name in passes:
        xml_path, skip_path = results / f"{name}.xml", results / f"{name}.skipped"
        if xml_path.exists():
            found = counts(xml_path)
            parts.append(f"{name} {found['passed']} passed")
            failed += found["failed"]
            skipped += found["skipped"]
        elif skip_path.exists():
            reason = (skip_path.read_text().splitlines() or ["skipped"])[0].strip()
            parts.append(f"{name} skipped ({reason})")
        else:
            parts.append(f"{name} did not finish")
            ok = False
    line = f"make test: {', '.join(parts)}, {failed} failed"
    if skipped:
        line += f" ({skipped} skipped)"
    return line, ok and failed == 0


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    line, ok = summary(Path(argv[0]), argv[1:])
    print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
