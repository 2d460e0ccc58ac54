"""The promotion gate's statistics: paired bootstrap intervals, enough conversions, not worse beyond the noise."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from training.gate import GatePolicy, _prepared, _weighted_auc, bootstrap, compare, intervals, verdict

FEWER = GatePolicy(resamples=400)  # percentile intervals settle by a few hundred resamples; keeps the tests quick


def _leads(n: int, base_rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes drawn from known probabilities: a model that predicts ``truth`` is perfectly calibrated."""
    rng = np.random.default_rng(seed)
    truth = 1 / (1 + np.exp(-(np.log(base_rate / (1 - base_rate)) + rng.normal(0, 1.2, n))))
    return (rng.random(n) < truth).astype(np.int64), truth


def test_the_weighted_auc_equals_sklearn_on_the_resampled_rows_including_ties():
    rng = np.random.default_rng(0)
    y = (rng.random(3_000) < 0.15).astype(np.int64)
    p = np.round(rng.random(3_000) * 0.4 + 0.2 * y, 2)  # rounded: many tied scores
    drawn = rng.integers(0, 3_000, 3_000)
    weights = np.bincount(drawn, minlength=3_000)[None].astype(np.float64)

    assert _weighted_auc(_prepared(p, y), weights)[0] == pytest.approx(roc_auc_score(y[drawn], p[drawn]), abs=1e-12)
    assert _weighted_auc(_prepared(p, y), np.ones((1, 3_000)))[0] == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_the_interval_of_a_known_model_covers_its_auc_and_narrows_with_more_leads():
    widths = []
    for n in (2_000, 20_000):
        y, truth = _leads(n, 0.1, seed=n)
        interval = intervals(y, truth, policy=FEWER)["roc_auc"]
        assert interval.low < roc_auc_score(y, truth) < interval.high
        assert interval.value == pytest.approx(roc_auc_score(y, truth))
        widths.append(interval.high - interval.low)
    # the width of a bootstrap interval shrinks as 1/sqrt(n): ten times the leads, about a third of the width
    assert widths[1] == pytest.approx(widths[0] / np.sqrt(10), rel=0.35)


def test_a_model_with_noise_added_loses_beyond_the_noise_and_is_kept_out():
    y, truth = _leads(20_000, 0.1, seed=1)
    noisy = 1 / (1 + np.exp(-(np.log(truth / (1 - truth)) + np.random.default_rng(2).normal(0, 1.0, len(y)))))

    comparison = compare(y, noisy, truth, "test leads", policy=FEWER)
    promoted, why = verdict(comparison)

    assert comparison.difference["roc_auc"].high < 0
    assert comparison.difference["log_loss"].low > 0
    assert comparison.difference["log_loss"].value == pytest.approx(log_loss(y, noisy) - log_loss(y, truth))
    assert not promoted and "beyond the noise" in why


def test_an_equally_good_model_is_promoted_a_tie_goes_to_the_challenger():
    y, truth = _leads(20_000, 0.1, seed=3)
    rng = np.random.default_rng(4)
    # two models as good as each other: the truth, each with a small independent wobble
    a = np.clip(truth * np.exp(rng.normal(0, 0.02, len(y))), 1e-6, 1 - 1e-6)
    b = np.clip(truth * np.exp(rng.normal(0, 0.02, len(y))), 1e-6, 1 - 1e-6)

    comparison = compare(y, a, b, "test leads", policy=FEWER)
    promoted, why = verdict(comparison)

    assert comparison.difference["roc_auc"].low < 0 < comparison.difference["roc_auc"].high
    assert promoted and "not worse beyond the noise" in why, why
    # the other way round from the noisy model above: better beyond the noise, and the decision says so
    noisy = 1 / (1 + np.exp(-(np.log(truth / (1 - truth)) + rng.normal(0, 1.0, len(y)))))
    promoted, why = verdict(compare(y, truth, noisy, "test leads", policy=FEWER))
    assert promoted and why.startswith("promoted: better beyond the noise"), why


def test_too_few_conversions_keep_the_champion_even_when_the_challenger_looks_better():
    y, truth = _leads(400, 0.035, seed=5)  # about 13 conversions, as in the 400-lead history of issue 17
    worse = np.full(len(y), y.mean())

    comparison = compare(y, truth, worse, "this run's evaluation leads")
    promoted, why = verdict(comparison)

    assert comparison.conversions < GatePolicy().min_conversions
    assert not promoted
    assert f"{comparison.conversions} conversions" in why and "cannot tell the models apart" in why


def test_resampling_whole_leads_keeps_a_leads_snapshots_together():
    # each lead appears in 5 snapshots with the same outcome: 5x the rows, but not 5x the information
    y, truth = _leads(2_000, 0.1, seed=6)
    rows_y, rows_p = np.repeat(y, 5), np.repeat(truth, 5)
    leads = np.repeat(np.arange(2_000), 5)

    by_row = intervals(rows_y, rows_p, policy=FEWER)["roc_auc"]
    by_lead = intervals(rows_y, rows_p, groups=leads, policy=FEWER)["roc_auc"]
    once = intervals(y, truth, policy=FEWER)["roc_auc"]

    # resampled by lead, the interval is as wide as for the leads once; resampled by row it is falsely narrow
    assert (by_lead.high - by_lead.low) == pytest.approx(once.high - once.low, rel=0.25)
    assert (by_row.high - by_row.low) < 0.6 * (by_lead.high - by_lead.low)


def test_the_bootstrap_is_paired_both_models_see_the_same_resamples():
    y, truth = _leads(5_000, 0.1, seed=7)
    draws = bootstrap(y, {"a": truth, "b": truth}, policy=GatePolicy(resamples=200))

    # the same probabilities under the same resamples: identical draws, a difference of exactly zero
    assert np.array_equal(draws["a"]["roc_auc"], draws["b"]["roc_auc"])
    assert np.array_equal(draws["a"]["log_loss"], draws["b"]["log_loss"])


def test_a_challenger_no_better_than_chance_is_kept_out_even_when_the_champion_looks_as_random_there():
    """Conversions scrambled in the new export: both models look random on its leads, and the challenger, which
    learned the export's lower base rate, wins on log loss. It ranks no better than a coin, so it is kept out."""
    rng = np.random.default_rng(6)
    y = (rng.random(6_000) < 0.05).astype(np.int64)  # outcomes that have nothing to do with either model
    champion = np.clip(rng.beta(1, 9, len(y)) * 1.6, 1e-4, 0.9)  # calibrated to the old, higher base rate
    challenger = np.clip(rng.beta(1, 19, len(y)), 1e-4, 0.9)  # the scrambled export's base rate

    comparison = compare(y, challenger, champion, "backtest origin 2025-12-31", policy=FEWER)
    promoted, why = verdict(comparison)

    assert comparison.difference["log_loss"].high < 0  # better on log loss beyond the noise, and yet:
    assert comparison.challenger["roc_auc"].low < 0.5 < comparison.challenger["roc_auc"].high
    assert not promoted and "no better than chance" in why and "check the new data's conversions" in why


def test_a_points_model_champion_gives_way_to_a_longer_history_or_a_learned_model_that_beat_it():
    """The points model is a stand-in: judged on nothing (its history had no elapsed horizon) it cannot be compared
    on shared leads, so the gate would keep the first three weeks' model for ever. The same procedure on a later
    history replaces it, and a learned model does when it beat the points model on its own evaluation leads."""
    from types import SimpleNamespace

    from training.tracking import _replaces_points_model

    champion = {"regime": "rules", "data_end": "2026-03-01T00:00:00+00:00"}

    def run(regime: str, end: str, log_loss: float = 0.25, rules_log_loss: float = 0.27) -> SimpleNamespace:
        return SimpleNamespace(regime=regime, bundle=SimpleNamespace(info={"data_end": end}),
                               metrics={"log_loss": log_loss, "roc_auc": 0.8},
                               baselines={"rules": {"log_loss": rules_log_loss, "roc_auc": 0.75}})

    assert "longer history" in _replaces_points_model(run("rules", "2026-04-01T00:00:00+00:00"), champion)
    assert _replaces_points_model(run("rules", "2026-03-01T00:00:00+00:00"), champion) is None  # nothing new
    assert _replaces_points_model(run("rules", "2026-02-01T00:00:00+00:00"), champion) is None  # older data
    assert "beat the points model" in _replaces_points_model(run("backtest", "2026-03-01T00:00:00+00:00"), champion)
    assert _replaces_points_model(run("backtest", "2026-04-01T00:00:00+00:00", 0.28), champion) is None  # lost
    learned = {"regime": "backtest", "data_end": "2026-03-01T00:00:00+00:00"}
    assert _replaces_points_model(run("rules", "2026-04-01T00:00:00+00:00"), learned) is None  # only a stand-in
