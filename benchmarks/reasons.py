"""Reasons benchmark: issue #16's "Done when" figures for the reasons a salesperson reads, before and after.

    nice .venv/bin/python benchmarks/reasons.py                  # 20,000 leads, the issue's size
    nice .venv/bin/python benchmarks/reasons.py --leads 8000     # quicker

Generates a world (``leadscore.synthetic``, in a temporary folder: nothing is cached), loads it as
``leadscore train`` does, trains one model (``training.train.train_event``, ``TrainConfig(search_seconds=10)``)
and scores at the world's export moment:

* **Named actions**: ``--open-leads`` (300) leads that have not converted, each with a demo request added
  yesterday (then, separately, with 3 pricing-page visits this week): how many name it among their first 3
  reasons, and how many points it added on average.
* **Hot leads** of the whole batch (every lead of the file, as ``leadscore score`` scores it): the median share
  of a lead's absolute points the shown reasons carry (top 5 up, top 5 down), how often "all other signals" is
  the largest bar, and hot leads with more than 5 engagement points and no engagement reason.
* **Language**: broken plurals and negative zeros in every reason of the batch, in English and in German.
* **Missing data**: positive reasons for unknown values; reasons against a lead for something it did.

"Before" is the per-column reasons the code showed until #16, computed from the same model and the same exact
points: one reason per catalogue column, ``shown_reasons`` below (top 5 up, top 5 down, so up to
10). What the old texts said cannot be measured without the old code: the issue's counts are quoted instead.
"""

from __future__ import annotations

import argparse
import pickle
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import machine
import numpy as np
import pandas as pd
import report
from report import say

from features.batch import LeadBatch
from features.behaviours import NEGATIVE_TYPES
from features.contract import LEAD_ID
from features.loading import load_event_data
from leadscore.synthetic import WorldConfig, generate_world, write_world
from scoring.bundle import ScoringBundle
from scoring.explain import Explanation, largest_remainder
from scoring.options import ScoringOptions
from scoring.reasons import _unknown, group_points
from training.config import TrainConfig
from training.dataset import data_end_of
from training.train import train_event

TOP_K = 5
BROKEN = {
    "1 days": r"\b1 days\b", "1 weeks": r"\b1 weeks\b", "1 months": r"\b1 months\b", "1 times": r"\b1 times\b",
    "vor 1 Tagen": r"\b1 Tagen\b", "1 Wochen": r"\b1 Wochen\b", "1 Monaten": r"\b1 Monaten\b",
    "1-mal": r"\b1-mal\b", "vor 1 Tag": r"vor 1 Tag\b", "negative zero (-0, -0,0, -0.0)": r"[-−]0(?:[,.]0+)?(?![\d,.])",
    "unfilled {placeholder}": r"[{}]", "raw column name": r"\b[a-z]+_[a-z_]+\b", "nan / None": r"\b(nan|None)\b",
}
"""What the language check looks for in every reason sentence: the issue's examples and their relatives."""


def _options(as_of: pd.Timestamp, lang: str = "en") -> ScoringOptions:
    return ScoringOptions(as_of.to_pydatetime(), lang, TOP_K)


def shown_reasons(points_exact: np.ndarray, points: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Which features a lead's reasons name, in the order sales reads them: of the ``top_k`` features with
    the largest exact points, those whose whole points are positive (largest first), then of the ``top_k``
    features with the smallest exact points, those whose whole points are negative (most negative first).
    Equal exact points keep catalogue order (reversed among the negative ones).

    Returns ``(features, count)``: ``features`` is ``n × 2·top_k`` catalogue indices, each row's shown
    reasons first and −1 after them; ``count`` is how many reasons each row shows. The rule of the per-column
    reasons shown until #16, kept here as this benchmark's "before"."""
    k = max(0, min(top_k, points_exact.shape[1]))
    # one stable sort per row: read forwards it ranks largest first, read backwards smallest first
    order = np.argsort(-points_exact, axis=1, kind="stable")
    candidates = np.concatenate([order[:, :k], order[:, ::-1][:, :k]], axis=1)
    signed = points[np.arange(len(points))[:, None], candidates]
    signed[:, k:] *= -1  # the bottom candidates are shown when their whole points are negative
    keep = signed > 0
    features = np.full_like(candidates, -1)
    rows, _ = np.nonzero(keep)
    features[rows, np.cumsum(keep, axis=1)[keep] - 1] = candidates[keep]
    return features, keep.sum(axis=1)


class Scored:
    """One batch of leads scored both ways: the grouped reasons the product shows and the per-column reasons
    it showed before #16, from the same explanation."""

    def __init__(self, bundle: ScoringBundle, leads: pd.DataFrame, activities: pd.DataFrame, as_of: pd.Timestamp,
                 langs: tuple[str, ...] = ("en",)) -> None:
        self.columns = bundle.features(LeadBatch.from_frames(leads, activities), as_of)
        self.ex: Explanation = bundle.explain(self.columns)
        self.results = {lang: bundle.score(self.columns, _options(as_of, lang), self.ex).records() for lang in langs}
        self.groups = bundle.reason_groups
        self.grouped = group_points(self.ex.points_exact, self.ex.score - self.ex.base_score, self.columns,
                                    bundle.catalogue, self.groups, bundle.feature_config)
        self.names = list(bundle.catalogue.names)
        self.column_group = np.array([f.group for f in bundle.catalogue])
        #: each column's whole points (rounded per column, as the reasons before #16 were)
        self.column_points = largest_remainder(self.ex.points_exact, self.ex.score - self.ex.base_score)
        self.old, self.old_count = shown_reasons(self.ex.points_exact, self.column_points, TOP_K)

    def old_reasons(self, i: int) -> list[int]:
        """Catalogue columns the per-column reasons of lead ``i`` named, in reading order."""
        return [int(j) for j in self.old[i, :self.old_count[i]]]


def named(scored: Scored, activity: str) -> dict[str, float]:
    """How many leads name ``activity`` among their first 3 reasons, now and per column before."""
    results = scored.results["en"]
    now = [activity in [r["reason"] for r in result["reasons"][:3]] for result in results]
    columns = [j for j, name in enumerate(scored.names) if name.startswith(f"n_{activity}_")]
    before3 = [bool(set(scored.old_reasons(i)[:3]) & set(columns)) for i in range(len(results))]
    before10 = [bool(set(scored.old_reasons(i)) & set(columns)) for i in range(len(results))]
    return {"leads": len(results), "named_top3": int(sum(now)), "before_named_top3": int(sum(before3)),
            "before_named_top10": int(sum(before10))}


def added_action(bundle: ScoringBundle, data, leads: pd.DataFrame, as_of: pd.Timestamp, activity: str,
                 days_ago: tuple[float, ...]) -> dict[str, float]:
    """Add ``activity`` at ``days_ago`` (each) to every lead of ``leads``; what the reasons say about it."""
    acts = data.activities[data.activities[LEAD_ID].isin(leads[LEAD_ID])]
    added = pd.DataFrame([{LEAD_ID: lead, "occurred_at": as_of - timedelta(days=d), "activity_type": activity}
                          for lead in leads[LEAD_ID] for d in days_ago])
    added["occurred_at"] = added["occurred_at"].astype(acts["occurred_at"].dtype)
    before = Scored(bundle, leads, acts, as_of)
    after = Scored(bundle, leads, pd.concat([acts, added], ignore_index=True), as_of)
    out = named(after, activity)
    out["mean_points_added"] = float(np.mean(after.ex.score - before.ex.score))
    texts = pd.Series([r["text"] for result in after.results["en"] for r in result["reasons"]
                       if r["reason"] == activity])
    out["most_common_text"] = texts.value_counts().index[0] if len(texts) else ""
    return out


def hot_figures(scored: Scored, hot: np.ndarray) -> dict[str, object]:
    """The hot leads' bars: share of absolute points shown, "all other signals" as the largest bar, engagement."""
    results = scored.results["en"]
    abs_groups = np.abs(scored.grouped.points).sum(axis=1)
    abs_columns = np.abs(scored.column_points).sum(axis=1)
    total = scored.ex.score - scored.ex.base_score
    share, share_vs_other, other_largest, other_points, hidden = [], [], [], [], []
    no_engagement, no_engagement_top5_up, lacking, engaged = [], [], [], []
    old_share, old_share_vs_other, old_other_largest, old_other_points, old_no_engagement = [], [], [], [], []
    for i in np.flatnonzero(hot):
        result = results[i]
        shown = [r["points"] for r in result["reasons"]]
        absolute = sum(abs(p) for p in shown)
        share.append(absolute / abs_groups[i] if abs_groups[i] else 1.0)
        share_vs_other.append(absolute / (absolute + abs(result["other_points"])) if absolute else 0.0)
        other_largest.append(abs(result["other_points"]) > max((abs(p) for p in shown), default=0))
        other_points.append(result["other_points"])
        if other_largest[-1]:
            hidden.append(_hidden(scored, i, result))
        groups = [r["group"] for r in result["reasons"]]
        no_engagement.append("engagement" not in groups)
        no_engagement_top5_up.append("engagement" not in [r["group"] for r in result["reasons"] if r["points"] > 0][:5])
        engaged.append(result["engagement_score"] > 5)
        lacking.append(result["engagement_score"] > 5 and "engagement" not in groups)

        columns = scored.old_reasons(i)
        points = scored.column_points[i, columns]
        old_abs = np.abs(points).sum()
        old_share.append(old_abs / abs_columns[i] if abs_columns[i] else 1.0)
        rest = int(total[i] - points.sum())
        old_share_vs_other.append(old_abs / (old_abs + abs(rest)) if old_abs else 0.0)
        old_other_largest.append(abs(rest) > (np.abs(points).max() if len(points) else 0))
        old_other_points.append(rest)
        up = [j for j in columns if scored.column_points[i, j] > 0][:TOP_K]
        old_no_engagement.append(not any(scored.column_group[j] == "engagement" for j in up))
    n = int(hot.sum())
    return {
        "hot_leads": n,
        "median_share_of_absolute_points_shown": float(np.median(share)),
        "median_share_shown_vs_other": float(np.median(share_vs_other)),
        "other_is_largest_bar": int(sum(other_largest)),
        "largest_other_points": int(max(other_points, key=abs)) if other_points else 0,
        "other_largest_cases": hidden,
        "without_engagement_reason": int(sum(no_engagement)),
        "without_engagement_reason_in_top5_up": int(sum(no_engagement_top5_up)),
        "engagement_over_5_points": int(sum(engaged)),
        "engagement_over_5_points_without_engagement_reason": int(sum(lacking)),
        "before": {
            "median_share_of_absolute_points_shown": float(np.median(old_share)),
            "median_share_shown_vs_other": float(np.median(old_share_vs_other)),
            "other_is_largest_bar": int(sum(old_other_largest)),
            "largest_other_points": int(max(old_other_points, key=abs)) if old_other_points else 0,
            "without_engagement_reason_in_top5_up": int(sum(old_no_engagement)),
        },
    }


def _hidden(scored: Scored, i: int, result: dict) -> dict[str, object]:
    """Why a lead's "all other signals" outweighs its shown reasons: the points of the groups it does not show,
    by the rule that keeps each from being shown."""
    shown = {r["reason"] for r in result["reasons"]}
    g = scored.grouped
    why: dict[str, int] = {}
    for j, group in enumerate(scored.groups):
        points = int(g.points[i, j])
        if group.key in shown or points == 0:
            continue
        if points > 0 and not g.may_raise[i, j]:
            rule = "unknown value (never a reason for)" if group.group == "fit" else "not done (never a reason for)"
        elif points < 0 and not g.may_lower[i, j]:
            rule = "done (never a reason against)"
        else:
            rule = "may be shown, is not"
        why[rule] = why.get(rule, 0) + points
    return {"lead_id": str(scored.columns.index[i]), "score": int(result["score"]),
            "other_points": int(result["other_points"]),
            "largest_shown": max((abs(r["points"]) for r in result["reasons"]), default=0), "hidden_points": why}


def language_figures(scored: Scored) -> dict[str, object]:
    out: dict[str, object] = {}
    for lang, results in scored.results.items():
        texts = [r["text"] for result in results for r in result["reasons"]]
        counts = {name: sum(1 for t in texts if re.search(pattern, t)) for name, pattern in BROKEN.items()}
        examples = {name: sorted({t for t in texts if re.search(pattern, t)})[:3]
                    for name, pattern in BROKEN.items() if counts[name]}
        out[lang] = {"reasons": len(texts), "distinct_sentences": len(set(texts)), "broken": counts,
                     "examples": examples}
    return out


def missing_data_figures(scored: Scored) -> dict[str, int]:
    """Positive reasons for unknown values and reasons against a lead for something it did, now and before."""
    results = scored.results["en"]
    n = len(results)
    unknown = {g.key: _unknown(g, scored.columns, n) for g in scored.groups if g.group == "fit"}
    activity_of = {g.key: g.activity for g in scored.groups if g.activity is not None}
    days_since = {a: scored.columns[f"_days_since_{a}"].to_numpy(dtype=float) for a in activity_of.values()}
    positive_unknown = lead_positive_unknown = against_done = 0
    for i, result in enumerate(results):
        found = False
        for r in result["reasons"]:
            if r["points"] > 0 and r["reason"] in unknown and unknown[r["reason"]][i]:
                positive_unknown += 1
                found = True
            activity = activity_of.get(r["reason"])
            if r["points"] < 0 and activity and activity not in NEGATIVE_TYPES and \
                    not np.isnan(days_since[activity][i]):
                against_done += 1
        lead_positive_unknown += found
    # before: a fit column whose value is missing or "unknown", shown as a reason for; a count column of an
    # activity the lead did, shown as a reason against
    old_positive_unknown = old_leads = old_against_done = old_against_done_leads = 0
    frame = {name: scored.columns[name].to_numpy() for name in scored.names}
    for i in range(n):
        found = against = False
        for j in scored.old_reasons(i):
            name, points = scored.names[j], scored.column_points[i, j]
            value = frame[name][i]
            missing = value in ("unknown", "missing") if isinstance(value, str) else bool(pd.isna(value))
            if points > 0 and scored.column_group[j] == "fit" and missing:
                old_positive_unknown += 1
                found = True
            kind = re.match(r"n_(.+)_\d+d$", name)
            if points < 0 and kind and kind.group(1) not in NEGATIVE_TYPES and value > 0:
                old_against_done += 1
                against = True
        old_leads += found
        old_against_done_leads += against
    return {"leads": n, "positive_reasons_for_unknown_values": positive_unknown,
            "leads_with_positive_reason_for_unknown_value": lead_positive_unknown,
            "reasons_against_something_done": against_done,
            "before_positive_reasons_for_unknown_values": old_positive_unknown,
            "before_leads_with_positive_reason_for_unknown_value": old_leads,
            "before_reasons_against_something_done": old_against_done,
            "before_leads_with_reason_against_something_done": old_against_done_leads}


def example_sentences(scored: Scored, hot: np.ndarray) -> dict[str, object]:
    """Real sentences of hot leads for the README: the best-scoring behaviour reason that says how often, and
    one hot lead's whole list, in English and German."""
    en, de = scored.results["en"], scored.results["de"]
    candidates = []
    for i in np.flatnonzero(hot):
        for r_en, r_de in zip(en[i]["reasons"], de[i]["reasons"], strict=True):
            if r_en["reason"] in ("demo_request", "pricing_page_view") and "(" in r_en["text"] and r_en["points"] > 0:
                candidates.append((r_en["points"], i, r_en["text"], r_de["text"]))
    candidates.sort(key=lambda c: -c[0])
    demos = sorted(((r_en["points"], r_en["text"], r_de["text"]) for i in np.flatnonzero(hot)
                    for r_en, r_de in zip(en[i]["reasons"], de[i]["reasons"], strict=True)
                    if r_en["reason"] == "demo_request" and r_en["points"] > 0), key=lambda c: -c[0])
    best = candidates[0] if candidates else None
    lead = best[1] if best else int(np.flatnonzero(hot)[0])

    def listing(results: list[dict], other: str) -> list[str]:
        return [f"{r['text']}: {r['points']:+d}" for r in results[lead]["reasons"]] + \
            [f"{other}: {results[lead]['other_points']:+d}"]

    return {"sentence_en": f"{best[2]}: {best[0]:+d}" if best else "",
            "sentence_de": f"{best[3]}: {best[0]:+d}" if best else "",
            "demo_en": f"{demos[0][1]}: {demos[0][0]:+d}" if demos else "",
            "demo_de": f"{demos[0][2]}: {demos[0][0]:+d}" if demos else "",
            "hot_leads_with_a_demo_reason": len(demos),
            "lead_id": str(scored.columns.index[lead]), "score": int(en[lead]["score"]),
            "base_score": int(en[lead]["base_score"]), "reasons_en": listing(en, "All other signals"),
            "reasons_de": listing(de, "Alle übrigen Signale"),
            "common_en": [t for t, _ in pd.Series([c[2] for c in candidates]).value_counts().head(5).items()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--open-leads", type=int, default=300)
    parser.add_argument("--model", type=Path, help="a pickle outside the project: the trained model is saved there "
                        "and reused by later runs with the same world (to re-measure without training again)")
    args = parser.parse_args()
    info = machine.machine()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leadscore-reasons-") as scratch:
        say(f"generating a world of {args.leads:,} leads (seed {args.seed}) into a temporary folder")
        paths = write_world(generate_world(WorldConfig(n_leads=args.leads, seed=args.seed)), Path(scratch), "parquet")
        data, _ = load_event_data(paths["leads"], paths["activities"], paths["conversions"], for_training=True)
    if args.model and args.model.exists():
        say(f"reusing the model trained into {args.model}")
        bundle, metrics = pickle.loads(args.model.read_bytes())
        trained_note = f"the model an earlier run of this command trained and kept in `--model` ({args.model.name})"
    else:
        say("training (train_event, search_seconds=10)")
        trained = train_event(data.leads, data.activities, data.conversions, TrainConfig(search_seconds=10),
                              progress=lambda m: say(f"  train: {m.splitlines()[0][:120]}"))
        bundle, metrics = trained.bundle, trained.metrics
        trained_note = f"one model trained in {time.perf_counter() - t0:.0f} s"
        if args.model:
            args.model.write_bytes(pickle.dumps((bundle, metrics)))
    as_of = pd.Timestamp(data_end_of(data.leads, data.activities, data.conversions))
    say(f"trained (test ROC AUC {metrics['roc_auc']:.3f}); scoring at {as_of}")

    open_leads = data.leads[~data.leads[LEAD_ID].isin(data.conversions[LEAD_ID])]
    chosen = open_leads.iloc[np.sort(np.random.default_rng(0).permutation(len(open_leads))[:args.open_leads])]
    demo = added_action(bundle, data, chosen, as_of, "demo_request", (1 + 2 / 24,))
    say(f"demo request yesterday named in the top 3 of {demo['named_top3']} of {demo['leads']}")
    pricing = added_action(bundle, data, chosen, as_of, "pricing_page_view", (1 + 3 / 24, 3 + 3 / 24, 5 + 3 / 24))
    say(f"3 pricing-page visits named in the top 3 of {pricing['named_top3']} of {pricing['leads']}")

    say(f"scoring the whole batch of {len(data.leads):,} leads in English and German")
    batch = Scored(bundle, data.leads, data.activities, as_of, ("en", "de"))
    hot_mask = np.array([r["tier"] == "hot" for r in batch.results["en"]])
    hot = hot_figures(batch, hot_mask)
    language = language_figures(batch)
    missing = missing_data_figures(batch)
    examples = example_sentences(batch, hot_mask)
    wall = time.perf_counter() - t0

    broken = {lang: sum(v["broken"].values()) for lang, v in language.items()}
    b = hot["before"]
    pct = lambda k, n: f"{k} of {n} ({100 * k / n:.0f} %)" if n else "–"  # noqa: E731
    targets = [
        ("demo request yesterday among the top-3 reasons ≥ 95 %", pct(demo["named_top3"], demo["leads"]),
         report.verdict(demo["named_top3"] >= 0.95 * demo["leads"])),
        ("3 pricing-page visits this week among the top-3 reasons ≥ 95 %",
         pct(pricing["named_top3"], pricing["leads"]),
         report.verdict(pricing["named_top3"] >= 0.95 * pricing["leads"])),
        ("hot leads: reasons shown carry ≥ 85 % of the absolute points (median)",
         f"{100 * hot['median_share_of_absolute_points_shown']:.1f} %",
         report.verdict(hot["median_share_of_absolute_points_shown"] >= 0.85)),
        ("hot leads: \"all other signals\" never the largest bar",
         f"{hot['other_is_largest_bar']} of {hot['hot_leads']}",
         report.verdict(hot["other_is_largest_bar"] == 0)),
        ("hot leads with > 5 engagement points lacking an engagement reason: none",
         f"{hot['engagement_over_5_points_without_engagement_reason']} of {hot['engagement_over_5_points']}",
         report.verdict(hot["engagement_over_5_points_without_engagement_reason"] == 0)),
        ("no positive reason for an unknown value", str(missing["positive_reasons_for_unknown_values"]),
         report.verdict(missing["positive_reasons_for_unknown_values"] == 0)),
        ("no \"1 days\" / \"1 Tagen\" / \"-0,0\" and the like (EN, DE)",
         f"{broken['en']} in {language['en']['reasons']:,} / {broken['de']} in {language['de']['reasons']:,}",
         report.verdict(broken["en"] == broken["de"] == 0)),
    ]
    comparison = [
        ("demo request yesterday named among the first 3 reasons", pct(demo["before_named_top3"], demo["leads"]),
         pct(demo["named_top3"], demo["leads"]), "–"),
        ("… among all 10 per-column reasons (5 up, 5 down)", pct(demo["before_named_top10"], demo["leads"]), "",
         "5 of 300"),
        ("3 pricing-page visits named among the first 3 reasons", pct(pricing["before_named_top3"], pricing["leads"]),
         pct(pricing["named_top3"], pricing["leads"]), "–"),
        ("… among all 10 per-column reasons", pct(pricing["before_named_top10"], pricing["leads"]), "", "2 of 300"),
        ("score points a demo request yesterday adds (mean)", "", f"{demo['mean_points_added']:+.1f}", "+11.5"),
        ("hot leads", str(hot["hot_leads"]), str(hot["hot_leads"]), "2,355"),
        ("hot leads: share of absolute points the shown reasons carry (median)",
         f"{100 * b['median_share_of_absolute_points_shown']:.1f} %",
         f"{100 * hot['median_share_of_absolute_points_shown']:.1f} %", "–"),
        ("… shown / (shown + |all other signals|) (median)", f"{100 * b['median_share_shown_vs_other']:.1f} %",
         f"{100 * hot['median_share_shown_vs_other']:.1f} %", "–"),
        ("hot leads whose \"all other signals\" is the largest bar", str(b["other_is_largest_bar"]),
         str(hot["other_is_largest_bar"]), "(+37 on one card)"),
        ("largest \"all other signals\" of a hot lead", f"{b['largest_other_points']:+d}",
         f"{hot['largest_other_points']:+d}", "+37"),
        ("hot leads without an engagement reason among the top 5 up", str(b["without_engagement_reason_in_top5_up"]),
         str(hot["without_engagement_reason_in_top5_up"]), "957 of 2,355"),
        ("hot leads with > 5 engagement points and no engagement reason", "",
         f"{hot['engagement_over_5_points_without_engagement_reason']} of {hot['engagement_over_5_points']}", "–"),
        ("positive reasons for an unknown value (leads)",
         f"{missing['before_positive_reasons_for_unknown_values']} "
         f"({missing['before_leads_with_positive_reason_for_unknown_value']})",
         f"{missing['positive_reasons_for_unknown_values']} "
         f"({missing['leads_with_positive_reason_for_unknown_value']})", "1,931 leads"),
        ("reasons against a lead for something it did (leads)",
         f"{missing['before_reasons_against_something_done']} "
         f"({missing['before_leads_with_reason_against_something_done']})",
         str(missing["reasons_against_something_done"]), "1,632 leads (page views)"),
        ("broken plurals / negative zeros, EN", "", f"{broken['en']} in {language['en']['reasons']:,}", "–"),
        ("broken plurals / negative zeros, DE", "", f"{broken['de']} in {language['de']['reasons']:,}",
         "547 \"1 Tagen\" in one batch"),
    ]
    patterns = [(name, f"`{pattern}`", language["en"]["broken"][name], language["de"]["broken"][name])
                for name, pattern in BROKEN.items()]
    markdown = "\n".join([
        "# Reasons benchmark (issue #16)",
        "",
        f"`nice .venv/bin/python benchmarks/reasons.py --leads {args.leads}` — generated world (seed {args.seed}) in "
        f"a temporary folder, loaded as `leadscore train` loads it; {trained_note} by `training.train.train_event` "
        f"with `TrainConfig(search_seconds=10)` (test ROC AUC {metrics['roc_auc']:.3f}), scored at the "
        f"export moment {as_of:%Y-%m-%d}, top {TOP_K} reasons each way. {wall:.0f} s in all.",
        f"Machine: {machine.describe(info)}. {machine.load_note()}. {machine.code_note(info['code'])}",
        "",
        report.md_table(report.TARGET_HEADER, targets),
        "",
        "## Before and after",
        "",
        "*Before*: the per-column reasons shown until #16 (`shown_reasons` of this benchmark: top 5 up, "
        "top 5 down, "
        "one per catalogue column), computed from the same model's same exact points. *After*: the grouped reasons "
        "(`bundle.score`). *Issue*: what the issue measured on its own 20k world with the old code.",
        f"The {demo['leads']} leads are open leads (not converted) chosen at random (seed 0); the hot leads are those "
        f"of the whole batch of {len(data.leads):,} leads.",
        "",
        report.md_table(("figure", "before (per column)", "after (grouped)", "issue (before)"), comparison),
        "",
        "Hot leads whose \"all other signals\" is still the largest bar, and the points of the groups they do not "
        "show, by the rule that hides them:",
        "",
        report.md_table(("lead", "score", "all other signals", "largest shown", "hidden points by rule"),
                        [(c["lead_id"], c["score"], f"{c['other_points']:+d}", c["largest_shown"],
                          "; ".join(f"{k} {v:+d}" for k, v in c["hidden_points"].items()))
                         for c in hot["other_largest_cases"][:10]]) if hot["other_largest_cases"] else "(none)",
        "",
        "## Language: every reason of the batch scanned",
        "",
        report.md_table(("pattern", "regex", "EN", "DE"), patterns),
        "",
        "## Real sentences (hot leads of this run)",
        "",
        f"Strongest demo / pricing reason that says how often: **{examples['sentence_en']}** · "
        f"**{examples['sentence_de']}**",
        "",
        f"Strongest demo request reason: **{examples['demo_en']}** · **{examples['demo_de']}** "
        f"({examples['hot_leads_with_a_demo_reason']} hot leads name a demo request).",
        "",
        f"Most common such sentences: {'; '.join(examples['common_en'])}.",
        "",
        f"Lead {examples['lead_id']}, score {examples['score']} (average lead {examples['base_score']}):",
        "",
        report.md_table(("English", "Deutsch"), zip(examples["reasons_en"], examples["reasons_de"], strict=True)),
        "",
        f"After a demo request yesterday the most common reason read \"{demo['most_common_text']}\"; after 3 "
        f"pricing-page visits \"{pricing['most_common_text']}\".",
        "",
    ])
    report.write_results("reasons", {
        "leads": args.leads, "seed": args.seed, "as_of": as_of, "wall_seconds": wall, "metrics": metrics,
        "demo_request": demo, "pricing_page_view": pricing, "hot": hot, "language": language,
        "missing_data": missing, "examples": examples, "machine": info,
        "targets": report.target_records(targets)}, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
