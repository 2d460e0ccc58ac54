"""How the benchmarks measure: repeated timings and their medians, peak memory, per-call latencies, rounds
that alternate between two things compared, and callees timed by wrapping them.

Every figure is a median over repeats (or a percentile over many calls), and every comparison is made
against a baseline measured in the same run, best back to back: a 2-core machine shared with other work is
noisy, and ratios measured side by side move far less than absolute seconds.
"""

from __future__ import annotations

import cProfile
import inspect
import io
import pstats
import re
import resource
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from report import gb, say

T = TypeVar("T")


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


# --------------------------------------------------------------------------------------------------
# repeated sections


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


# --------------------------------------------------------------------------------------------------
# per-call latency


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


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


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


def latency(fn: Callable[[], Any], calls: int, warmup: int = 30) -> dict[str, float]:
    """:func:`latency_stats` of :func:`time_calls`: one call's cost, from many."""
    return latency_stats(time_calls(fn, calls, warmup))


# --------------------------------------------------------------------------------------------------
# comparisons in the same run


def alternating(runs: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Each of ``runs`` once per round, in turn, for ``rounds`` rounds: a drift in the machine's speed (other
    tenants) then lands on every run alike instead of on whichever ran during it."""
    out: dict[str, list[T]] = {label: [] for label in runs}
    for _ in range(rounds):
        for label, run in runs.items():
            out[label].append(run())
    return out


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Round-by-round ratios of two figures measured back to back (see :func:`alternating`); report their
    median, not the ratio of two medians."""
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


# --------------------------------------------------------------------------------------------------
# where the time goes


class wrapped:
    """Temporarily replace attributes of modules, classes or objects with timing wrappers; ``times[label]``
    accumulates seconds, and ``results[label]`` holds the last result of the labels in ``keep``.

    ``targets`` are ``(owner, attribute, label)``; a ``label`` may be a callable ``label(*args)`` (e.g. to key
    by which function was passed in). Missing attributes are skipped, so a benchmark keeps working when the
    code it times is refactored. A class's classmethod stays one; an object's method is shadowed by an
    attribute of the object and uncovered again afterwards. Nested wrapped calls are each counted (report
    them as "of which").
    """

    _ABSENT = object()

    def __init__(self, targets: Sequence[tuple[Any, str, Any]], keep: Sequence[str] = ()) -> None:
        self.targets = [(owner, a, label) for owner, a, label in targets if hasattr(owner, a)]
        self.keep = set(keep)
        self.times: dict[str, float] = {}
        self.results: dict[str, Any] = {}
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> wrapped:
        for owner, attribute, label in self.targets:
            original = getattr(owner, attribute)
            self._saved.append((owner, attribute, vars(owner).get(attribute, self._ABSENT)))
            timed = self._wrap(original, label)
            if isinstance(owner, type) and inspect.ismethod(original):  # a classmethod: called on the class
                timed = staticmethod(timed)
            setattr(owner, attribute, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, attribute, saved in reversed(self._saved):
            if saved is self._ABSENT:
                delattr(owner, attribute)  # it was the class's: uncovered again
            else:
                setattr(owner, attribute, saved)
        self._saved.clear()

    def _wrap(self, fn: Callable[..., Any], label: Any) -> Callable[..., Any]:
        times, results, keep = self.times, self.results, self.keep

        def timed(*args: Any, **kwargs: Any) -> Any:
            key = label(*args) if callable(label) else label
            t0 = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            finally:
                times[key] = times.get(key, 0.0) + time.perf_counter() - t0
            if key in keep:
                results[key] = result
            return result

        return timed


def profile_top(fn: Callable[[], Any], limit: int = 20) -> str:
    """cProfile of one call: the functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(limit)
    text = stream.getvalue()
    start = text.find("   ncalls")
    return text[start:] if start >= 0 else text
