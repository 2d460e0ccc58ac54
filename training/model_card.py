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
    excluded = ", ".join(b.info.get("leakage", {}).get("excluded", []))
    kept = ", ".join(b.info.get("kept", []))
    lines = [
        "# leadscore model card",
        "",
        "## What it predicts",
        (f"The probability that an open lead becomes a sales opportunity within **{config.horizon_days} days** "
         "of the scoring moment, calibrated so that 0.30 means 30 of 100 such leads convert."
         if b.mode == "event" else
         f"The probability that a lead's `{b.info.get('label')}` is 1 (flat mode: one row per lead, the outcome "
         "as the export records it), calibrated so that 0.30 means 30 of 100 such leads have it."),
        "",
        "## Data",
        *(f"- `{k}`: sha256 `{v}`" for k, v in fingerprints.items()),
    ]
    if result.windows:
        w = result.windows.as_dict()
        lines += [
            f"- fit snapshots: {w['fit_first']} … {w['fit_last']} ({w['fit_snapshots']} monthly snapshots, "
            f"{result.rows['fit']:,} examples)",
            f"- calibration window: {w['calibration']} ({result.rows['calibration']:,} examples)",
            f"- test window: {w['test']} ({result.rows['test']:,} open leads, outcomes observed up to {w['data_end']})",
        ]
    lines += [
        "",
        "## Test-window metrics (same leads for every row)",
        "| model | ROC AUC | PR AUC | Brier | log loss | ECE | lift top 10 % | capture top 10 % |",
        "|---|---|---|---|---|---|---|---|",
        _row("leadscore", m),
        *(_row(f"baseline: {k}", v) for k, v in result.baselines.items()),
        "",
        "## Tiers (cut-offs chosen on the calibration window)",
        "| tier | probability from | share of test leads | observed conversion rate |",
        "|---|---|---|---|",
        f"| hot | {t.hot_threshold:.3f} | {t.share['hot']:.1%} | {t.conversion_rate['hot']:.1%} |",
        f"| warm | {t.warm_threshold:.3f} | {t.share['warm']:.1%} | {t.conversion_rate['warm']:.1%} |",
        f"| cold | 0 | {t.share['cold']:.1%} | {t.conversion_rate['cold']:.1%} |",
        "",
        *(["## Leakage screen (flat mode)",
            f"Excluded as recorded after the outcome: {excluded or 'none'}; kept on request: {kept or 'none'}. "
            "See `leakage_report.json`.", ""] if b.mode == "flat" else []),
        "## Model",
        f"- LightGBM, {result.best_iteration} trees (early stopping), {len(b.catalogue)} features "
        f"({sum(f.group == 'fit' for f in b.catalogue)} fit, {sum(f.group == 'engagement' for f in b.catalogue)} "
        "engagement); see `features.md`.",
        f"- calibration: {result.calibration.method} on the calibration window "
        f"(cross-validated log loss: {cv})",
        "",
        "## Caveats",
        "- Scores are only as current as the activities sent with a lead: score with its full recent history.",
        "- The e-mail address is never a feature; only whether its domain is a company or a free-mail domain.",
        "- Tier conversion rates are observed on one test window; they drift when the lead mix changes.",
        "- Leads already converted are never scored; leads older than the training data's history are "
        "extrapolation.",
    ]
    return "\n".join(lines) + "\n"
