"""What a benchmark tells: progress lines while it runs, tables on stdout, and its result files.

Each benchmark writes ``results/<name>.md`` (to read) and ``results/<name>.json`` (every number, the arguments
and the machine, for tools), replacing the previous run's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from project import PROJECT_DIR, RESULTS_DIR

_T0 = time.perf_counter()

Target = tuple[str, str, str]
"""One target of a benchmark: what is asked, what was measured, and the verdict (:func:`verdict`)."""


def say(message: str) -> None:
    """A progress line with the seconds since the script started (long jobs print these)."""
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", flush=True)


def gb(n_bytes: float) -> float:
    return n_bytes / 1e9


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f} M/s"
    if per_second >= 1e3:
        return f"{per_second / 1e3:.1f} k/s"
    return f"{per_second:.1f} /s"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain-text table on stdout."""
    cells = [list(map(str, header))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                              strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


TARGET_HEADER = ("target", "measured", "verdict")


def target_records(targets: Sequence[Target]) -> list[dict[str, str]]:
    """The targets as the JSON result holds them."""
    return [{"target": t, "measured": m, "verdict": v} for t, m, v in targets]


def write_results(name: str, data: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    """Write ``results/<name>.json`` and ``results/<name>.md`` (via a temporary file, then rename)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS_DIR / f"{name}.json"
    md_path = RESULTS_DIR / f"{name}.md"
    for path, text in ((json_path, json.dumps(data, indent=2, default=_json_default) + "\n"), (md_path, markdown)):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    say(f"wrote {md_path.relative_to(PROJECT_DIR)} and {json_path.relative_to(PROJECT_DIR)}")
    return json_path, md_path


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
