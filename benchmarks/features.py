"""Benchmark: the feature pipeline, batch (a million leads) and online (one lead), against plain pandas.

    .venv/bin/python benchmarks/features.py                 # 1M leads, ~19M activities (the target size)
    .venv/bin/python benchmarks/features.py --leads 100000  # quick run (~1 minute once the world is cached)

What is measured, all in one process and one run (so the ratios share the machine's state):

* **load** — ``pd.read_parquet`` of the leads and activities files (parsing only; no feature work), and,
  once, the contract loader ``features.loading.load_event_data`` that the batch CLI runs on the same files
  (validation, duplicate/orphan rejection, per-row report): loading, not feature computation.
* **build_features** — ``features.pipeline.build_features(leads, activities, as_of)`` on the frames already
  in memory: every catalogue feature of every lead (engagement + fit signals). Median of ``--repeats``.
  Broken down once into its steps (the lead batch, fit signals, engagement signals, frame assembly).
* **engagement path** — only the part the plain version also does: activities → the batch's aligned
  arrays → ``engagement_features`` (which still computes more signals than the plain version).
* **plain pandas** — the same windows written straightforwardly as a data scientist would (filter by window,
  ``groupby([lead_id, activity_type]).size().unstack()``, join; plus days since the last activity), measured
  in the same run; its counts are checked against build_features' for equality.
* **online** — one lead with ``--online-activities`` activities through the service's feature path
  (``features.records.read_records`` + ``features.pipeline.feature_columns``), given as the request's JSON
  text (ISO moments) and as datetimes: median and p99 over ``--online-calls`` calls.

Targets (from the issues): batch ≤ 15 s and peak ≤ 4 GB at 1M leads / ~20M activities; ≥ 3× faster than the
plain version; online ≤ 2 ms median. Results go to ``benchmarks/results/features.{md,json}``.
"""

from __future__ import annotations

import argparse
import gc
import random
from datetime import datetime
from typing import Any

import machine
import measure
import numpy as np
import pandas as pd
import report
import worlds
from measure import Measurement
from report import say

import features.batch
import features.fit
import features.pipeline
from features import values
from features.batch import LeadBatch
from features.catalogue import Catalogue, build_catalogue
from features.config import FeatureConfig
from features.contract import ACTIVITY_TYPE, CREATED_AT, LEAD_ID, OCCURRED_AT
from features.engagement import engagement_features
from features.pipeline import build_features, feature_columns
from features.records import read_records

TARGET_BATCH_S = 15.0
TARGET_PEAK_GB = 4.0
TARGET_SPEEDUP = 3.0
TARGET_ONLINE_MS = 2.0
DEFAULT_AS_OF = "2026-06-30T00:00:00Z"  # the generated world's export moment: every lead exists


# --------------------------------------------------------------------------------------------------
# the baseline: plain pandas, as a data scientist would write it


def plain_pandas_features(leads: pd.DataFrame, activities: pd.DataFrame, as_of: pd.Timestamp,
                          windows: tuple[int, ...] = (7, 30, 90)) -> pd.DataFrame:
    """Counts per activity type in 7/30/90-day windows and days since the last activity, per lead."""
    leads = leads[leads["created_at"] <= as_of]
    acts = activities[activities["occurred_at"] <= as_of]
    out = pd.DataFrame(index=pd.Index(leads["lead_id"], name="lead_id"))
    for days in windows:
        recent = acts[acts["occurred_at"] > as_of - pd.Timedelta(days=days)]
        counts = recent.groupby(["lead_id", "activity_type"]).size().unstack(fill_value=0)
        counts.columns = [f"n_{name}_{days}d" for name in counts.columns]
        out = out.join(counts)
    count_columns = [name for name in out.columns if name.startswith("n_")]
    out[count_columns] = out[count_columns].fillna(0)
    last = acts.groupby("lead_id")["occurred_at"].max().rename("last_activity")
    out = out.join(last)
    out["days_since_last_activity"] = (as_of - out["last_activity"]) / pd.Timedelta(days=1)
    return out.drop(columns="last_activity")


def check_agreement(project: pd.DataFrame, plain: pd.DataFrame) -> dict[str, Any]:
    """The columns both compute must agree exactly (contract activity types; recency to 1e-9 days)."""
    common = [name for name in plain.columns if name in project.columns]
    plain = plain.reindex(project.index)
    mismatched = []
    for name in common:
        a = project[name].to_numpy(dtype=np.float64)
        b = plain[name].to_numpy(dtype=np.float64)
        if not np.allclose(a, b, rtol=0, atol=1e-9, equal_nan=True):
            mismatched.append(name)
    return {"columns_compared": len(common), "mismatched": mismatched, "agree": not mismatched}


# --------------------------------------------------------------------------------------------------
# the project's engagement path alone (what the plain version also does, and more)


def engagement_only(leads: pd.DataFrame, activities: pd.DataFrame, as_of_us: int, config: FeatureConfig):
    """Activities → the batch's aligned arrays → ``engagement_features``; no profile columns, no fit signals."""
    batch = LeadBatch.from_frames(leads[[LEAD_ID, CREATED_AT]], activities).existing_at(as_of_us)
    return engagement_features(batch.activities, len(batch), as_of_us, batch.created_us, config)


BATCH = "LeadBatch.from_frames (activities → aligned int arrays, profile columns)"
FIT = "fit signals (fit_features)"
ENGAGEMENT = "engagement_features"


def breakdown(leads: pd.DataFrame, activities: pd.DataFrame, as_of: pd.Timestamp, config: FeatureConfig
              ) -> dict[str, float]:
    """One build_features call with its callees timed by wrapping them (no profiler overhead).

    Wraps whatever the pipeline currently calls (missing names are skipped), so the breakdown follows the
    code as it is refactored. Rows starting with "of which" are inside the row above."""

    def mapped(column: object, rule: object, *_: object) -> str:
        name = getattr(rule, "__name__", rule)
        return "  (type codes)" if name == "type_code_of" else f"    of which map_distinct({name})"

    targets = [
        (features.batch.LeadBatch, "from_frames", BATCH),
        (features.batch, "lead_rows", "  of which lead_id → row (lead_rows)"),
        (features.batch, "type_codes", "  of which activity_type → code (type_codes)"),
        (values, "moments", "  of which created_at, occurred_at → µs (values.moments)"),
        (features.pipeline, "fit_features", FIT),
        (values, "map_distinct", mapped),
        (features.fit, "email_domain_kinds", "    of which email_domain_kinds (e-mail kind, per distinct domain)"),
        (features.pipeline, "engagement_features", ENGAGEMENT),
    ]
    with measure.wrapped(targets) as timed:
        total, _ = measure.measure("build_features (wrapped)", lambda: build_features(leads, activities, as_of,
                                                                                      config), 1, progress=False)
    times, total_s = timed.times, total.median
    ordered = {label: times[label] for label in (BATCH, *(t[2] for t in targets[1:4]), FIT) if label in times}
    slow_maps = sorted((k for k in times if k.startswith("    of which")), key=lambda k: -times[k])
    ordered.update((label, times[label]) for label in slow_maps[:5])
    if ENGAGEMENT in times:
        ordered[ENGAGEMENT] = times[ENGAGEMENT]
    ordered["the rest (leads existing at the moment, DataFrame assembly)"] = total_s - sum(
        times.get(k, 0.0) for k in (BATCH, FIT, ENGAGEMENT))
    ordered["build_features total (this run)"] = total_s
    return ordered


# --------------------------------------------------------------------------------------------------
# online


def online_record(leads: pd.DataFrame, activities: pd.DataFrame, as_of: pd.Timestamp, n_activities: int,
                  seed: int = 0) -> dict[str, object]:
    """One lead's record as a request carries it (the contract's fields, moments as ISO text) with
    ``n_activities`` activities from the last 180 days."""
    rng = random.Random(seed)
    row = leads.iloc[len(leads) // 2]
    lead = {k: (v.isoformat() if isinstance(v, pd.Timestamp) else (None if pd.isna(v) else v))
            for k, v in row.items() if k != "source_row"}
    recent = activities[(activities[OCCURRED_AT] <= as_of) & (activities[OCCURRED_AT] > as_of - pd.Timedelta(days=180))]
    sample = recent.iloc[sorted(rng.sample(range(len(recent)), n_activities))]
    lead["activities"] = [{"occurred_at": t.isoformat(), "activity_type": str(a)}
                          for t, a in zip(sample[OCCURRED_AT], sample[ACTIVITY_TYPE], strict=True)]
    return lead


def with_datetimes(record: dict[str, object]) -> dict[str, object]:
    """The same record with its moments as timezone-aware datetimes (what a Python caller may pass)."""
    acts = [{**a, "occurred_at": datetime.fromisoformat(a["occurred_at"])} for a in record["activities"]]
    return {**record, CREATED_AT: datetime.fromisoformat(str(record[CREATED_AT])), "activities": acts}


def online_features(record: dict[str, object], as_of_us: int, config: FeatureConfig, catalogue: Catalogue):
    """One request's lead → its features, as the service computes them."""
    return feature_columns(read_records([record], as_of_us).batch, as_of_us, config, catalogue)


def online_section(record: dict[str, object], as_of_us: int, config: FeatureConfig, calls: int
                   ) -> tuple[dict[str, dict[str, float]], str]:
    catalogue = build_catalogue(config)
    inputs = {
        "iso_strings": record,
        "datetimes": with_datetimes(record),
        "iso_strings_50_activities": {**record, "activities": record["activities"][:50]},
    }
    online = {name: measure.latency(lambda r=r: online_features(r, as_of_us, config, catalogue), calls, warmup=100)
              for name, r in inputs.items()}
    profile = measure.profile_top(lambda: [online_features(record, as_of_us, config, catalogue)
                                           for _ in range(500)], 12)
    return online, profile


# --------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000, help="leads in the generated world (default 1M)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default=DEFAULT_AS_OF)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each batch measurement (median)")
    parser.add_argument("--online-calls", type=int, default=2000)
    parser.add_argument("--online-activities", type=int, default=200)
    parser.add_argument("--no-contract-load", action="store_true",
                        help="skip timing features.loading.load_event_data (slow at 1M leads)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of one build_features call")
    args = parser.parse_args()

    info = machine.announce()
    paths = worlds.cached_world(args.leads, args.seed)
    config = FeatureConfig()
    as_of = pd.Timestamp(args.as_of)
    as_of_us = values.moment_us(as_of)
    results: dict[str, Any] = {"args": vars(args), "machine": info}
    m: dict[str, Measurement] = {}

    # ---- load ------------------------------------------------------------------------------------
    say("load: pd.read_parquet of leads + activities")
    m["read"], frames = measure.measure("read_parquet", lambda: (pd.read_parquet(paths["leads"]),
                                                                 pd.read_parquet(paths["activities"])), args.repeats)
    leads, activities = frames
    del frames
    results["rows"] = {"leads": len(leads), "activities": len(activities)}
    results["rss_after_load_bytes"] = rss_loaded = measure.rss_bytes()
    say(f"  {len(leads):,} leads, {len(activities):,} activities; RSS with both frames loaded "
        f"{report.gb(rss_loaded):.2f} GB")

    # ---- build_features, the engagement path, plain pandas -------------------------------------------
    # results are not kept across measurements, so that each step's peak is its own (the frame of all
    # columns is built once more below for the agreement check)
    gc.collect()
    say(f"build_features at {as_of.isoformat()} ({args.repeats} repeats)")
    m["build"], _ = measure.measure("build_features", lambda: build_features(leads, activities, as_of, config),
                                    args.repeats, keep_last=False)
    say("engagement path only (LeadBatch.from_frames + engagement_features)")
    m["engagement"], _ = measure.measure("engagement path", lambda: engagement_only(leads, activities, as_of_us,
                                                                                    config), args.repeats,
                                         keep_last=False)
    gc.collect()
    say(f"plain pandas groupby/unstack version ({args.repeats} repeats)")
    m["plain"], _ = measure.measure("plain pandas", lambda: plain_pandas_features(leads, activities, as_of),
                                    args.repeats, keep_last=False)
    plain = plain_pandas_features(leads, activities, as_of)
    built = build_features(leads, activities, as_of, config)
    results["agreement"] = agreement = check_agreement(built, plain)
    say(f"  agreement on {agreement['columns_compared']} shared columns: "
        f"{'exact' if agreement['agree'] else 'MISMATCH ' + ', '.join(agreement['mismatched'])}")
    results["columns"] = {"build_features": built.shape[1], "plain_pandas": plain.shape[1],
                          "leads_out": len(built)}
    del plain, built
    gc.collect()

    # ---- breakdown and profile -------------------------------------------------------------------------
    say("breakdown of build_features into its steps (one run)")
    results["build_features_steps_s"] = breakdown(leads, activities, as_of, config)
    results["profile_build_features"] = "" if args.no_profile else measure.profile_top(
        lambda: build_features(leads, activities, as_of, config))
    gc.collect()

    # ---- contract loader (what the batch CLI runs before build_features) -------------------------------
    record = online_record(leads, activities, as_of, args.online_activities)
    if not args.no_contract_load:
        say("contract loader load_event_data(leads, activities) — once (validation + report)")
        from features.loading import load_event_data

        del leads, activities
        gc.collect()
        m["contract"], _ = measure.measure("load_event_data",
                                           lambda: load_event_data(paths["leads"], paths["activities"], None), 1,
                                           keep_last=False)

    # ---- online ---------------------------------------------------------------------------------------
    say(f"online: read_records + feature_columns, 1 lead × {len(record['activities'])} activities, "
        f"{args.online_calls} calls each")
    results["online"], results["profile_online"] = online_section(record, as_of_us, config, args.online_calls)
    results["load_average_end"] = machine.load_average()
    for key, name in (("read", "read_parquet"), ("contract", "load_event_data"), ("build", "build_features"),
                      ("engagement", "engagement_path"), ("plain", "plain_pandas")):
        if key in m:
            results[name] = m[key].as_dict()
    results["build_features"].update(feature_columns=results["columns"]["build_features"],
                                     leads_out=results["columns"]["leads_out"])
    results["plain_pandas"]["columns"] = results["columns"]["plain_pandas"]
    report.write_results("features", results, write_up(results, m, args, as_of))


def write_up(results: dict[str, Any], m: dict[str, Measurement], args: argparse.Namespace, as_of: pd.Timestamp
             ) -> str:
    """The tables on stdout and the Markdown of ``results/features.md``; adds the targets to ``results``."""
    info, n_leads, n_acts = results["machine"], results["rows"]["leads"], results["rows"]["activities"]
    build, plain, eng = m["build"], m["plain"], m["engagement"]
    speedup, eng_speedup = plain.median / build.median, plain.median / eng.median
    cpu_speedup, eng_cpu_speedup = plain.cpu_median / build.cpu_median, plain.cpu_median / eng.cpu_median
    rss_loaded, online, agreement = results["rss_after_load_bytes"], results["online"], results["agreement"]
    full = n_leads >= 1_000_000
    scale_note = "" if full else f" (measured at {n_leads:,} leads; the target is for 1M)"
    on = online["iso_strings"]
    columns = results["columns"]
    targets = [
        ("build_features ≤ 15 s at 1M leads", f"{build.median:.2f} s{scale_note}",
         report.verdict(build.median <= TARGET_BATCH_S) if full else "n/a (size)"),
        ("peak memory ≤ 4 GB", f"{report.gb(build.peak_rss):.2f} GB process peak (incl. {report.gb(rss_loaded):.2f} "
         f"GB of loaded frames){scale_note}",
         report.verdict(report.gb(build.peak_rss) <= TARGET_PEAK_GB) if full else "n/a (size)"),
        (f"≥ 3× faster than plain pandas: whole build_features ({columns['build_features']} columns, fit signals "
         f"included)", f"{speedup:.2f}× ({report.fmt_s(plain.median)} / {report.fmt_s(build.median)}; CPU time "
         f"{cpu_speedup:.2f}×)", report.verdict(speedup >= TARGET_SPEEDUP)),
        ("≥ 3× faster than plain pandas: engagement path (the same windows and recency, and more)",
         f"{eng_speedup:.2f}× ({report.fmt_s(plain.median)} / {report.fmt_s(eng.median)}; CPU time "
         f"{eng_cpu_speedup:.2f}×)", report.verdict(eng_speedup >= TARGET_SPEEDUP)),
        (f"online ≤ 2 ms median (1 lead, {args.online_activities} activities, as the request's JSON)",
         f"{on['p50_ms']:.3f} ms (p99 {on['p99_ms']:.3f} ms)", report.verdict(on["p50_ms"] <= TARGET_ONLINE_MS)),
    ]
    results["targets"] = report.target_records(targets)

    def row(label: str, kind: str, x: Measurement, rate: str) -> tuple[str, ...]:
        return (label, kind, report.fmt_s(x.median), report.fmt_s(x.cpu_median), f"{report.gb(x.peak_rss):.2f} GB",
                rate)

    batch_rows = [row("read_parquet (leads + activities)", "load", m["read"],
                      report.fmt_rate(n_acts / m["read"].median) + " act.")]
    if "contract" in m:
        batch_rows.append(row("load_event_data (contract loader, 1 run)", "load", m["contract"],
                              report.fmt_rate(n_acts / m["contract"].median) + " act."))
    batch_rows += [
        row("build_features (all features)", "features", build, report.fmt_rate(n_leads / build.median) + " leads"),
        row("engagement path only", "features", eng, report.fmt_rate(n_leads / eng.median) + " leads"),
        row("plain pandas groupby/unstack", "features", plain, report.fmt_rate(n_leads / plain.median) + " leads"),
    ]
    header = ("step", "kind", "median wall", "median CPU", "process peak RSS", "throughput")
    steps = results["build_features_steps_s"]
    run_total = steps["build_features total (this run)"]
    step_rows = [(name, report.fmt_s(s), f"{100 * s / run_total:.0f} %") for name, s in steps.items()]
    online_rows = [(name, f"{v['p50_ms']:.3f}", f"{v['p90_ms']:.3f}", f"{v['p99_ms']:.3f}", v["calls"])
                   for name, v in online.items()]
    for table_header, rows in ((header, batch_rows), (("build_features step (one run)", "wall", "share"), step_rows),
                               (("online features of one lead", "p50 ms", "p90 ms", "p99 ms", "calls"), online_rows),
                               (report.TARGET_HEADER, targets)):
        print()
        report.print_table(table_header, rows)

    md = [
        "# Feature pipeline benchmark",
        "",
        f"`.venv/bin/python benchmarks/features.py --leads {args.leads}` — {n_leads:,} leads, {n_acts:,} activities "
        f"(generated world, seed {args.seed}, cached parquet), as of {as_of.isoformat()}.",
        f"Machine: {machine.describe(info, 'pandas', 'numpy')}. {machine.load_note()} (at the end; at the start "
        f"{info['load_average_1_5_15']}). {machine.code_note(info['code'])}",
        f"Medians of {args.repeats} repeats. *Peak RSS* is the process's resident peak during the step "
        "(reset before each step), so it includes the input frames already in memory "
        f"({report.gb(rss_loaded):.2f} GB after loading) but no earlier step's result. *median CPU* is the "
        "process's CPU time: on a shared machine it moves less than the wall time.",
        "",
        "## Targets",
        "",
        report.md_table(report.TARGET_HEADER, targets),
        "",
        "## Batch: loading vs feature computation",
        "",
        "*load* = reading/parsing files (no feature work); *features* = computing features from frames in memory.",
        "",
        report.md_table(header, batch_rows),
        "",
        f"build_features is **{speedup:.2f}×** the speed of the plain pandas version (which computes only the "
        f"window counts and recency: {columns['plain_pandas']} columns vs {columns['build_features']}); the "
        f"engagement path alone (activities → arrays → engagement_features: every column the plain version has, "
        f"and more) is **{eng_speedup:.2f}×**. Shared columns agree: "
        f"{'exactly' if agreement['agree'] else 'NO: ' + ', '.join(agreement['mismatched'])} "
        f"({agreement['columns_compared']} columns).",
        "",
        "### Where build_features spends its time (one more run, its callees timed by wrapping them)",
        "",
        report.md_table(("step", "wall", "share of this run"), step_rows),
        "",
        "## Online: one lead through `read_records` + `feature_columns` (the service's feature path)",
        "",
        report.md_table(("input", "p50 ms", "p90 ms", "p99 ms", "calls"), online_rows),
        "",
        "`iso_strings`: the request's JSON as the service receives it; `datetimes`: moments as Python datetimes.",
        "",
    ]
    if results["profile_build_features"]:
        md += ["## cProfile: one build_features call (top own time)", "", "```",
               results["profile_build_features"].rstrip(), "```", ""]
    md += ["## cProfile: 500 online calls (top own time)", "", "```", results["profile_online"].rstrip(), "```", ""]
    return "\n".join(md)


if __name__ == "__main__":
    main()
