"""Benchmark: peak memory and time of ``leadscore score`` on Parquet, whole file against chunk by chunk.

    .venv/bin/python benchmarks/stream.py                                  # 1M whole, 1M/2M/5M chunked
    .venv/bin/python benchmarks/stream.py --runs 2000000:whole 5000000:200000

Each run is ``serving.batch.score_event_file`` (load, features, scores with top-5 reasons, the file written)
in a child process of its own, so its peak resident memory (``ru_maxrss``) is its own; ``whole`` scores the
file in one piece (the path of a file smaller than a chunk), a number scores it in chunks of that many leads
(:mod:`serving.stream`). Worlds above 1M leads are the cached 1M-lead world repeated (``<id>~k``, copy k),
written by streaming, because generating a 5M-lead world holds it all in memory (more than this shared
machine spares); the copies score alike, which changes nothing about memory or time per lead. Results go to
``benchmarks/results/stream.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import machine
import report
import worlds
from project import CACHE_DIR, RESULTS_DIR

BASE = 1_000_000
DEFAULT_RUNS = ("1000000:whole", "1000000:200000", "2000000:200000", "5000000:200000")


def repeated_world(n_leads: int) -> dict[str, Path]:
    """The 1M-lead world repeated ``n_leads / 1M`` times (ids ``<id>~k``), streamed to Parquet once."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    base = worlds.cached_world(BASE, 1)
    if n_leads == BASE:
        return base
    copies, left = divmod(n_leads, BASE)
    if left:
        raise SystemExit(f"--runs: {n_leads:,} leads is not a whole number of {BASE:,}-lead worlds")
    folder = CACHE_DIR / f"world-{n_leads}-repeated"
    paths = {name: folder / f"{name}.parquet" for name in ("leads", "activities")}
    if all(p.exists() for p in paths.values()):
        return paths
    report.say(f"writing {copies} copies of the {BASE:,}-lead world into {folder} (once)")
    scratch = folder.with_name(folder.name + ".tmp")
    scratch.mkdir(parents=True, exist_ok=True)
    for name in paths:
        source = pq.ParquetFile(base[name])
        with pq.ParquetWriter(scratch / f"{name}.parquet", source.schema_arrow) as writer:
            for k in range(copies):
                for group in range(source.num_row_groups):
                    table = source.read_row_group(group)
                    kind = table.schema.field("lead_id").type
                    ids = pc.binary_join_element_wise(table.column("lead_id"), pa.scalar(f"~{k}", kind),
                                                      pa.scalar("", kind))
                    writer.write_table(table.set_column(table.schema.get_field_index("lead_id"), "lead_id", ids))
    scratch.rename(folder)
    return paths


def child(leads: Path, activities: Path, chunk: str, out: Path, model: str) -> None:
    """One run in this process: the score file, then one JSON line with the time and the peak memory."""
    import pandas as pd

    from scoring.options import ScoringOptions
    from serving.batch import score_event_file

    bundle = worlds.load_bundle(json.loads(model))
    options = ScoringOptions(pd.Timestamp("2026-06-30T00:00:00Z").to_pydatetime(), "en", 5).resolved()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    summary = score_event_file(bundle, leads, activities, out, options, "b",
                               chunk=10**12 if chunk == "whole" else int(chunk))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak / 1024, "before_rss_mb": before / 1024,
                      "rows": summary.rows, "scored": summary.scored, "errors": summary.errors}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", default=list(DEFAULT_RUNS), help="LEADS:CHUNK (CHUNK a number or whole)")
    parser.add_argument("--train-leads", type=int, default=20_000)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        leads, activities, chunk, out, model = args.child
        child(Path(leads), Path(activities), chunk, Path(out), model)
        return

    info = machine.announce()
    model = worlds.cached_model(args.train_leads, 1)
    results = {"machine": info, "runs": []}
    rows = []
    for run in args.runs:
        n, chunk = run.split(":")
        paths = repeated_world(int(n))
        import pyarrow.parquet as pq

        activities = pq.ParquetFile(paths["activities"]).metadata.num_rows
        with tempfile.TemporaryDirectory(prefix="stream-bench-") as scratch:
            load = machine.load_average()
            report.say(f"scoring {int(n):,} leads / {activities:,} activities, chunk {chunk} (load {load})")
            done = subprocess.run([sys.executable, __file__, "--child", str(paths["leads"]), str(paths["activities"]),
                                   chunk, str(Path(scratch) / "scores.parquet"), json.dumps(model)],
                                  capture_output=True, text=True)
        if done.returncode != 0:
            measured = {"failed": done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]}
        else:
            measured = json.loads(done.stdout.strip().splitlines()[-1])
        entry = {"leads": int(n), "activities": activities, "chunk": chunk, **measured, "load_average_start": load,
                 "load_average_end": machine.load_average()}
        results["runs"].append(entry)
        report.say(f"  {entry}")
        rows.append((f"{int(n):,}", f"{activities:,}", chunk,
                     report.fmt_s(entry["seconds"]) if "seconds" in entry else "failed",
                     f"{entry['peak_rss_mb'] / 1024:.2f} GB" if "peak_rss_mb" in entry else "—",
                     f"{entry['seconds'] / int(n) * 1e6:.0f} µs" if "seconds" in entry else "—",
                     " / ".join(str(x) for x in load)))
        head = ["leads", "activities", "chunk (leads)", "time", "peak RSS", "per lead", "load avg at start"]
        md = ["# `leadscore score` on Parquet: whole file vs chunks", "",
              f"Machine: {machine.describe(info)}. Command: `.venv/bin/python benchmarks/stream.py --runs "
              f"{' '.join(args.runs)}` (each run a process of its own; top-5 reasons; worlds above 1M leads "
              "are the 1M-lead world repeated).", "", report.md_table(head, rows), ""]
        RESULTS_DIR.mkdir(exist_ok=True)
        (RESULTS_DIR / "stream.md").write_text("\n".join(md), encoding="utf-8")
        (RESULTS_DIR / "stream.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    report.print_table(head, rows)


if __name__ == "__main__":
    main()
