"""Did the served scores come true? Realised conversion per tier and calibration, once outcomes are known.

A score given as of ``t`` claims "this lead converts in (t, t + horizon] with probability p" (the data
contract's label). It can be checked only once ``t + horizon`` has passed by the time the outcomes were
exported (``observed_until``): a score whose horizon is still open is left out, never counted as a
non-conversion, because its lead may still convert. A score given after its lead had already converted
is not a claim about the future and is left out too. Only a lead's first conversion matters.

By default each lead counts once, with its first checkable score: a lead scored at every CRM update
would otherwise weigh as much as the number of its updates, and its later scores are the ones taken
closest to a conversion (they would flatter the model). ``per_lead="all"`` checks every score.

* Tier: realised conversion rate per tier against the mean probability served (and the rate the
  model's card claims, when given).
* Calibration: equal-count bins of the probability (10 by default), mean predicted vs observed rate; the
  ECE is their size-weighted mean gap, as :func:`training.metrics.expected_calibration_error` computes
  it at training time, so the two are comparable.
* Brier score: mean (p − y)²; ROC AUC when both outcomes occur.
* Do the scores still come true? Calibrated probabilities expect Σ p conversions with variance Σ p(1 − p)
  (the count is a Poisson binomial: a sum of independent Bernoulli(p_i), one per lead); the realised count's
  distance from it in standard deviations (:attr:`RealisedReport.surprise`) and :meth:`RealisedReport.off`
  say when the conversion rate has moved away from what the model serves (a halved rate after a market or
  funnel change, a CRM that stopped recording conversions). Independence holds for one score per lead
  (the default); with ``per_lead="all"`` a lead's scores share its one outcome and the surprise overstates.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from monitoring.config import OutcomeThresholds

TIER_ORDER = ("hot", "warm", "cold")


@dataclass(frozen=True)
class TierOutcome:
    tier: str
    scores: int
    conversions: int
    rate: float
    mean_probability: float
    claimed_rate: float | None = None  # what the model card says this tier converts at


@dataclass(frozen=True)
class CalibrationBin:
    count: int
    low: float  # lowest probability in the bin
    high: float
    mean_probability: float
    observed_rate: float


@dataclass(frozen=True)
class RealisedReport:
    """Outcomes of the served scores whose horizon has passed. ``ece``, ``brier`` are None without any
    checkable score; ``roc_auc`` also when only one outcome occurred."""

    horizon_days: int | None  # None: a flat table's outcome, which has no horizon
    observed_until: datetime
    evaluated: int
    conversions: int
    open_horizon: int  # scores left out: horizon not yet over
    converted_before: int  # scores left out: the lead had converted already
    tiers: list[TierOutcome] = field(default_factory=list)
    calibration: list[CalibrationBin] = field(default_factory=list)
    ece: float | None = None
    brier: float | None = None
    roc_auc: float | None = None
    base_rate: float | None = None
    mean_probability: float | None = None
    expected_conversions: float | None = None  # Σ p over the checked scores
    expected_variance: float | None = None  # Σ p(1 − p): the count's variance if the scores are calibrated

    @property
    def surprise(self) -> float | None:
        """How many standard deviations the realised conversions lie from the expected ones, (O − Σp) /
        √Σp(1−p) with the gap moved ½ towards 0 (continuity correction for a count); negative: fewer
        conversions than the scores promised. None without checked scores."""
        if not self.expected_variance or self.expected_conversions is None:
            return None
        gap = self.conversions - self.expected_conversions
        return math.copysign(max(abs(gap) - 0.5, 0.0), gap) / math.sqrt(self.expected_variance)

    def judged(self, thresholds: OutcomeThresholds | None = None) -> bool:
        """Whether enough was expected to happen to judge the count (variance of at least ``min_variance``)."""
        t = thresholds or OutcomeThresholds()
        return self.surprise is not None and bool(self.expected_conversions) and \
            (self.expected_variance or 0.0) >= t.min_variance

    def off(self, thresholds: OutcomeThresholds | None = None) -> bool:
        """Whether the realised conversions say the served scores no longer come true (the rule of
        :class:`~monitoring.config.OutcomeThresholds`); False when too little has happened to judge."""
        t = thresholds or OutcomeThresholds()
        if not self.judged(t):
            return False
        ratio = self.conversions / self.expected_conversions  # type: ignore[operator]
        return abs(self.surprise) >= t.z and not 1 / t.ratio < ratio < t.ratio  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["observed_until"] = self.observed_until.isoformat()
        out["surprise"], out["off"] = self.surprise, self.off()
        return out


def _moments(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, format="ISO8601") if values.dtype == object or \
        isinstance(values.dtype, pd.StringDtype) else pd.to_datetime(values, utc=True)


def label_scores(scores: pd.DataFrame, conversions: pd.DataFrame, horizon_days: int, observed_until: datetime,
                 per_lead: Literal["first", "all"] = "first") -> pd.DataFrame:
    """The served scores with ``status`` (``evaluated`` / ``open_horizon`` / ``converted_before``) and, for
    the evaluated ones, ``converted`` (0/1). A score's moment is its ``as_of`` (else ``scored_at``)."""
    moment_column = "as_of" if "as_of" in scores.columns else "scored_at"
    missing = [c for c in ("lead_id", "probability", moment_column) if c not in scores.columns]
    missing += [f"conversions.{c}" for c in ("lead_id", "converted_at") if c not in conversions.columns]
    if missing:
        raise ValueError(f"cannot check realised outcomes without {', '.join(missing)}")
    out = scores.copy()
    t = _moments(out[moment_column])
    first = _moments(conversions["converted_at"]).groupby(conversions["lead_id"].astype(str).to_numpy()).min()
    converted_at = pd.Series(first.reindex(out["lead_id"].astype(str).to_numpy()).array, index=out.index)
    end = t + pd.Timedelta(days=horizon_days)
    limit = pd.Timestamp(observed_until)
    limit = limit.tz_localize("UTC") if limit.tzinfo is None else limit.tz_convert("UTC")
    before = (converted_at <= t).fillna(False).to_numpy(dtype=bool)
    closed = (end <= limit).to_numpy(dtype=bool)
    out["status"] = np.where(before, "converted_before", np.where(closed, "evaluated", "open_horizon"))
    out["converted"] = ((converted_at > t) & (converted_at <= end)).fillna(False).to_numpy(dtype=np.int8)
    out.loc[out["status"] != "evaluated", "converted"] = -1
    if per_lead == "first":
        checked = out[out["status"] == "evaluated"].assign(_t=t[out["status"] == "evaluated"])
        keep = checked.sort_values("_t", kind="stable").drop_duplicates("lead_id", keep="first").index
        out = out[(out["status"] != "evaluated") | out.index.isin(keep)]
    return out


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[CalibrationBin]:
    """Equal-count bins of the probability (ties kept in input order), as training's ECE uses."""
    order = np.argsort(p, kind="stable")
    return [CalibrationBin(len(chunk), float(p[chunk].min()), float(p[chunk].max()), float(p[chunk].mean()),
                           float(y[chunk].mean())) for chunk in np.array_split(order, bins) if len(chunk)]


def expected_calibration_error(calibration: list[CalibrationBin]) -> float:
    total = sum(b.count for b in calibration)
    return sum(b.count * abs(b.mean_probability - b.observed_rate) for b in calibration) / total


def realised(scores: pd.DataFrame, conversions: pd.DataFrame, horizon_days: int, observed_until: datetime,
             bins: int = 10, per_lead: Literal["first", "all"] = "first",
             claimed_rates: Mapping[str, float] | None = None) -> RealisedReport:
    """Realised outcomes of served scores (``lead_id``, ``as_of`` or ``scored_at``, ``probability``,
    ``tier``) given the conversions known up to ``observed_until`` (``lead_id``, ``converted_at``)."""
    labelled = label_scores(scores, conversions, horizon_days, observed_until, per_lead)
    status = labelled["status"].value_counts()
    done = labelled[labelled["status"] == "evaluated"]
    return outcome_report(done["converted"].to_numpy(dtype=np.float64), done["probability"].to_numpy(dtype=np.float64),
                          done["tier"].astype(str).to_numpy() if "tier" in done.columns else None,
                          horizon_days=horizon_days, observed_until=observed_until,
                          open_horizon=int(status.get("open_horizon", 0)),
                          converted_before=int(status.get("converted_before", 0)), bins=bins,
                          claimed_rates=claimed_rates)


def outcome_report(y: np.ndarray, p: np.ndarray, tiers: np.ndarray | None, *, horizon_days: int | None,
                   observed_until: datetime, open_horizon: int = 0, converted_before: int = 0, bins: int = 10,
                   claimed_rates: Mapping[str, float] | None = None) -> RealisedReport:
    """The report of checked scores: outcome ``y`` (0/1) of each score with probability ``p`` and tier. A flat
    table's outcome has no horizon (``horizon_days`` None); its undecided rows are ``open_horizon``."""
    report = RealisedReport(horizon_days, observed_until, len(y), int(np.sum(y)), open_horizon, converted_before)
    if not len(y):
        return report
    calibration = calibration_bins(y, p, bins)
    outcomes = []
    if tiers is not None:
        present = list(dict.fromkeys(tiers))
        for tier in [*(t for t in TIER_ORDER if t in present), *(t for t in present if t not in TIER_ORDER)]:
            inside = tiers == tier
            outcomes.append(TierOutcome(tier, int(inside.sum()), int(y[inside].sum()), float(y[inside].mean()),
                                        float(p[inside].mean()), (claimed_rates or {}).get(tier)))
    both = 0 < y.sum() < len(y)
    return dataclasses.replace(
        report, tiers=outcomes, calibration=calibration, ece=expected_calibration_error(calibration),
        brier=float(np.mean((p - y) ** 2)), roc_auc=float(roc_auc_score(y, p)) if both else None,
        base_rate=float(y.mean()), mean_probability=float(p.mean()), expected_conversions=float(p.sum()),
        expected_variance=float(np.sum(p * (1 - p))))
