"""The monitoring report: one self-contained HTML file (plots as inline PNG, no external assets) with the
drift table, the score distribution then vs now, realised calibration and tier rates; and
:func:`exceeds`, the yes/no a scheduler alerts on."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from monitoring.drift import DriftReport, FeatureDrift
from monitoring.realised import RealisedReport

_LEVEL_COLOUR = {"stable": "#e8f5e9", "moderate": "#fff3cd", "significant": "#f8d7da"}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}td:first-child,th:first-child{text-align:left}
.summary{font-size:1.05rem}.muted{color:#666;font-size:.85rem}img{max-width:100%}
details{margin:.2rem 0}
"""


def exceeds(report: DriftReport, threshold: float) -> bool:
    """Whether the score or any feature drifted by a PSI of at least ``threshold`` (exit non-zero)."""
    return any(d.psi >= threshold for d in report.results)


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode("ascii")}">'


def _percent(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


def _number(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def score_distribution_plot(score: FeatureDrift) -> str:
    """Reference vs current share of leads in each score bin (the reference's deciles)."""
    shown = [i for i, (r, c) in enumerate(zip(score.reference, score.current, strict=True)) if r or c]
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(shown))
    ax.bar(x - 0.2, [100 * score.reference[i] for i in shown], width=0.4, label="training window", color="#90a4ae")
    ax.bar(x + 0.2, [100 * score.current[i] for i in shown], width=0.4, label="now", color="#1e88e5")
    ax.set_xticks(x, [score.labels[i] for i in shown], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("% of leads")
    ax.set_xlabel("probability bin (deciles of the training window)")
    ax.set_title(f"Score distribution then vs now (PSI {score.psi:.3f}, {score.level})")
    ax.legend()
    return _png(fig)


def calibration_plot(realised: RealisedReport) -> str:
    """Observed conversion rate against mean served probability per equal-count bin."""
    fig = Figure(figsize=(5, 4.6))
    ax = fig.add_subplot()
    mean_p = [b.mean_probability for b in realised.calibration]
    rate = [b.observed_rate for b in realised.calibration]
    top = max([*mean_p, *rate, 0.01]) * 1.05
    ax.plot([0, top], [0, top], linestyle="--", color="grey", label="perfectly calibrated")
    ax.plot(mean_p, rate, marker="o", color="#1e88e5", label="served scores")
    ax.set_xlabel("mean served probability")
    ax.set_ylabel("realised conversion rate")
    horizon = "" if realised.horizon_days is None else f" ({realised.horizon_days}-day horizon)"
    ax.set_title(f"Realised calibration{horizon}")
    ax.legend()
    return _png(fig)


def tier_plot(realised: RealisedReport) -> str:
    fig = Figure(figsize=(5, 3.4))
    ax = fig.add_subplot()
    x = np.arange(len(realised.tiers))
    ax.bar(x - 0.2, [100 * t.mean_probability for t in realised.tiers], width=0.4, label="mean served probability",
           color="#90a4ae")
    ax.bar(x + 0.2, [100 * t.rate for t in realised.tiers], width=0.4, label="realised rate", color="#43a047")
    ax.set_xticks(x, [t.tier for t in realised.tiers])
    ax.set_ylabel("% converting")
    ax.set_title("Conversion per tier")
    ax.legend()
    return _png(fig)


def _drift_rows(report: DriftReport) -> str:
    rows = []
    for d in report.results:  # the score first, then features by PSI, largest first
        colour = _LEVEL_COLOUR[d.level]
        moved = sorted(zip(d.labels, d.reference, d.current, strict=True), key=lambda b: -abs(b[2] - b[1]))[:5]
        detail = "".join(f"<tr><td>{html.escape(label)}</td><td>{_percent(r)}</td><td>{_percent(c)}</td></tr>"
                         for label, r, c in moved)
        unseen = "" if not d.unseen else (
            '<p class="muted">“(other)” now holds values the training window did not name: '
            + ", ".join(f"{html.escape(value)} ({count:,})" for value, count in d.unseen) + "</p>")
        bins = (f"<details><summary>{html.escape(d.name)}</summary><table><tr><th>bin</th><th>then</th>"
                f"<th>now</th></tr>{detail}</table>{unseen}</details>")
        rows.append(f'<tr style="background:{colour}"><td>{bins}</td><td>{d.kind}</td><td>{d.psi:.4f}</td>'
                    f"<td>{d.level}</td><td>{d.noise_p99:.4f}</td><td>{'yes' if d.beyond_noise else 'no'}</td></tr>")
    return "".join(rows)


def _drift_section(report: DriftReport) -> str:
    flagged = report.flagged
    significant = sum(d.level == "significant" for d in flagged)
    t = report.thresholds
    parts = [
        "<h2>Drift: population stability index</h2>",
        f'<p class="summary">{len(flagged)} of {len(report.results)} flagged ({significant} significant) — '
        f"{report.rows_current:,} current rows against {report.rows_reference:,} in the training window.</p>",
        f'<p class="muted">PSI = Σ (now − then) · ln(now / then) over bins fixed at training time; '
        f"moderate from {t.moderate}, significant from {t.significant}. “Noise 99 %”: the PSI two samples of "
        "one population of these sizes exceed 1 % of the time; below it, a flag may be chance.</p>",
    ]
    if report.score is not None:
        parts.append(score_distribution_plot(report.score))
    parts.append("<table><tr><th>feature (click: bins that moved most)</th><th>kind</th><th>PSI</th><th>level</th>"
                 f"<th>noise 99 %</th><th>beyond noise</th></tr>{_drift_rows(report)}</table>")
    return "".join(parts)


def outcome_verdict(realised: RealisedReport) -> str:
    """One sentence: the conversions the served probabilities expected, those that came, and what that says."""
    expected, surprise = realised.expected_conversions or 0.0, realised.surprise
    said = f"{realised.conversions:,} conversions came where the served probabilities expected {expected:,.1f}"
    if surprise is None or not realised.judged():
        return f"{said}: too few expected to judge"
    if realised.off():
        return (f"{said} ({surprise:+.1f} standard deviations): the scores no longer come true; retrain on recent "
                "outcomes, or check that the conversions export is complete")
    return f"{said} ({surprise:+.1f} standard deviations): within what calibrated scores give"


def _come_true(realised: RealisedReport) -> str:
    style = ' style="background:#f8d7da"' if realised.off() else ""
    return f'<p class="summary"{style}>{html.escape(outcome_verdict(realised))}.</p>'


def _realised_section(realised: RealisedReport) -> str:
    if realised.horizon_days is None:  # a flat table's outcome column
        checked = f"{realised.evaluated:,} rows checked, {realised.conversions:,} converted (the table's outcome)."
        left = f"Left out: {realised.open_horizon:,} rows whose outcome is not decided yet."
    else:
        checked = (f"{realised.evaluated:,} scores checked, {realised.conversions:,} converted within "
                   f"{realised.horizon_days} days (outcomes known up to {realised.observed_until:%Y-%m-%d %H:%M}).")
        left = (f"Left out: {realised.open_horizon:,} scores whose horizon is still open (they may still convert), "
                f"{realised.converted_before:,} given after their lead had converted.")
    parts = ["<h2>Realised accuracy of the served scores</h2>", f'<p class="summary">{checked}</p>',
             f'<p class="muted">{left}</p>']
    if not realised.evaluated:
        return "".join(parts)
    parts.append(_come_true(realised))
    parts.append(f"<table><tr><th>metric</th><th>value</th></tr>"
                 f"<tr><td>realised conversion rate</td><td>{_percent(realised.base_rate)}</td></tr>"
                 f"<tr><td>mean served probability</td><td>{_percent(realised.mean_probability)}</td></tr>"
                 f"<tr><td>ECE (equal-count bins)</td><td>{_number(realised.ece, 4)}</td></tr>"
                 f"<tr><td>Brier score</td><td>{_number(realised.brier, 4)}</td></tr>"
                 f"<tr><td>ROC AUC</td><td>{_number(realised.roc_auc)}</td></tr></table>")
    parts.append(calibration_plot(realised))
    if realised.tiers:
        rows = "".join(f"<tr><td>{html.escape(t.tier)}</td><td>{t.scores:,}</td><td>{t.conversions:,}</td>"
                       f"<td>{_percent(t.rate)}</td><td>{_percent(t.mean_probability)}</td>"
                       f"<td>{_percent(t.claimed_rate)}</td></tr>" for t in realised.tiers)
        parts.append("<table><tr><th>tier</th><th>scores</th><th>converted</th><th>realised rate</th>"
                     f"<th>mean served probability</th><th>rate the model card claims</th></tr>{rows}</table>")
        parts.append(tier_plot(realised))
    return "".join(parts)


def render_html(drift: DriftReport | None = None, realised: RealisedReport | None = None, *,
                title: str = "Lead scoring monitor", context: Mapping[str, object] | None = None,
                generated_at: datetime | None = None) -> str:
    """The report as one HTML document. ``context``: lines shown at the top (model version, windows …)."""
    moment = generated_at or datetime.now(UTC)
    facts = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                    for k, v in (context or {}).items())
    body = [f"<h1>{html.escape(title)}</h1>", f'<p class="muted">Generated {moment:%Y-%m-%d %H:%M %Z}</p>']
    if facts:
        body.append(f"<table>{facts}</table>")
    if drift is not None:
        body.append(_drift_section(drift))
    if realised is not None:
        body.append(_realised_section(realised))
    if drift is None and realised is None:
        body.append("<p>Nothing to report: neither drift nor outcomes were computed.</p>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")


def write_report(path: str | Path, drift: DriftReport | None = None, realised: RealisedReport | None = None,
                 **kwargs: object) -> Path:
    """Write :func:`render_html` to ``path`` (through a temporary file, so a reader never sees half)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(render_html(drift, realised, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    temporary.replace(path)
    return path
