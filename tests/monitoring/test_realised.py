"""Realised accuracy against a constructed example whose answers are worked out by hand below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from monitoring.realised import label_scores, realised
from monitoring.report import outcome_verdict
from training.metrics import expected_calibration_error

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
HORIZON = 30
OBSERVED = T0 + 40 * DAY  # conversions known up to here: scores as of T0 are checkable, as of T0 + 20 d not


def served() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [  # lead, as_of, probability, tier
        ("A", T0, 0.8, "hot"), ("B", T0, 0.6, "hot"),
        ("C", T0, 0.3, "warm"), ("D", T0, 0.3, "warm"), ("E", T0, 0.2, "warm"), ("F", T0, 0.2, "warm"),
        ("G", T0, 0.1, "cold"), ("H", T0, 0.1, "cold"), ("I", T0, 0.05, "cold"), ("J", T0, 0.05, "cold"),
        ("A", T0 + 5 * DAY, 0.9, "hot"),  # A scored again: by default only its first score counts
        ("K", T0, 0.5, "hot"),  # K had converted before it was scored
        ("L", T0 + 20 * DAY, 0.9, "hot"),  # horizon open at OBSERVED, although L converted
        ("M", T0 + 20 * DAY, 0.05, "cold"),  # horizon open and no conversion yet: not a negative
    ]
    scores = pd.DataFrame(rows, columns=["lead_id", "as_of", "probability", "tier"])
    conversions = pd.DataFrame([
        ("A", T0 + 10 * DAY),  # inside (T0, T0 + 30 d]
        ("B", T0 + 35 * DAY),  # after the horizon: B counts as not converted
        ("C", T0 + 29 * DAY), ("C", T0 + 60 * DAY),  # only the first conversion matters
        ("K", T0 - DAY),
        ("L", T0 + 25 * DAY),
    ], columns=["lead_id", "converted_at"])
    return scores, conversions


def test_scores_whose_horizon_is_open_or_whose_lead_had_converted_are_left_out() -> None:
    scores, conversions = served()
    labelled = label_scores(scores, conversions, HORIZON, OBSERVED)
    status = dict(zip(labelled["lead_id"] + "@" + labelled["as_of"].astype(str), labelled["status"], strict=True))
    assert status[f"K@{T0}"] == "converted_before"
    assert status[f"L@{T0 + 20 * DAY}"] == "open_horizon"
    assert status[f"M@{T0 + 20 * DAY}"] == "open_horizon"  # never a negative while its horizon runs
    assert set(labelled.loc[labelled["status"] == "evaluated", "lead_id"]) == set("ABCDEFGHIJ")
    assert (labelled.loc[labelled["status"] != "evaluated", "converted"] == -1).all()
    # a day later than the horizon's end of L and M, they are checkable
    later = label_scores(scores, conversions, HORIZON, T0 + 50 * DAY)
    assert dict(zip(later["lead_id"], later["converted"], strict=False))["L"] == 1
    assert dict(zip(later["lead_id"], later["converted"], strict=False))["M"] == 0


def test_tier_rates_ece_brier_and_auc_match_the_hand_computed_example() -> None:
    scores, conversions = served()
    report = realised(scores, conversions, HORIZON, OBSERVED, bins=2, claimed_rates={"hot": 0.45})
    assert (report.evaluated, report.conversions, report.open_horizon, report.converted_before) == (10, 2, 2, 1)
    assert report.base_rate == pytest.approx(0.2)
    tiers = {t.tier: t for t in report.tiers}
    assert [t.tier for t in report.tiers] == ["hot", "warm", "cold"]
    assert (tiers["hot"].scores, tiers["hot"].conversions, tiers["hot"].rate) == (2, 1, 0.5)  # A yes, B too late
    assert (tiers["warm"].scores, tiers["warm"].conversions, tiers["warm"].rate) == (4, 1, 0.25)  # C
    assert (tiers["cold"].scores, tiers["cold"].conversions, tiers["cold"].rate) == (4, 0, 0.0)
    assert tiers["hot"].mean_probability == pytest.approx(0.7)
    assert tiers["hot"].claimed_rate == 0.45 and tiers["warm"].claimed_rate is None
    # two equal-count bins: {I, J, G, H, E} mean p 0.10, observed 0/5; {F, C, D, B, A} mean p 0.44, observed 2/5
    assert [(b.count, round(b.mean_probability, 4), b.observed_rate) for b in report.calibration] == \
        [(5, 0.1, 0.0), (5, 0.44, 0.4)]
    assert report.ece == pytest.approx((5 * 0.10 + 5 * 0.04) / 10)
    # Brier: A .04 + B .36 + C .49 + D .09 + E .04 + F .04 + G .01 + H .01 + I .0025 + J .0025 = 1.085
    assert report.brier == pytest.approx(0.1085)
    # AUC: A (0.8) outranks all 8 non-converters; C (0.3) outranks 6, ties D (½), loses to B → 14.5 / 16
    assert report.roc_auc == pytest.approx(14.5 / 16)


def test_every_score_counts_when_asked_and_a_lead_scored_twice_then_weighs_twice() -> None:
    scores, conversions = served()
    report = realised(scores, conversions, HORIZON, OBSERVED, per_lead="all")
    hot = next(t for t in report.tiers if t.tier == "hot")
    # A's second score (as of T0 + 5 d, horizon to T0 + 35 d ≤ T0 + 40 d) is checkable and converted (T0 + 10 d)
    assert (report.evaluated, hot.scores, hot.conversions) == (11, 3, 2)


def test_nothing_checkable_yet_gives_counts_and_no_metrics() -> None:
    scores, conversions = served()
    report = realised(scores, conversions, HORIZON, T0 + 10 * DAY)
    assert (report.evaluated, report.open_horizon, report.ece, report.brier, report.roc_auc) == (0, 13, None, None,
                                                                                                 None)
    assert report.converted_before == 1


def test_one_outcome_only_gives_no_auc_but_still_calibration() -> None:
    scores, conversions = served()
    report = realised(scores, conversions.iloc[:0], HORIZON, OBSERVED)
    assert report.conversions == 0 and report.roc_auc is None
    assert report.ece == pytest.approx(float(np.mean([0.8, 0.6, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.5])))


def test_ece_is_the_one_training_reports() -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    p = rng.beta(1, 12, n)
    y = (rng.random(n) < np.clip(p * 1.3, 0, 1)).astype(int)  # served probabilities 30 % too low
    scores = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "as_of": T0, "probability": p, "tier": "cold"})
    conversions = pd.DataFrame({"lead_id": [f"L{i}" for i in np.flatnonzero(y)], "converted_at": T0 + DAY})
    report = realised(scores, conversions, HORIZON, OBSERVED)
    assert report.ece == pytest.approx(expected_calibration_error(y, p), abs=1e-12)
    assert report.mean_probability is not None and report.base_rate is not None
    assert report.base_rate == pytest.approx(1.3 * report.mean_probability, rel=0.12)


def test_missing_columns_are_named() -> None:
    scores, conversions = served()
    with pytest.raises(ValueError, match=r"without probability, conversions\.converted_at"):
        realised(scores.drop(columns=["probability"]), conversions.drop(columns=["converted_at"]), HORIZON, OBSERVED)


def outcomes_of(seed: int, leads: int, rate_factor: float = 1.0):
    """Scores served to ``leads`` leads (probabilities of mean ~0.1) whose outcomes are drawn at ``rate_factor``
    times the served probability: 1.0 is a calibrated model, 0.5 a conversion rate that halved since."""
    rng = np.random.default_rng(seed)
    probability = rng.beta(1, 9, leads)
    converted = rng.random(leads) < np.minimum(probability * rate_factor, 1.0)
    ids = np.array([f"L{i}" for i in range(leads)])
    scores = pd.DataFrame({"lead_id": ids, "as_of": T0, "probability": probability, "tier": "warm"})
    conversions = pd.DataFrame({"lead_id": ids[converted], "converted_at": T0 + 10 * DAY})
    return realised(scores, conversions, HORIZON, OBSERVED)


def test_calibrated_scores_come_true_and_their_surprise_is_a_standard_normal() -> None:
    reports = [outcomes_of(seed, 2_000) for seed in range(100)]
    surprises = np.array([r.surprise for r in reports])
    # outcomes drawn from the served probabilities: the count's spread is the Poisson binomial's, so the
    # surprise has mean ~0 and standard deviation ~1 (a wrong variance would show here); none is an alert
    assert abs(surprises.mean()) < 0.3 and 0.8 < surprises.std() < 1.2
    assert not any(r.off() for r in reports)
    first = reports[0]
    assert first.expected_conversions == pytest.approx(first.mean_probability * first.evaluated)


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_a_conversion_rate_that_halved_or_doubled_is_an_alert(factor: float) -> None:
    report = outcomes_of(1, 2_000, factor)
    # ~200 conversions expected, ~100 (or ~400) came: about 7 standard deviations off, and off by the factor
    assert report.off()
    assert abs(report.surprise) > 5 and np.sign(report.surprise) == np.sign(factor - 1)
    assert not 1 / 1.5 < report.conversions / report.expected_conversions < 1.5


def test_a_small_miscalibration_or_too_little_evidence_is_no_alert() -> None:
    slightly = outcomes_of(2, 20_000, 0.85)
    assert slightly.surprise < -3 and not slightly.off()  # significant, but 15 % is no broken model
    few = outcomes_of(3, 30, 0.0)  # nobody converted, but only ~3 conversions were expected
    assert few.conversions == 0 and few.expected_variance < 5 and not few.judged() and not few.off()
    assert outcome_verdict(few).endswith("too few expected to judge")
    assert "within what calibrated scores give" in outcome_verdict(slightly)
