"""The serving benchmark's batch part: ``leadscore score``'s path on a large file, beside the bare model.

``serving.batch.score_event_file`` runs on ``--batch-leads`` leads (the world is generated once and cached,
shared with ``benchmarks/features.py``), timed end to end and per step (its callees wrapped, no profiler),
then the bare model on the same feature frame in the same process: ``bundle.matrix`` + TreeSHAP
(``bundle.model.contributions``) + the calibrated probability (``model.decision_function`` +
``calibrator.probability``). ``benchmarks/serve.py`` runs this file in a fresh Python process, as
``leadscore score`` runs (timed after its imports and model load), so the steps measured before it do not
shape the memory it works in; it can also be run alone:

    .venv/bin/python benchmarks/serve_batch.py --batch-leads 100000 --out /tmp/batch.json
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import measure
import pandas as pd
import report
import worlds
from project import CACHE_DIR
from report import Target, say

AS_OF = "2026-06-30T00:00:00+00:00"  # the generated world's export moment
TARGET_BATCH_S = 300.0
TARGET_BATCH_RATIO = 1.5

LOAD = "load_bundle_data (contract loader: read + validate; a chunked run's on the loader thread)"
BATCH = "LeadBatch.from_frames (the loader's frames → aligned arrays)"
FEATURES = "bundle.features (build_features)"
CHUNKS = "_score_in_chunks (all chunks)"
WAITING = "  of which waiting for the worker thread's explain"
SCORE = "  of which bundle.score (choosing reasons, their sentences)"
FRAME = "  of which ResultTable.frame (reason columns + reasons_json)"
EXPLAIN = "  bundle.explain (matrix + TreeSHAP + calibration + points), on the worker thread, beside the two above"
WRITE = "_write (concat, sort, write parquet)"
ROUTE = "routing activities to chunk files (Parquet exports over one chunk of leads)"
CHUNK_WRITE = "writing each chunk's rows (Parquet exports over one chunk of leads)"
REST = "rest of score_event_file (future-lead check, joins)"


def batch_suite(bundle: Any, n_leads: int, seed: int, keep_output: bool) -> dict[str, Any]:
    """score_event_file end to end (steps timed by wrapping its callees), then the bare model on the
    same features, in the same process."""
    import serving.batch as sb
    import serving.stream as stream
    from features.batch import LeadBatch
    from scoring.options import ScoringOptions
    from scoring.results import ResultTable

    paths = worlds.cached_world(n_leads, seed)
    out_path = CACHE_DIR / f"batch-scores-{n_leads}.parquet"
    options = ScoringOptions(pd.Timestamp(AS_OF).to_pydatetime(), "en", 5)
    targets = [(sb, "load_bundle_data", LOAD), (LeadBatch, "from_frames", BATCH), (bundle, "features", FEATURES),
               (sb, "_score_in_chunks", CHUNKS), (bundle, "score", SCORE), (ResultTable, "frame", FRAME),
               (bundle, "explain", EXPLAIN), (sb, "_write", WRITE), (stream, "_route_activities", ROUTE),
               (stream._ScoreFile, "write", CHUNK_WRITE)]
    say(f"batch: score_event_file on {n_leads:,} leads (top-5 reasons) → {out_path.name}")
    kept_features: list[pd.DataFrame] = []  # every chunk's, when a Parquet export is scored in chunks
    features_of = bundle.features

    def keeping_features(*args: Any, **kwargs: Any) -> pd.DataFrame:
        kept_features.append(features_of(*args, **kwargs))
        return kept_features[-1]

    bundle.features = keeping_features
    try:
        with measure.wrapped(targets) as timed:
            m, summary = measure.measure("score_event_file", lambda: sb.score_event_file(
                bundle, paths["leads"], paths["activities"], out_path, options, "1",
                lambda done, total: say(f"    scored {done:,}/{total:,}")), 1, progress=False)
    finally:
        del bundle.features
    total, peak = m.median, m.peak_rss
    times = {label: timed.times.get(label, 0.0) for label in (*(t[2] for t in targets), CHUNKS)}
    chunks = times[CHUNKS]
    steps = {LOAD: times[LOAD], BATCH: times[BATCH], FEATURES: times[FEATURES], CHUNKS: chunks,
             WAITING: chunks - times[SCORE] - times[FRAME], SCORE: times[SCORE], FRAME: times[FRAME],
             EXPLAIN: times[EXPLAIN], WRITE: times[WRITE]}
    steps.update({label: times[label] for label in (ROUTE, CHUNK_WRITE) if times[label]})
    if not times[ROUTE]:  # a chunked run's steps overlap on the loader, model and main threads: no "rest"
        steps[REST] = total - sum(times[k] for k in (LOAD, BATCH, FEATURES, CHUNKS, WRITE))
    say(f"  score_event_file: {total:.1f} s ({summary.scored:,} scored, {summary.errors:,} errors), "
        f"peak RSS {report.gb(peak):.2f} GB")
    if not keep_output:
        out_path.unlink(missing_ok=True)

    features = pd.concat(kept_features) if len(kept_features) > 1 else kept_features[0]
    del summary
    kept_features.clear()
    gc.collect()
    say(f"bare model on the same {len(features):,} × {features.shape[1]} features")
    m_matrix, X = measure.measure("bundle.matrix", lambda: bundle.matrix(features), 1)
    m_contrib, _ = measure.measure("model.contributions", lambda: bundle.model.contributions(X), 1, keep_last=False)
    m_proba, _ = measure.measure("calibrated probability", lambda: bundle.calibrator.probability(
        bundle.model.decision_function(X)), 1, keep_last=False)
    bare = m_matrix.median + m_contrib.median + m_proba.median
    return {
        "leads": n_leads, "scored_rows": len(features), "total_s": total, "total_cpu_s": m.cpu_median,
        "peak_rss_bytes": peak, "steps_s": steps,
        "bare_model": {"matrix": m_matrix.as_dict(), "contributions": m_contrib.as_dict(),
                       "predict_proba": m_proba.as_dict(), "total_s": bare},
        "ratio_to_bare": total / bare,
        "ratio_scoring_only_to_bare": chunks / bare,
        "trees": int(bundle.model.booster_.num_trees()),
        "leads_per_s": len(features) / total,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the batch part (``serve.py`` takes them too and passes them on)."""
    parser.add_argument("--train-leads", type=int, default=20_000, help="leads of the world the model is trained on")
    parser.add_argument("--seed", type=int, default=7, help="seed of the training world")
    parser.add_argument("--batch-leads", type=int, default=1_000_000, help="leads for the batch CLI path")
    parser.add_argument("--batch-seed", type=int, default=1, help="seed of the batch world (shared with features.py)")
    parser.add_argument("--keep-output", action="store_true", help="keep the batch score file in .cache/")


def in_fresh_process(args: argparse.Namespace) -> dict[str, Any]:
    """:func:`batch_suite` in a new Python process, as a user's ``leadscore score`` would run; its progress
    lines go to this process's output."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "batch.json"
        command = [sys.executable, __file__, "--out", str(out), "--train-leads", str(args.train_leads),
                   "--seed", str(args.seed), "--batch-leads", str(args.batch_leads), "--batch-seed",
                   str(args.batch_seed), *(["--keep-output"] if args.keep_output else [])]
        subprocess.run(command, check=True)
        return json.loads(out.read_text())


def write_up(b: dict[str, Any]) -> tuple[list[Target], list[str]]:
    """The batch part's targets, its table on stdout, and its Markdown section."""
    bare = b["bare_model"]
    full = b["leads"] >= 1_000_000
    targets = [
        ("1M leads with top-5 reasons ≤ 5 min", f"{b['total_s']:.0f} s for {b['scored_rows']:,} leads"
         + ("" if full else f" (→ ~{b['total_s'] * 1e6 / b['scored_rows']:.0f} s per 1M, linear)"),
         report.verdict(b["total_s"] <= TARGET_BATCH_S) if full else "n/a (size)"),
        ("batch ≤ 1.5× the bare model", f"{b['ratio_to_bare']:.2f}× (scoring step alone "
         f"{b['ratio_scoring_only_to_bare']:.2f}×)", report.verdict(b["ratio_to_bare"] <= TARGET_BATCH_RATIO)),
    ]
    rows = [(name, report.fmt_s(s), f"{100 * s / b['total_s']:.0f} %") for name, s in b["steps_s"].items()]
    rows.append(("**score_event_file total**", report.fmt_s(b["total_s"]), "100 %"))
    rows += [
        ("bare: bundle.matrix", report.fmt_s(bare["matrix"]["median_s"]), ""),
        ("bare: model.contributions (TreeSHAP)", report.fmt_s(bare["contributions"]["median_s"]), ""),
        ("bare: model.decision_function + calibrator.probability", report.fmt_s(bare["predict_proba"]["median_s"]),
         ""),
        ("**bare model total**", report.fmt_s(bare["total_s"]), f"{100 * bare['total_s'] / b['total_s']:.0f} %"),
    ]
    print()
    report.print_table(("batch step", "wall", "share"), rows)
    md = [f"## Batch CLI path: `score_event_file` on {b['leads']:,} leads", "",
          f"{b['scored_rows']:,} leads scored in {b['total_s']:.1f} s ({b['leads_per_s']:.0f} leads/s, CPU "
          f"{b['total_cpu_s']:.0f} s, peak RSS {report.gb(b['peak_rss_bytes']):.2f} GB); the bare model on the same "
          f"feature matrix takes {bare['total_s']:.1f} s: **{b['ratio_to_bare']:.2f}×**. Steps were timed by "
          "wrapping score_event_file's callees in this process (no profiler overhead)"
          + ("; in chunks, the loader thread, the model's thread and the main thread work side by side, so the "
             "steps add up to more than the total." if ROUTE in b["steps_s"] else "."), "",
          report.md_table(("step", "wall", "share of total"), rows), ""]
    return targets, md


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the figures (JSON)")
    add_arguments(parser)
    args = parser.parse_args()
    t0 = time.perf_counter()
    bundle = worlds.load_bundle(worlds.cached_model(args.train_leads, args.seed))
    say(f"model loaded in {time.perf_counter() - t0:.1f} s")
    results = batch_suite(bundle, args.batch_leads, args.batch_seed, args.keep_output)
    args.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
