"""The model card: what a reviewer needs to trust (or question) a version, in one markdown page."""

from __future__ import annotations

from training.config import TrainConfig
from training.train import TrainResult


def _row(name: str, m: dict[str, float]) -> str:
    return (f"| {name} | {m['roc_auc']:.3f} | {m['pr_auc']:.3f} | {m['brier']:.4f} | {m['log_loss']:.4f} | "
            f"{m['ece']:.4f} | {m['lift_top10']:.2f} | {m['capture_top10']:.1%} |")


def model_card(result: TrainResult, config: TrainConfig, fingerprints: dict[str, str]) -> str:
    b = result.bundle
    m = result.metrics
    t = b.tiers
    cv = result.calibration.cv_log_loss or "sigmoid only: window too small for isotonic"
    leakage = result.leakage
    excluded = ", ".join(leakage.excluded) if leakage else ""
    kept = ", ".join(leakage.kept) if leakage else ""
    lines = [
        "# leadscore model card",
        "",
        "## What it predicts",
        (f"The probability that an open lead becomes a sales opportunity within **{config.horizon_days} days** "
         "of the scoring moment, calibrated so that 0.30 means 30 of 100 such leads convert."
         if b.mode == "event" else
         f"The probability that a lead's `{b.info.get('label')}` {_outcome_text(b.info)} (flat mode: one row per "
         "lead, the outcome as the export records it), calibrated so that 0.30 means 30 of 100 such leads have it."),
        "",
        "## Data",
        *(f"- `{k}`: sha256 `{v}`" for k, v in fingerprints.items()),
    ]
    w = result.windows
    lines += [
        "",
        "## How it was judged",
        f"Regime: **{result.regime}** ({b.info.get('regime_text', '')}). Evaluation: {result.evaluation}.",
    ]
    if w:
        lines.append(f"History {w.get('data_start', '')[:10]} … {w.get('data_end', '')[:10]}; "
                     f"{w.get('labelled_snapshots', '0')} monthly snapshots whose horizon has elapsed.")
    if result.origins:
        lines += ["", "| origin | leads | conversions | ROC AUC | log loss | ECE | lift top 10 % |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {o.moment.date()} | {len(o.test):,} | {int(o.test['label'].sum())} | {o.metrics['roc_auc']:.3f} "
                  f"| {o.metrics['log_loss']:.4f} | {o.metrics['ece']:.4f} | {o.metrics['lift_top10']:.2f} |"
                  for o in result.origins]
        lines.append(f"Spread over origins: ROC AUC {m.get('backtest_mean_roc_auc', float('nan')):.3f} ± "
                     f"{m.get('backtest_std_roc_auc', float('nan')):.3f}. The served model is the same procedure "
                     "refitted on every labelled snapshot.")
    if result.search:
        chosen = min(result.search, key=lambda row: row["log_loss"])
        lines.append("Settings chosen by the search (log loss on the latest validation window): "
                     + ", ".join(f"{k} {round(v) if k == 'trees' else f'{v:g}'}" for k, v in chosen.items()))
    if "roc_auc" in m:
        lines += [
            "",
            "## Metrics on the evaluation leads (same leads for every row)",
            "| model | ROC AUC | PR AUC | Brier | log loss | ECE | lift top 10 % | capture top 10 % |",
            "|---|---|---|---|---|---|---|---|",
            _row("leadscore", m),
            *(_row(f"baseline: {k}", v) for k, v in result.baselines.items() if "roc_auc" in v),
        ]
    else:
        lines += ["", "## Metrics", "Not evaluated: no snapshot's horizon has elapsed with both outcomes yet."]
        if "forward_check_roc_auc" in m:
            days = int(m["forward_check_days"])
            lines += ["", f"Checked forward over the last {days} days (a shorter horizon than the model's): fitted on "
                      f"what was known {days} days before the end of the data, on the leads open then.", "",
                      "| leads | converted | expected | ROC AUC | ECE | Brier | Brier of the base rate |",
                      "|---|---|---|---|---|---|---|",
                      f"| {m['forward_check_leads']:,.0f} | {m['forward_check_conversions']:.0f} | "
                      f"{m['forward_check_expected']:.1f} | {m['forward_check_roc_auc']:.3f} | "
                      f"{m['forward_check_ece']:.4f} | {m['forward_check_brier']:.4f} | "
                      f"{m['forward_check_brier_base_rate']:.4f} |"]
    lines += ["", "## Tiers (cut-offs chosen on "
              + ("the history's probabilities)" if result.regime == "rules" else "out-of-sample probabilities)"),
              "| tier | probability from | share of evaluation leads | observed conversion rate |", "|---|---|---|---|"]
    for tier, cut in (("hot", t.hot_threshold), ("warm", t.warm_threshold), ("cold", 0.0)):
        share, rate = t.share.get(tier, float("nan")), t.conversion_rate.get(tier, float("nan"))
        lines.append(f"| {tier} | {cut:.3f} | {_share(share)} | {_share(rate)} |")
    lines += [
        "",
        *(["## Leakage screen",
            f"Excluded as recorded after the outcome or identifying the lead: {excluded or 'none'}; "
            f"kept on request: {kept or 'none'}. See `leakage_report.json`.", ""] if leakage else []),
        "## Model",
        f"- {'LightGBM, ' + str(result.best_iteration) + ' trees' if result.regime != 'rules' else 'point rules'}, "
        f"{len(b.catalogue)} features "
        f"({sum(f.group == 'fit' for f in b.catalogue)} fit, {sum(f.group == 'engagement' for f in b.catalogue)} "
        "engagement); see `features.md`.",
        (f"- calibration: {result.calibration.method} on out-of-sample margins (cross-validated log loss: {cv})"
         if result.regime != "rules" else "- calibration: the points' conversion hazard fitted on the whole history "
         "(a Poisson model of the days each lead was watched), shrunk to the base rate"),
        "",
        "## Caveats",
        "- Scores are only as current as the activities sent with a lead: score with its full recent history.",
        "- The e-mail address is never a feature; only whether its domain is a company or a free-mail domain.",
        ("- Tier conversion rates are observed on one test window; they drift when the lead mix changes."
         if "roc_auc" in m else "- Tier conversion rates are not measured yet: no snapshot's horizon has elapsed."),
        "- Leads already converted are never scored; leads older than the training data's history are "
        "extrapolation.",
    ]
    return "\n".join(lines) + "\n"


def _share(value: float) -> str:
    """A share for the card's tables; "not measured yet" where no lead's horizon has elapsed to measure it."""
    return f"{value:.1%}" if value == value else "not measured yet"


def _outcome_text(info: dict) -> str:
    """The outcome in words: "is 1", or the status values named as converted (and those left out as open)."""
    named = info.get("outcome_values") or {}
    converted, still_open = named.get("converted") or [], named.get("open") or []
    text = f"is {' or '.join(map(repr, converted))}" if converted else "is 1"
    return text + (f"; rows with {' or '.join(map(repr, still_open))} were left out as not decided yet"
                   if still_open else "")
