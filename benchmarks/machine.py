"""What a run was measured on: the machine, how busy it was, the library versions and the project's commit.

Every result file carries this, because the figures mean little without it: the development machine has
2 cores shared with other work, and the code changes while people work on it.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from project import PROJECT_DIR

_PACKAGES = ("numpy", "pandas", "pyarrow", "lightgbm", "sklearn", "shap", "bentoml", "mlflow", "httpx")


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy the machine was (load average)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) * 1024
    except (OSError, AttributeError):
        mem = 0
    versions = {}
    for module in _PACKAGES:
        try:
            versions[module] = __import__(module).__version__
        except Exception:
            continue
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(mem / 1e9, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1_5_15": load_average(),
        "code": code_state(),
        "versions": versions,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def announce() -> dict[str, Any]:
    """:func:`machine`, and a progress line saying what it is and how busy."""
    from report import say

    info = machine()
    say(f"machine: {describe(info)}; {load_note()}")
    return info


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (recorded at the start and at the end of a run)."""
    return [round(x, 2) for x in os.getloadavg()]


def describe(info: dict[str, Any], *packages: str) -> str:
    """``2 cores (AMD EPYC), 25.3 GB RAM, Python 3.11.7, pandas 3.1.1``: the machine line of a result file,
    with the versions of ``packages`` (names as :func:`machine` records them, e.g. ``sklearn``)."""
    parts = [f"{info['cpus']} cores ({info['cpu_model']})", f"{info['memory_gb']} GB RAM", f"Python {info['python']}"]
    parts += [f"{name} {info['versions'][name]}" for name in packages if name in info["versions"]]
    return ", ".join(parts)


def code_state() -> dict[str, Any]:
    """The commit the figures belong to and the project files modified on top of it (read-only git calls)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "--no-optional-locks", *args], cwd=PROJECT_DIR, capture_output=True,
                                  text=True, timeout=20, check=False)
            return done.stdout if done.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("rev-parse", "--short", "HEAD").strip()
    status = git("status", "--porcelain", "--", "features", "scoring", "training", "serving", "leadscore")
    modified = [line[3:] for line in status.splitlines() if len(line) > 3]
    return {"head": head or "unknown", "modified": modified}


def code_note(state: dict[str, Any]) -> str:
    if not state["modified"]:
        return f"Code: commit {state['head']} (clean)."
    return f"Code: commit {state['head']} plus uncommitted changes to {', '.join(state['modified'])}."


def load_note() -> str:
    one, five, _ = os.getloadavg()
    cpus = os.cpu_count() or 1
    note = f"load average {one:.2f} (1 min) / {five:.2f} (5 min) on {cpus} cores"
    if five > 0.5 * cpus:
        note += " — the machine was busy with other work; absolute times are inflated, ratios less so"
    return note
