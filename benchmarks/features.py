"""Benchmark: the feature pipeline, batch (a million leads) and online (one lead), against plain pandas.

    .venv/bin/python benchmarks/features.py                 # 1M leads, ~19M activities (the target size)
    .venv/bin/python benchmarks/features.py --leads 100000  # quick run (~1 minute once the world is cached)

What is measured, all in one process and one run (so the ratios share the machine's state):

* **load** — ``pd.read_parquet`` of the leads and activities files (parsing only; no feature work), and,
  once, the contract loader ``features.loading.load_event_data`` that the batch CLI runs on the same files
  (validation, duplicate/orphan rejection, per-row report): loading, not feature computation.
* **build_features** — ``features.pipeline.build_features(leads, activities, as_of)`` on the frames already
  in memory: every catalogue feature of every lead (engagement + fit signals). Median of ``--repeats``.
  Broken down once into its steps (ids/arrays, fit signals, engagement signals, frame assembly).
* **engagement path** — only the part the plain version also does: activities → arrays →
  ``engagement_features`` (which still computes more signals than the plain version).
* **plain pandas** — the same windows written straightforwardly as a data scientist would (filter by window,
  ``groupby([lead_id, activity_type]).size().unstack()``, join; plus days since the last activity), measured
  in the same run; its counts are checked against build_features' for equality.
* **online** — ``build_records_features`` for one lead with ``--online-activities`` activities (datetimes,
  as the service passes them after pydantic, and ISO strings): median and p99 over ``--online-calls`` calls.

Targets (from the issues): batch ≤ 15 s and peak ≤ 4 GB at 1M leads / ~20M activities; ≥ 3× faster than the
plain version; online ≤ 2 ms median. Results go to ``benchmarks/results/features.{md,json}``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import random
import time
from datetime import datetime
from typing import Any

import _common as c
import numpy as np
import pandas as pd

from features.catalogue import build_catalogue
from features.config import FeatureConfig
from features.contract import ACTIVITY_TYPE, CREATED_AT, LEAD_ID, OCCURRED_AT
from features.engagement import engagement_features
from features.pipeline import (
    activity_arrays,
    build_features,
    build_records_features,
    series_us,
    timestamp_us,
)

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
    created_us = series_us(leads[CREATED_AT])
    existing = created_us <= as_of_us
    lead_ids = pd.Index(leads.loc[existing, LEAD_ID].to_numpy(dtype=object))
    arrays = activity_arrays(activities, lead_ids)
    return engagement_features(arrays, len(lead_ids), as_of_us, created_us[existing], config)


def breakdown(leads: pd.DataFrame, activities: pd.DataFrame, as_of: pd.Timestamp, config: FeatureConfig
              ) -> dict[str, float]:
    """One build_features call with its callees timed by wrapping them (no profiler overhead).

    Wraps whatever ``features.pipeline`` / ``features.fit`` currently call (missing names are skipped), so the
    breakdown follows the code as it is refactored. Rows starting with "of which" are inside the row above.
    """
    import features.fit as ff
    import features.pipeline as fp

    def mapped(values: object, fn: object) -> str:
        return f"    of which map_values({getattr(fn, '__name__', fn)})"

    targets = [
        (fp, "activity_arrays", "activity_arrays (activities → aligned int arrays)"),
        (fp, "lead_rows", "  of which lead_id → row (lead_rows)"),
        (fp, "type_codes", "  of which activity_type → code (type_codes)"),
        (fp, "_fit_of_frame", "fit signals (_fit_of_frame)"),
        (ff, "map_values", mapped),
        (ff, "email_domain_kinds", "    of which email_domain_kinds (e-mail kind, per distinct domain)"),
        (fp, "engagement_features", "engagement_features"),
    ]
    t0 = time.perf_counter()
    with c.wrapped(targets) as times:
        build_features(leads, activities, as_of, config)
    total = time.perf_counter() - t0
    top = ("activity_arrays (activities → aligned int arrays)", "fit signals (_fit_of_frame)", "engagement_features")
    ordered = {}
    for label in (top[0], "  of which lead_id → row (lead_rows)", "  of which activity_type → code (type_codes)",
                  top[1]):
        if label in times:
            ordered[label] = times[label]
    slow_maps = sorted((k for k in times if k.startswith("    of which")), key=lambda k: -times[k])
    for label in slow_maps[:5]:
        ordered[label] = times[label]
    if top[2] in times:
        ordered[top[2]] = times[top[2]]
    ordered["the rest (ids, created_at, existing leads, DataFrame assembly)"] = total - sum(times.get(k, 0.0)
                                                                                            for k in top)
    ordered["build_features total (this run)"] = total
    return ordered


def profile_top(fn, limit: int = 20) -> str:
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


# --------------------------------------------------------------------------------------------------
# online


def online_inputs(leads: pd.DataFrame, activities: pd.DataFrame, as_of: pd.Timestamp, n_activities: int,
                  seed: int = 0) -> tuple[dict[str, object], list[dict[str, object]]]:
    """One lead record (the contract's fields) and ``n_activities`` activities from the last 180 days,
    as the service hands them to the pipeline after pydantic validation (datetimes, plain str)."""
    rng = random.Random(seed)
    row = leads.iloc[len(leads) // 2]
    lead = {k: (v.to_pydatetime() if isinstance(v, pd.Timestamp) else (None if pd.isna(v) else v))
            for k, v in row.items()}
    recent = activities[(activities[OCCURRED_AT] <= as_of) & (activities[OCCURRED_AT] > as_of - pd.Timedelta(days=180))]
    pick = sorted(rng.sample(range(len(recent)), n_activities))
    sample = recent.iloc[pick]
    acts = [{"occurred_at": t.to_pydatetime(), "activity_type": str(a)}
            for t, a in zip(sample[OCCURRED_AT], sample[ACTIVITY_TYPE], strict=True)]
    return lead, acts


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

    info = c.machine()
    c.say(f"machine: {info['cpus']} cores ({info['cpu_model']}), {info['memory_gb']} GB; {c.load_note()}")
    paths = c.cached_world(args.leads, args.seed)
    config = FeatureConfig()
    as_of = pd.Timestamp(args.as_of)
    results: dict[str, Any] = {"args": vars(args), "machine": info}

    # ---- load ------------------------------------------------------------------------------------
    c.say("load: pd.read_parquet of leads + activities")
    m_read, frames = c.measure("read_parquet", lambda: (pd.read_parquet(paths["leads"]),
                                                        pd.read_parquet(paths["activities"])), args.repeats)
    leads, activities = frames
    del frames
    n_leads, n_acts = len(leads), len(activities)
    rss_loaded = c.rss_bytes()
    c.say(f"  {n_leads:,} leads, {n_acts:,} activities; RSS with both frames loaded {c.gb(rss_loaded):.2f} GB")
    results["rows"] = {"leads": n_leads, "activities": n_acts}
    results["read_parquet"] = m_read.as_dict()
    results["rss_after_load_bytes"] = rss_loaded

    # ---- build_features ------------------------------------------------------------------------------
    gc.collect()
    c.say(f"build_features at {as_of.isoformat()} ({args.repeats} repeats)")
    # results are not kept across measurements, so that each step's peak is its own (the frame of 77 columns
    # is built once more below for the agreement check)
    m_build, _ = c.measure("build_features", lambda: build_features(leads, activities, as_of, config),
                           args.repeats, keep_last=False)

    c.say("engagement path only (activity_arrays + engagement_features)")
    as_of_us = timestamp_us(as_of)
    m_eng, _ = c.measure("engagement path", lambda: engagement_only(leads, activities, as_of_us, config),
                         args.repeats, keep_last=False)
    results["engagement_path"] = m_eng.as_dict()

    # ---- plain pandas ---------------------------------------------------------------------------------
    gc.collect()
    c.say(f"plain pandas groupby/unstack version ({args.repeats} repeats)")
    m_plain, _ = c.measure("plain pandas", lambda: plain_pandas_features(leads, activities, as_of),
                           args.repeats, keep_last=False)
    plain = plain_pandas_features(leads, activities, as_of)
    features = build_features(leads, activities, as_of, config)
    results["build_features"] = m_build.as_dict() | {"feature_columns": features.shape[1],
                                                     "leads_out": len(features)}
    agreement = check_agreement(features, plain)
    c.say(f"  agreement on {agreement['columns_compared']} shared columns: "
          f"{'exact' if agreement['agree'] else 'MISMATCH ' + ', '.join(agreement['mismatched'])}")
    results["plain_pandas"] = m_plain.as_dict() | {"columns": plain.shape[1]}
    results["agreement"] = agreement
    del plain, features
    gc.collect()

    # ---- breakdown and profile -------------------------------------------------------------------------
    c.say("breakdown of build_features into its steps (one run)")
    steps = breakdown(leads, activities, as_of, config)
    results["build_features_steps_s"] = steps
    profile_text = ""
    if not args.no_profile:
        c.say("cProfile of one build_features call")
        profile_text = profile_top(lambda: build_features(leads, activities, as_of, config))
    gc.collect()

    # ---- contract loader (what the batch CLI runs before build_features) -------------------------------
    m_contract = None
    if not args.no_contract_load:
        c.say("contract loader load_event_data(leads, activities) — once (validation + report)")
        from features.loading import load_event_data

        del leads, activities
        gc.collect()
        m_contract, _ = c.measure("load_event_data",
                                  lambda: load_event_data(paths["leads"], paths["activities"], None), 1,
                                  keep_last=False)
        results["load_event_data"] = m_contract.as_dict()
        leads = pd.read_parquet(paths["leads"])
        activities = pd.read_parquet(paths["activities"])

    # ---- online ---------------------------------------------------------------------------------------
    catalogue = build_catalogue(config)
    lead, acts = online_inputs(leads, activities, as_of, args.online_activities)
    as_of_dt: datetime = as_of.to_pydatetime()
    c.say(f"online: build_records_features, 1 lead × {len(acts)} activities, {args.online_calls} calls each")
    online = {}
    lat = c.time_calls(lambda: build_records_features([lead], [acts], as_of_dt, config, catalogue),
                       args.online_calls, warmup=100)
    online["datetimes"] = c.latency_stats(lat)
    acts_iso = [{"occurred_at": a["occurred_at"].isoformat(), "activity_type": a["activity_type"]} for a in acts]
    lead_iso = {**lead, CREATED_AT: lead[CREATED_AT].isoformat()}
    lat = c.time_calls(lambda: build_records_features([lead_iso], [acts_iso], as_of_dt, config, catalogue),
                       args.online_calls, warmup=100)
    online["iso_strings"] = c.latency_stats(lat)
    lat = c.time_calls(lambda: build_records_features([lead], [acts[:50]], as_of_dt, config, catalogue),
                       args.online_calls, warmup=100)
    online["datetimes_50_activities"] = c.latency_stats(lat)
    online_profile = profile_top(lambda: [build_records_features([lead], [acts], as_of_dt, config, catalogue)
                                          for _ in range(500)], 12)
    results["online"] = online
    results["load_average_end"] = list(__import__("os").getloadavg())

    # ---- report ---------------------------------------------------------------------------------------
    build_s = m_build.median
    speedup = m_plain.median / build_s
    eng_speedup = m_plain.median / m_eng.median
    cpu_speedup = m_plain.cpu_median / m_build.cpu_median
    eng_cpu_speedup = m_plain.cpu_median / m_eng.cpu_median
    peak = m_build.peak_rss
    on = online["datetimes"]
    scale_note = "" if n_leads >= 1_000_000 else f" (measured at {n_leads:,} leads; the target is for 1M)"
    targets = [
        ("build_features ≤ 15 s at 1M leads", f"{build_s:.2f} s{scale_note}",
         c.verdict(build_s <= TARGET_BATCH_S) if n_leads >= 1_000_000 else "n/a (size)"),
        ("peak memory ≤ 4 GB", f"{c.gb(peak):.2f} GB process peak (incl. {c.gb(rss_loaded):.2f} GB of loaded "
         f"frames){scale_note}", c.verdict(c.gb(peak) <= TARGET_PEAK_GB) if n_leads >= 1_000_000 else "n/a (size)"),
        (f"≥ 3× faster than plain pandas: whole build_features ({results['build_features']['feature_columns']} "
         f"columns, fit signals included)", f"{speedup:.2f}× ({c.fmt_s(m_plain.median)} / {c.fmt_s(build_s)}; "
         f"CPU time {cpu_speedup:.2f}×)",
         c.verdict(speedup >= TARGET_SPEEDUP)),
        ("≥ 3× faster than plain pandas: engagement path (the same windows and recency, and more)",
         f"{eng_speedup:.2f}× ({c.fmt_s(m_plain.median)} / {c.fmt_s(m_eng.median)}; "
         f"CPU time {eng_cpu_speedup:.2f}×)",
         c.verdict(eng_speedup >= TARGET_SPEEDUP)),
        ("online ≤ 2 ms median (1 lead, 200 activities)", f"{on['p50_ms']:.3f} ms (p99 {on['p99_ms']:.3f} ms)",
         c.verdict(on["p50_ms"] <= TARGET_ONLINE_MS)),
    ]
    results["targets"] = [{"target": t, "measured": m, "verdict": v} for t, m, v in targets]

    def row(label: str, kind: str, m: c.Measurement, rate: str) -> tuple[str, ...]:
        return (label, kind, c.fmt_s(m.median), c.fmt_s(m.cpu_median), f"{c.gb(m.peak_rss):.2f} GB", rate)

    batch_rows = [row("read_parquet (leads + activities)", "load", m_read,
                      c.fmt_rate(n_acts / m_read.median) + " act.")]
    if m_contract is not None:
        batch_rows.append(row("load_event_data (contract loader, 1 run)", "load", m_contract,
                              c.fmt_rate(n_acts / m_contract.median) + " act."))
    batch_rows += [
        row("build_features (all features)", "features", m_build, c.fmt_rate(n_leads / build_s) + " leads"),
        row("engagement path only", "features", m_eng, c.fmt_rate(n_leads / m_eng.median) + " leads"),
        row("plain pandas groupby/unstack", "features", m_plain, c.fmt_rate(n_leads / m_plain.median) + " leads"),
    ]
    header = ("step", "kind", "median wall", "median CPU", "process peak RSS", "throughput")
    print()
    c.print_table(header, batch_rows)
    print()
    run_total = steps["build_features total (this run)"]
    step_rows = [(name, c.fmt_s(s), f"{100 * s / run_total:.0f} %") for name, s in steps.items()]
    c.print_table(("build_features step (one run)", "wall", "share"), step_rows)
    print()
    online_rows = [(name, f"{v['p50_ms']:.3f}", f"{v['p90_ms']:.3f}", f"{v['p99_ms']:.3f}", v["calls"])
                   for name, v in online.items()]
    c.print_table(("online build_records_features", "p50 ms", "p90 ms", "p99 ms", "calls"), online_rows)
    print()
    c.print_table(("target", "measured", "verdict"), targets)

    md = [
        "# Feature pipeline benchmark",
        "",
        f"`.venv/bin/python benchmarks/features.py --leads {args.leads}` — {n_leads:,} leads, {n_acts:,} activities "
        f"(generated world, seed {args.seed}, cached parquet), as of {as_of.isoformat()}.",
        f"Machine: {info['cpus']} cores ({info['cpu_model']}), {info['memory_gb']} GB RAM, Python {info['python']}, "
        f"pandas {info['versions'].get('pandas')}, numpy {info['versions'].get('numpy')}. {c.load_note()} "
        f"(at the end; at the start {info['load_average_1_5_15']}). {c.code_note(info['code'])}",
        f"Medians of {args.repeats} repeats. *Peak RSS* is the process's resident peak during the step "
        "(reset before each step), so it includes the input frames already in memory "
        f"({c.gb(rss_loaded):.2f} GB after loading) but no earlier step's result. *median CPU* is the "
        "process's CPU time: on a shared machine it moves less than the wall time.",
        "",
        "## Targets",
        "",
        c.md_table(("target", "measured", "verdict"), targets),
        "",
        "## Batch: loading vs feature computation",
        "",
        "*load* = reading/parsing files (no feature work); *features* = computing features from frames in memory.",
        "",
        c.md_table(header, batch_rows),
        "",
        f"build_features is **{speedup:.2f}×** the speed of the plain pandas version (which computes only the "
        f"window counts and recency: {results['plain_pandas']['columns']} columns vs "
        f"{results['build_features']['feature_columns']}); the engagement path alone (activities → arrays → "
        f"engagement_features: every column the plain version has, and more) is **{eng_speedup:.2f}×**. "
        f"Shared columns agree: {'exactly' if agreement['agree'] else 'NO: ' + ', '.join(agreement['mismatched'])} "
        f"({agreement['columns_compared']} columns).",
        "",
        "### Where build_features spends its time (one more run, its callees timed by wrapping them)",
        "",
        c.md_table(("step", "wall", "share of this run"), step_rows),
        "",
        "## Online: one lead via `build_records_features`",
        "",
        c.md_table(("input", "p50 ms", "p90 ms", "p99 ms", "calls"), online_rows),
        "",
        "`datetimes`: what the service passes after pydantic validation; `iso_strings`: ISO 8601 text.",
        "",
    ]
    if profile_text:
        md += ["## cProfile: one build_features call (top own time)", "", "```", profile_text.rstrip(), "```", ""]
    md += ["## cProfile: 500 online calls (top own time)", "", "```", online_profile.rstrip(), "```", ""]
    results["profile_build_features"] = profile_text
    results["profile_online"] = online_profile
    c.write_results("features", results, "\n".join(md))


if __name__ == "__main__":
    main()
