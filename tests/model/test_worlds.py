"""The model on worlds of other shapes: settings tuned to one world must not fail on another.

Each world is a few knobs away from the default (``WorldConfig.preset``): a drifting market (base rate,
channel mix and picklists change), fit and intent that interact, a low base rate, a CRM three months old and
a history without activities. What is asserted, and why these numbers (measured at 12,000 leads, seed 5):

* **Calibration** on the latest backtest origin (leads the model never saw, outcomes observed): ECE ≤ 0.015.
  Issue #20 asks for ≤ 0.01 on 20k-lead worlds (measured there: 0.003–0.008); with ~7,000 open leads and a
  3–8 % base rate, sampling noise alone gives about 0.005, so 0.015 is the same bar at this size.
* **Distance to the truth**: the world's truth file knows the hidden state (unobserved need, how serious a
  buying phase is); the model is within 0.09 ROC AUC of it (measured 0.05–0.075).
* **The refit is worth it where the world drifts**: at every backtest origin the served procedure (refitted
  up to the origin) is at least as good as the model fitted only up to the calibration window.
* **Short histories are served honestly**: the regime says what was possible, every lead gets a score.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss

from features.batch import LeadBatch
from leadscore.synthetic import World, WorldConfig, generate_world
from training.config import TrainConfig
from training.train import TrainResult, train_event, truth_gap

pytestmark = [pytest.mark.slow, pytest.mark.extended]

CONFIG = TrainConfig(search_seconds=8)
LEARNED = ("drifting", "strong_interaction", "low_base_rate")


@pytest.fixture(scope="module", params=LEARNED)
def trained_world(request: pytest.FixtureRequest) -> tuple[str, World, TrainResult]:
    world = generate_world(WorldConfig.preset(request.param, n_leads=12_000, seed=5))
    return request.param, world, train_event(world.leads, world.activities, world.conversions, CONFIG)


def test_every_world_with_history_is_judged_by_a_backtest_and_is_calibrated(trained_world) -> None:
    name, _, result = trained_world
    assert result.regime == "backtest" and len(result.origins) >= 2, name
    assert result.metrics["ece"] <= 0.015, (name, result.metrics["ece"])
    assert all(o.metrics["ece"] <= 0.02 for o in result.origins), name


def test_every_world_comes_within_a_stated_distance_of_its_truth(trained_world) -> None:
    name, world, result = trained_world
    gap = truth_gap(result, world.truth)
    assert 0 < gap["auc_gap_to_truth"] <= 0.09, (name, gap)


def test_every_world_beats_the_hand_made_scorecard_and_matches_logistic_regression(trained_world) -> None:
    name, _, result = trained_world
    assert result.metrics["roc_auc"] >= result.baselines["points"]["roc_auc"] + 0.03, name
    assert result.metrics["roc_auc"] >= result.baselines["logreg"]["roc_auc"] - 0.005, name


def test_the_refit_beats_the_fit_window_only_model_where_the_world_drifts_and_never_loses(trained_world) -> None:
    """Where the world drifts, the latest months are worth having at every origin (measured +0.006 to +0.012
    ROC AUC); elsewhere the refit is never worse by more than the noise of one origin (0.01)."""
    name, _, result = trained_world
    for origin in result.origins:
        m = origin.metrics
        if name == "drifting":
            assert m["roc_auc"] >= m["fit_window_only_roc_auc"], origin.moment
            assert m["log_loss"] <= m["fit_window_only_log_loss"], origin.moment
        else:
            assert m["roc_auc"] >= m["fit_window_only_roc_auc"] - 0.01, (name, origin.moment)


def _future(world: World, result: TrainResult) -> pd.DataFrame:
    """Every lead open at the export, its served probability, and whether it converted in the next horizon."""
    moment = pd.Timestamp(world.truth["as_of"].iloc[0])
    features = result.bundle.features(LeadBatch.from_frames(world.leads, world.activities), moment)
    joined = features.join(world.truth.set_index("lead_id")[["converted_in_horizon"]], how="inner")
    joined["probability"] = result.bundle.probability(joined)
    return joined


def test_a_history_of_eight_months_without_activities_trains_and_beats_the_base_rate() -> None:
    world = generate_world(WorldConfig.preset("no_activities", n_leads=8_000, seed=5))
    assert world.activities.empty
    result = train_event(world.leads, None, world.conversions, CONFIG)
    assert result.regime in ("cross-validated", "backtest")
    assert result.bundle.info["regime_text"] and result.evaluation
    future = _future(world, result)
    y = future["converted_in_horizon"].to_numpy()
    assert len(future) == len(world.truth)
    assert brier_score_loss(y, future["probability"]) < brier_score_loss(y, np.full(len(y), y.mean()))


def test_a_crm_three_months_old_is_served_by_the_points_model_and_scores_every_lead() -> None:
    world = generate_world(WorldConfig.preset("short_crm", seed=5))
    result = train_event(world.leads, world.activities, world.conversions, CONFIG)
    assert result.regime == "rules" and "not evaluated" in result.evaluation
    future = _future(world, result)
    assert len(future) == len(world.truth) and future["probability"].between(0, 1).all()
    # more points never lower the probability, and the points carry signal
    from sklearn.metrics import roc_auc_score

    assert result.bundle.model.slope >= 0
    assert roc_auc_score(future["converted_in_horizon"], future["probability"]) > 0.6


def test_the_points_rules_are_the_users_to_edit(tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nfeature = "n_demo_request_30d"\nat_least = 1\npoints = 50\n')
    world = generate_world(WorldConfig.preset("short_crm", seed=6))
    result = train_event(world.leads, world.activities, world.conversions,
                         dataclasses.replace(CONFIG, rules_file=str(rules)))
    assert [r.feature for r in result.bundle.model.rules] == ["n_demo_request_30d"]

