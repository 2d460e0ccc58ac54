"""Shared helpers of the benchmark scripts: timing, peak memory, cached generated worlds, result files.

Benchmarks are scripts run by hand (``.venv/bin/python benchmarks/features.py``), not tests. Every figure
they report is a median over repeats (or a percentile over many calls) measured in the same run as the
baseline it is compared with, because a 2-core machine shared with other work is noisy: ratios measured
side by side are more trustworthy than absolute seconds.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"

if str(PROJECT_DIR) not in sys.path:  # run as a script from anywhere: make the project importable
    sys.path.insert(0, str(PROJECT_DIR))

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")

_T0 = time.perf_counter()


# --------------------------------------------------------------------------------------------------
# progress


def say(message: str) -> None:
    """A progress line with the seconds since the script started (long jobs print these)."""
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", flush=True)


# --------------------------------------------------------------------------------------------------
# memory


def _status_kb(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{key}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def rss_bytes() -> int:
    """Current resident set size of this process."""
    return _status_kb("VmRSS") * 1024


def peak_rss_bytes() -> int:
    """Peak resident set size since the process started or since the last :func:`reset_peak_rss`."""
    hwm = _status_kb("VmHWM") * 1024
    if hwm:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # not Linux: lifetime peak only


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux ``clear_refs`` 5).

    This is what lets one process measure the peak memory of several sections one after the other.
    Returns False where it is not possible (then peaks are lifetime peaks and say so).
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Measurement:
    """Wall and CPU seconds of each repeat, and the section's peak RSS."""

    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_rss: int = 0  # bytes: the process's peak while the section ran (max over repeats)
    rss_before: int = 0  # bytes: RSS when the section started (the first repeat)
    peak_is_lifetime: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def peak_above_start(self) -> int:
        return max(0, self.peak_rss - self.rss_before)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "min_s": min(self.wall),
            "max_s": max(self.wall),
            "repeats": len(self.wall),
            "cpu_median_s": self.cpu_median,
            "peak_rss_bytes": self.peak_rss,
            "rss_before_bytes": self.rss_before,
            "peak_above_start_bytes": self.peak_above_start,
            "peak_is_lifetime": self.peak_is_lifetime,
            "wall_s": self.wall,
        }


def measure(name: str, fn: Callable[[], Any], repeats: int = 3, keep_last: bool = True,
            progress: bool = True) -> tuple[Measurement, Any]:
    """Run ``fn`` ``repeats`` times; return the timings and (``keep_last``) the last result.

    Peak RSS is reset before every repeat, so it is the peak of this section, not of earlier work;
    the result of the previous repeat is dropped before the next starts, so it does not inflate the peak.
    """
    m = Measurement(name)
    result = None
    for i in range(repeats):
        result = None  # free the previous repeat's result first
        m.peak_is_lifetime = not reset_peak_rss()
        before = rss_bytes()
        if i == 0:
            m.rss_before = before
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = fn()
        m.wall.append(time.perf_counter() - t0)
        m.cpu.append(time.process_time() - c0)
        m.peak_rss = max(m.peak_rss, peak_rss_bytes())
        if progress:
            say(f"  {name}: repeat {i + 1}/{repeats} {m.wall[-1]:.3f} s (cpu {m.cpu[-1]:.3f} s, "
                f"peak RSS {gb(m.peak_rss):.2f} GB)")
    return m, (result if keep_last else None)


def time_calls(fn: Callable[[], Any], calls: int, warmup: int = 30) -> list[float]:
    """Per-call wall times (seconds) of ``calls`` calls after ``warmup`` untimed ones (caches, JIT paths)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def latency_stats(seconds: Sequence[float]) -> dict[str, float]:
    """Median, mean, p90, p99 and max of per-call latencies, in milliseconds."""
    ms = sorted(s * 1000.0 for s in seconds)
    return {
        "calls": len(ms),
        "p50_ms": percentile(ms, 50),
        "mean_ms": statistics.fmean(ms),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1],
    }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def gb(n_bytes: float) -> float:
    return n_bytes / 1e9


# --------------------------------------------------------------------------------------------------
# machine


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
    for module in ("numpy", "pandas", "pyarrow", "lightgbm", "sklearn", "shap", "bentoml", "mlflow", "httpx"):
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
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "code": code_state(),
        "versions": versions,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def code_state() -> dict[str, Any]:
    """The commit the figures belong to and the project files modified on top of it (read-only git calls)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "--no-optional-locks", *args], cwd=PROJECT_DIR, capture_output=True,
                                  text=True, timeout=20, check=False)
            return done.stdout if done.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("rev-parse", "--short", "HEAD").strip()
    status = git("status", "--porcelain", "--", "features", "training", "serving", "leadscore")
    modified = [line[3:] for line in status.splitlines() if len(line) > 3]
    return {"head": head or "unknown", "modified": modified}


def source_digest(*packages: str) -> str:
    """SHA-256 (12 hex digits) of the project's Python sources in ``packages``: a cache key that changes
    whenever the code that produced a cached artefact (e.g. a trained model) changes."""
    import hashlib

    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((PROJECT_DIR / package).rglob("*.py")):
            digest.update(str(path.relative_to(PROJECT_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


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


# --------------------------------------------------------------------------------------------------
# cached generated worlds


def world_dir(n_leads: int, seed: int) -> Path:
    return CACHE_DIR / f"world-{n_leads}-seed{seed}"


def cached_world(n_leads: int, seed: int = 1) -> dict[str, Path]:
    """Parquet files of ``generate_world(WorldConfig(n_leads, seed))``, generated once into ``.cache/``.

    Written to a temporary folder and renamed, so an interrupted generation never leaves a half world.
    """
    folder = world_dir(n_leads, seed)
    names = ("leads", "activities", "conversions", "truth")
    paths = {name: folder / f"{name}.parquet" for name in names}
    if all(p.exists() for p in paths.values()):
        return paths
    from leadscore.synthetic import WorldConfig, generate_world, write_world

    say(f"generating a world of {n_leads:,} leads (seed {seed}) into {folder} — once; later runs reuse it")
    t0 = time.perf_counter()
    world = generate_world(WorldConfig(n_leads=n_leads, seed=seed))
    say(f"  generated {len(world.leads):,} leads, {len(world.activities):,} activities in "
        f"{time.perf_counter() - t0:.0f} s; writing parquet")
    scratch = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    write_world(world, scratch, "parquet")
    del world
    shutil.rmtree(folder, ignore_errors=True)
    scratch.rename(folder)
    say(f"  world cached in {time.perf_counter() - t0:.0f} s")
    return paths


# --------------------------------------------------------------------------------------------------
# results


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


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


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


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_rate(per_second: float) -> str:
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f} M/s"
    if per_second >= 1e3:
        return f"{per_second / 1e3:.1f} k/s"
    return f"{per_second:.1f} /s"


# --------------------------------------------------------------------------------------------------
# HTTP load generator (runs in its own process so that it does not share the GIL with anything)


def run_load(url: str, path: str, body: bytes, concurrency: int, max_requests: int, max_seconds: float,
             warmup_per_client: int = 5, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """POST ``body`` to ``url + path`` from ``concurrency`` client threads in a separate Python process.

    Each thread keeps one HTTP/1.1 keep-alive connection (``http.client``, the lightest stdlib client) and
    sends the next request as soon as the previous answer is read (closed loop). After ``warmup_per_client``
    unmeasured requests per thread, measurement runs until ``max_requests`` measured requests have been
    sent or ``max_seconds`` have passed. Returns latency percentiles, requests/s, errors, and the load
    generator's own CPU seconds per request (to show it does not dominate the measurement).
    """
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        body_file = Path(scratch) / "body.json"
        body_file.write_bytes(body)
        config = {"url": url, "path": path, "body_file": str(body_file), "concurrency": concurrency,
                  "max_requests": max_requests, "max_seconds": max_seconds, "warmup": warmup_per_client,
                  "headers": headers or {}}
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "loadgen"], input=json.dumps(config),
                              capture_output=True, text=True, timeout=max_seconds * 4 + 300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _loadgen(config: dict[str, Any]) -> dict[str, Any]:
    import http.client
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(config["url"])
    body = Path(config["body_file"]).read_bytes()
    headers = {"Content-Type": "application/json", "Accept": "application/json", **config["headers"]}
    n = int(config["concurrency"])
    lock = threading.Lock()
    remaining = [int(config["max_requests"])]
    deadline = [float("inf")]
    latencies: list[list[float]] = [[] for _ in range(n)]
    ends = [0.0] * n
    errors: list[str] = []
    statuses: dict[int, int] = {}
    barrier = threading.Barrier(n + 1)

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)

        def once() -> tuple[float, int, bytes]:
            t0 = time.perf_counter()
            conn.request("POST", config["path"], body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return time.perf_counter() - t0, response.status, data

        try:
            for _ in range(int(config["warmup"])):
                once()
        finally:
            barrier.wait()
        while True:
            with lock:
                if remaining[0] <= 0 or time.perf_counter() > deadline[0]:
                    break
                remaining[0] -= 1
            seconds, status, data = once()
            latencies[i].append(seconds)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200 and len(errors) < 3:
                    errors.append(f"{status}: {data[:300]!r}")
        ends[i] = time.perf_counter()
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    deadline[0] = start + float(config["max_seconds"])
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    for thread in threads:
        thread.join()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    elapsed = max(ends) - start
    flat = [s for per in latencies for s in per]
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {
        "concurrency": n,
        "requests": len(flat),
        "elapsed_s": elapsed,
        "requests_per_s": len(flat) / elapsed if elapsed > 0 else float("nan"),
        "latency": latency_stats(flat) if flat else {},
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": errors,
        "client_cpu_s": cpu,
        "client_cpu_ms_per_request": 1000 * cpu / len(flat) if flat else float("nan"),
        "body_bytes": len(body),
    }


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "loadgen":
    print(json.dumps(_loadgen(json.loads(sys.stdin.read()))))


# --------------------------------------------------------------------------------------------------
# timing a function's callees without a profiler


class wrapped:
    """Temporarily replace module attributes with timing wrappers; ``times[label]`` accumulates seconds.

    ``targets`` are ``(module, attribute, label)``; a ``label`` may be a callable ``label(*args)`` (e.g. to
    key by which function was passed in). Missing attributes are skipped, so a benchmark keeps working
    when the code it times is refactored. Nested wrapped calls are each counted (report them as "of which").
    """

    def __init__(self, targets: Sequence[tuple[Any, str, Any]]) -> None:
        self.targets = [(m, a, label) for m, a, label in targets if hasattr(m, a)]
        self.times: dict[str, float] = {}
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> dict[str, float]:
        for module, attribute, label in self.targets:
            original = getattr(module, attribute)
            self._saved.append((module, attribute, original))
            setattr(module, attribute, self._wrap(original, label))
        return self.times

    def __exit__(self, *exc: object) -> None:
        for module, attribute, original in reversed(self._saved):
            setattr(module, attribute, original)
        self._saved.clear()

    def _wrap(self, fn: Callable[..., Any], label: Any) -> Callable[..., Any]:
        times = self.times

        def timed(*args: Any, **kwargs: Any) -> Any:
            key = label(*args) if callable(label) else label
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[key] = times.get(key, 0.0) + time.perf_counter() - t0

        return timed
