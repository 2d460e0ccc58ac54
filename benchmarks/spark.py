"""Benchmark: batch scoring and features on Spark (local mode) against the local path, in one run.

    .venv/bin/python benchmarks/spark.py                    # 100,000 leads (~2 M activities), Spark local[*]
    .venv/bin/python benchmarks/spark.py --leads 1000000    # the issue's size (needs the machine to itself)
    .venv/bin/python benchmarks/spark.py --step examples --leads 200000   # training examples, Spark vs local

What is measured, in one process so the ratio shares the machine's state:

* **local** — ``serving.batch.score_event_file`` on the world's Parquet files (load, features, scores,
  reasons, atomic write) and ``engines.partition.feature_rows`` after ``load_event_data`` (features only).
* **spark** — ``engines.spark.score_spark`` / ``features_spark`` on the same files into a Parquet folder, in
  a session started beforehand (its start-up is reported apart: a cluster job pays it once per job). The
  outputs are compared with the local ones (same rows, every number with the same bits).
* **per bucket** — leads per second of one bucket's Python call (``--buckets``), the figure a cluster
  sizing divides by.

``--step examples`` measures instead the training examples (``leadscore train``'s input): locally
``load_event_data`` → ``training.train.local_history`` → ``build_examples`` at the labelled snapshot moments;
on Spark ``engines.spark_examples.SparkTables`` (both passes: the history's span, then the examples collected
to the driver, no sampling below ``--max-examples``), compared bit for bit. Results go to
``benchmarks/results/spark_examples.{md,json}``.

Local mode on one machine runs the same Python work plus Spark's shuffle and Arrow transfers, so its ratio
to the local path is the price of distribution, not a speed-up; the speed-up comes from executors. Results
go to ``benchmarks/results/spark.{md,json}``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import machine
import numpy as np
import pandas as pd
import report
import worlds

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _bitwise_equal(local: pd.DataFrame, spark: pd.DataFrame) -> bool:
    if list(local.columns) != list(spark.columns) or len(local) != len(spark):
        return False
    for name in local.columns:
        a, b = local[name], spark[name]
        if not (a.isna().to_numpy() == b.isna().to_numpy()).all():
            return False
        present = a.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            if not np.array_equal(a.to_numpy(np.float64)[present].view(np.uint64),
                                  b.to_numpy(np.float64)[present].view(np.uint64)):
                return False
        elif a[present].astype(str).tolist() != b[present].astype(str).tolist():
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000, help="leads in the scored world")
    parser.add_argument("--train-leads", type=int, default=20_000, help="leads of the world the model learns from")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--buckets", type=int, default=None)
    parser.add_argument("--as-of", default="2026-06-30T00:00:00Z")
    parser.add_argument("--step", choices=("score", "examples"), default="score",
                        help="score: scores and features; examples: training examples")
    parser.add_argument("--max-examples", type=int, default=None, help="examples: sample leads beyond this")
    args = parser.parse_args()
    if args.step == "examples":
        examples_benchmark(args)
        return

    info = machine.announce()
    from engines.partition import feature_rows
    from engines.spark import features_spark, score_spark
    from features.config import FeatureConfig
    from features.loading import load_event_data
    from scoring.options import ScoringOptions
    from serving.batch import score_event_file

    paths = worlds.cached_world(args.leads, 1)
    bundle = worlds.load_bundle(worlds.cached_model(args.train_leads, 1))
    options = ScoringOptions(pd.Timestamp(args.as_of).to_pydatetime()).resolved()
    scratch = Path(tempfile.mkdtemp(prefix="spark-bench-"))

    t0 = time.perf_counter()
    local = score_event_file(bundle, paths["leads"], paths["activities"], scratch / "local.parquet", options, "b")
    local_score_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    data, _ = load_event_data(paths["leads"], paths["activities"])
    local_features = feature_rows(data, options.as_of, FeatureConfig())  # type: ignore[arg-type]
    local_features_s = time.perf_counter() - t0
    del data

    spark, session_s = _started_session(args.master)
    t0 = time.perf_counter()
    summary = score_spark(spark, bundle, str(paths["leads"]), str(paths["activities"]), str(scratch / "scores"),
                          options, "b", args.buckets)
    spark_score_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    features_spark(spark, str(paths["leads"]), str(paths["activities"]), str(scratch / "features"),
                   options.as_of, buckets=args.buckets)  # type: ignore[arg-type]
    spark_features_s = time.perf_counter() - t0
    cores = spark.sparkContext.defaultParallelism
    spark.stop()

    same_scores = _bitwise_equal(pd.read_parquet(scratch / "local.parquet"),
                                 pd.read_parquet(scratch / "scores").sort_values("row").reset_index(drop=True))
    got = pd.read_parquet(scratch / "features").set_index("lead_id").loc[local_features["lead_id"]].reset_index()
    same_features = _bitwise_equal(local_features, got)
    per_bucket = args.leads / summary.buckets / (spark_score_s / max(1, summary.buckets / cores))
    results = {
        "machine": info, "leads": args.leads, "rows": local.rows, "buckets": summary.buckets, "spark_cores": cores,
        "local_score_s": local_score_s, "spark_score_s": spark_score_s, "score_ratio": spark_score_s / local_score_s,
        "local_features_s": local_features_s, "spark_features_s": spark_features_s,
        "features_ratio": spark_features_s / local_features_s, "session_start_s": session_s,
        "scores_bit_for_bit": same_scores, "features_bit_for_bit": same_features,
        "leads_per_second_per_core": per_bucket, "load_average_end": machine.load_average(),
    }
    rows = [("score (load → features → scores → file)", report.fmt_s(local_score_s), report.fmt_s(spark_score_s),
             f"{spark_score_s / local_score_s:.2f}×", "yes" if same_scores else "NO"),
            ("features", report.fmt_s(local_features_s), report.fmt_s(spark_features_s),
             f"{spark_features_s / local_features_s:.2f}×", "yes" if same_features else "NO")]
    table = report.md_table(["step", "local", f"Spark {args.master}", "Spark / local", "bit for bit"], rows)
    report.print_table(["step", "local", f"Spark {args.master}", "Spark / local", "bit for bit"], rows)
    markdown = (f"# Spark local mode vs the local path\n\n{args.leads:,} leads, {summary.buckets} buckets, "
                f"{cores} Spark cores; session start {report.fmt_s(session_s)} (not included).\n\n{table}\n\n"
                f"Scoring throughput per Spark core: {per_bucket:,.0f} leads/s.\n\n"
                f"Machine: {machine.describe(info, 'pandas', 'pyspark')}; {machine.load_note()}\n")
    report.write_results("spark", results, markdown)


def _started_session(master: str | None) -> tuple[SparkSession, float]:
    """A Spark session that has run a job, and the seconds that took (reported apart, never in a step)."""
    from engines.spark import spark_session

    t0 = time.perf_counter()
    spark = spark_session(master)
    spark.range(1).count()
    return spark, time.perf_counter() - t0


def examples_benchmark(args: argparse.Namespace) -> None:
    """Training examples built locally and on Spark from the same Parquet files, in one run."""
    import dataclasses
    import os

    # the driver holds every example (~1.5 GB of Arrow at 2M): Spark's default 1 GB driver would not
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS",
                          "--driver-memory 8g --conf spark.driver.maxResultSize=6g pyspark-shell")
    info = machine.announce()
    from engines.spark_examples import SparkTables
    from features.catalogue import build_catalogue
    from features.loading import load_event_data
    from training.config import TrainConfig
    from training.dataset import labelled_moments
    from training.train import local_history

    paths = worlds.cached_world(args.leads, 1)
    config = TrainConfig()
    if args.max_examples:
        config = dataclasses.replace(config, max_examples=args.max_examples)
    catalogue = build_catalogue(config.features)

    def quiet(_: str) -> None:
        return None

    t0 = time.perf_counter()
    data, _ = load_event_data(paths["leads"], paths["activities"], paths["conversions"], for_training=True)
    history = local_history(data.leads, data.activities, data.conversions)
    moments = labelled_moments(history.data_start, history.data_end, config)
    local = history.examples(moments, config, catalogue, quiet)
    local_s = time.perf_counter() - t0
    del data

    spark, session_s = _started_session(args.master)
    t0 = time.perf_counter()
    tables = SparkTables.read(spark, str(paths["leads"]), str(paths["activities"]), str(paths["conversions"]),
                              config.features, args.buckets)
    spark_history = tables.history(config, quiet)
    history_s = time.perf_counter() - t0
    got = spark_history.examples(moments, config, catalogue, quiet)
    spark_s = time.perf_counter() - t0
    cores = spark.sparkContext.defaultParallelism
    spark.stop()

    sampling = tables.sampling
    same = (not sampling.sampled and got.index.equals(local.index)
            and _bitwise_equal(local.reset_index(), got.reset_index()))
    results = {
        "machine": info, "leads": args.leads, "examples": len(local), "snapshots": len(moments),
        "buckets": tables.buckets, "spark_cores": cores, "local_s": local_s, "spark_s": spark_s,
        "spark_history_pass_s": history_s, "ratio": spark_s / local_s, "session_start_s": session_s,
        "bit_for_bit": same, "sampling": sampling.metrics(), "load_average_end": machine.load_average(),
    }
    headers = ["step", "local", f"Spark {args.master}", "Spark / local", "bit for bit"]
    rows = [(f"training examples ({len(local):,} at {len(moments)} snapshots)", report.fmt_s(local_s),
             report.fmt_s(spark_s), f"{spark_s / local_s:.2f}×", "yes" if same else "NO")]
    report.print_table(headers, rows)
    markdown = (f"# Training examples: Spark local mode vs the local path\n\n{args.leads:,} leads, "
                f"{tables.buckets} buckets, {cores} Spark cores; session start {report.fmt_s(session_s)} (not "
                f"included); of the Spark time the first pass (the history's span) took {report.fmt_s(history_s)}."
                f"\n\n{report.md_table(headers, rows)}\n\n{sampling.text()}.\n\n"
                f"Machine: {machine.describe(info, 'pandas', 'pyspark')}; {machine.load_note()}\n")
    report.write_results("spark_examples", results, markdown)


if __name__ == "__main__":
    main()
