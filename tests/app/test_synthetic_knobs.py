"""Specification of the synthetic world's knobs and presets (``WorldConfig``, issue #20).

Each knob is checked for what it should move, by how much, and for what it must leave alone; the truth file
is checked to stay calibrated under every preset. Worlds here are small (4,000 leads, under half a second
each). A knob is compared with the standard world of the *same seed*: the two share most random draws, so
their ratios are far steadier than either world's rates (measured over seeds 11-14 for every bound below).
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from features.contract import ACTIVITY_COLUMNS, LEAD_SOURCES
from leadscore.cli import app
from leadscore.synthetic import PRESETS, World, WorldConfig, generate_world, read_world
from leadscore.synthetic.drift import NEW_LABELS

SEED = 11
STANDARD = WorldConfig(n_leads=4_000, seed=SEED, mess=False)
FRAMES = ("leads", "activities", "conversions", "truth")


@pytest.fixture(scope="module")
def standard() -> World:
    return generate_world(STANDARD)


def knob(**changes: object) -> World:
    return generate_world(dataclasses.replace(STANDARD, **changes))


def mean_truth(world: World) -> float:
    return float(world.truth["true_probability"].mean())


def rate_within_90_days_of_creation(world: World, created_from: str, created_before: str) -> float:
    """Share of the leads created in [from, before) that converted within 90 days of their creation."""
    created = world.leads.set_index("lead_id")["created_at"]
    converted = world.conversions.set_index("lead_id")["converted_at"].reindex(created.index)
    cohort = (created >= pd.Timestamp(created_from, tz="UTC")) & (created < pd.Timestamp(created_before, tz="UTC"))
    return float(((converted - created <= pd.Timedelta(days=90)) & cohort).sum() / cohort.sum())


def assert_same_frames(first: World, second: World, names: tuple[str, ...]) -> None:
    for name in names:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), check_exact=True)


# --- presets ----------------------------------------------------------------------------------------------


def test_the_default_preset_is_the_standard_world_and_a_preset_takes_changes():
    assert WorldConfig.preset("default") == WorldConfig()
    config = WorldConfig.preset("drifting", n_leads=500, seed=9)
    assert (config.n_leads, config.seed) == (500, 9)
    assert {k: getattr(config, k) for k in PRESETS["drifting"]} == PRESETS["drifting"]


def test_an_unknown_preset_is_refused_with_the_names_of_the_known_ones():
    with pytest.raises(ValueError, match="presets: default, short_crm, no_activities, drifting"):
        WorldConfig.preset("tiny")


@pytest.mark.parametrize("name", list(PRESETS))
def test_the_truth_stays_calibrated_under_every_preset(name):
    """Expected and realised conversions of the open leads agree within three binomial standard errors.

    The truth reruns the process the knobs change, so only sampling noise separates the two (measured
    z between -2.3 and +1.0 over three seeds of every preset). A truth blind to a knob would be far off:
    at these sizes the standard error is ~5 % of the count, while ignoring ``low_base_rate`` would overstate
    it by 80 % and ignoring the drift of ``drifting`` by a third.
    """
    world = generate_world(WorldConfig.preset(name, seed=SEED, **({} if name == "short_crm" else {"n_leads": 4_000})))
    p = world.truth["true_probability"].to_numpy()
    observed = int(world.truth["converted_in_horizon"].sum())
    assert len(p) >= 900 and observed >= 30, "enough open leads and conversions to judge"
    assert abs(observed - p.sum()) <= 3 * math.sqrt((p * (1 - p)).sum()), (name, observed, p.sum())


# --- history length ---------------------------------------------------------------------------------------


def test_an_eight_month_history_is_scored_at_end_minus_the_horizon():
    world = generate_world(WorldConfig(n_leads=2_000, seed=SEED, start="2025-11-01"))
    assert world.leads["created_at"].min() >= pd.Timestamp("2025-11-01", tz="UTC")
    assert (world.truth["as_of"] == pd.Timestamp("2026-04-01", tz="UTC")).all()
    assert len(world.truth) > 1_000 and world.truth["converted_in_horizon"].sum() > 30
    assert len(world.conversions) > 50


def test_a_three_month_history_is_scored_past_the_export():
    world = generate_world(WorldConfig(n_leads=1_000, seed=SEED, start="2026-03-30", truth_as_of="2026-06-30"))
    assert len(world.truth) > 900, "nearly every lead is still open at the export"
    assert world.truth["converted_in_horizon"].sum() > 30, "outcomes after the export come from the latent history"
    assert world.activities["occurred_at"].max() <= pd.Timestamp("2026-06-30", tz="UTC")


# --- knob: no activities -----------------------------------------------------------------------------------


def test_a_world_without_activities_has_an_empty_table_with_the_contract_columns(standard):
    world = knob(activities=False)
    assert world.activities.empty
    assert tuple(world.activities.columns) == ACTIVITY_COLUMNS
    assert world.activities.dtypes.to_dict() == standard.activities.dtypes.to_dict()


def test_leaving_out_activities_leaves_leads_conversions_and_truth_bitwise_alone(standard):
    assert_same_frames(knob(activities=False), standard, ("leads", "conversions", "truth"))


def test_without_activities_conversions_still_follow_fit_and_hidden_intent(tmp_path):
    """Converters fit far better than the rest, and the truth (fit plus the hidden buying phase) still ranks
    the open leads well with no activity recorded at all; files round-trip the empty table."""
    world = generate_world(WorldConfig.preset("no_activities", n_leads=4_000, seed=SEED))
    fit = world.hidden.set_index("lead_id")["fit"]
    converted = fit.index.isin(world.conversions["lead_id"])
    assert fit[converted].mean() >= fit[~converted].mean() + 0.8
    assert roc_auc_score(world.truth["converted_in_horizon"], world.truth["true_probability"]) >= 0.75
    from leadscore.synthetic import write_world

    write_world(world, tmp_path, "csv")
    pd.testing.assert_frame_equal(read_world(tmp_path, "csv").activities, world.activities)


# --- knob: conversion scale -------------------------------------------------------------------------------


@pytest.mark.parametrize(("scale", "low", "high"), [(0.35, 0.48, 0.62), (2.0, 1.28, 1.50)])
def test_the_conversion_scale_moves_the_90_day_rate_by_its_measured_amount(standard, scale, low, high):
    """The rate moves less than the hazard: a phase converts at most once, and well-fitting leads in a serious
    phase convert either way. Measured ratios of the truth's mean: 0.53-0.55 at 0.35, 1.36-1.40 at 2; what
    happened follows (0.52-0.55 and 1.38-1.47)."""
    world = knob(conversion_scale=scale)
    assert low <= mean_truth(world) / mean_truth(standard) <= high
    realised = world.truth["converted_in_horizon"].mean() / standard.truth["converted_in_horizon"].mean()
    assert low - 0.05 <= realised <= high + 0.12


# --- knob: interaction of fit and intent -------------------------------------------------------------------


def seriousness_gap(world: World) -> float:
    """Among leads in a buying phase at as_of: rank correlation of the phase's seriousness with the true
    probability in the best-fitting third, minus the same in the worst-fitting third."""
    state = world.truth.merge(world.hidden, on="lead_id")
    state = state[state["in_phase_at_as_of"]]
    low, high = state["fit"].quantile([1 / 3, 2 / 3])
    rho = [spearmanr(g["seriousness_at_as_of"], g["true_probability"]).statistic
           for g in (state[state["fit"] >= high], state[state["fit"] <= low])]
    return float(rho[0] - rho[1])


def test_the_interaction_makes_intent_count_for_more_the_better_a_lead_fits(standard):
    """Additive (0): how serious a phase is matters about as much for poor as for good fits (gap -0.08 to
    +0.05 over seeds). At 1.5 it decides almost everything for the best fits (rho ~0.93) and works against
    the worst, who evaluate and decide against (rho -0.4 to -0.6): gap 1.3-1.5."""
    assert abs(seriousness_gap(standard)) <= 0.25
    assert seriousness_gap(knob(interaction=1.5)) >= 1.0


# --- knob: base-rate drift ---------------------------------------------------------------------------------


def test_a_base_rate_drift_lowers_late_conversions_far_more_than_early_ones(standard):
    """At -1 the hazard falls to 1/e by the end, by the calendar day each phase begins. Leads of 2024 keep
    0.87-0.91 of their 90-day rate, those of Jul 2025-Mar 2026 only 0.59-0.66, and the truth at as_of
    (phases begun near the end) 0.56-0.60."""
    drifted = knob(base_rate_drift=-1.0)

    def ratio(created_from: str, created_before: str) -> float:
        return rate_within_90_days_of_creation(drifted, created_from, created_before) / (
            rate_within_90_days_of_creation(standard, created_from, created_before))

    assert ratio("2024-01-01", "2025-01-01") >= 0.80
    assert ratio("2025-07-01", "2026-04-01") <= 0.72
    assert 0.50 <= mean_truth(drifted) / mean_truth(standard) <= 0.68


# --- knob: channel-mix drift --------------------------------------------------------------------------------


def paid_and_social_share(world: World) -> tuple[float, float]:
    """Share of paid-search and social leads among those created in the first and in the last quarter."""
    created = world.leads["created_at"]
    paid_social = world.hidden["lead_source"].isin(["paid_search", "social"])
    first = created < created.min() + pd.Timedelta(days=91)
    last = created >= created.max() - pd.Timedelta(days=91)
    return float(paid_social[first].mean()), float(paid_social[last].mean())


def test_a_channel_drift_tilts_the_mix_of_late_leads_only(standard):
    """At 0.5 half the leads at the export are redrawn from the tilted mix (paid search and social 48 %
    instead of 20 %): the last quarter holds ~33 % of them, the first ~21 %; a fixed mix stays at ~20 %
    (standard error of a quarter's share at this size: 0.02)."""
    first, last = paid_and_social_share(standard)
    assert abs(last - first) <= 0.06
    first, last = paid_and_social_share(knob(channel_drift=0.5))
    assert first <= 0.25 and last >= 0.28 and last - first >= 0.07


def test_a_channel_drift_changes_the_channels_and_nothing_else_about_the_leads(standard):
    drifted = knob(channel_drift=0.5)
    for column in ("lead_id", "created_at", "company", "industry", "employee_count", "country", "job_title"):
        pd.testing.assert_series_equal(drifted.leads[column], standard.leads[column], check_exact=True)
    assert set(drifted.leads["lead_source"]) <= set(LEAD_SOURCES)


# --- knob: picklist change ----------------------------------------------------------------------------------


def test_a_picklist_change_relabels_only_leads_created_from_its_moment_on(standard):
    changed = knob(picklist_change="2025-06-01")
    later = (standard.leads["created_at"] >= pd.Timestamp("2025-06-01", tz="UTC")).to_numpy()
    assert 0.2 < later.mean() < 0.8
    for column, labels in NEW_LABELS.items():
        before, after = standard.leads[column], changed.leads[column]
        pd.testing.assert_series_equal(after[~later], before[~later], check_exact=True)
        expected = before[later].map(lambda v, labels=labels: labels.get(v, v))
        pd.testing.assert_series_equal(after[later], expected, check_exact=True, check_dtype=False)
        assert not after[later].isin(list(labels)).any(), f"no old {column} label after the change"
        assert after[later].isin(list(labels.values())).mean() > 0.1, f"new {column} labels are common"


def test_a_picklist_change_changes_the_record_not_the_world(standard):
    changed = knob(picklist_change="2025-06-01")
    assert_same_frames(changed, standard, ("activities", "conversions", "truth"))
    other = [c for c in standard.leads.columns if c not in NEW_LABELS]
    pd.testing.assert_frame_equal(changed.leads[other], standard.leads[other], check_exact=True)


# --- bad settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_leads": 0}, "n_leads"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"conversion_scale": 0.0}, "conversion_scale"),
        ({"conversion_scale": float("nan")}, "conversion_scale"),
        ({"interaction": -0.5}, "interaction"),
        ({"base_rate_drift": float("inf")}, "base_rate_drift"),
        ({"channel_drift": 1.5}, "channel_drift"),
        ({"picklist_change": "2023-12-31"}, "picklist_change"),
        ({"picklist_change": "next spring"}, "picklist_change must be an ISO date"),
        ({"start": "2026-07-01"}, "end .* must be after start"),
        ({"start": "2026-05-01"}, "not longer than the 90-day horizon"),
        ({"truth_as_of": "2023-06-01"}, "truth_as_of"),
    ],
)
def test_a_bad_setting_is_refused_naming_it(changes, message):
    with pytest.raises(ValueError, match=message):
        WorldConfig(**changes)


# --- the command ----------------------------------------------------------------------------------------------


def test_leadscore_generate_writes_a_preset_world_with_a_knob_changed(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--preset", "no_activities",
                                      "--leads", "300", "--conversion-scale", "2", "--clean"])
    assert result.exit_code == 0, result.output
    paths = json.loads(result.stdout.strip().splitlines()[-1])
    world = read_world(tmp_path, "csv")
    assert set(paths) == set(FRAMES) and world.activities.empty and len(world.leads) == 300
    expected = generate_world(WorldConfig.preset("no_activities", n_leads=300, seed=0, conversion_scale=2.0,
                                                 mess=False))
    np.testing.assert_allclose(world.truth["true_probability"], expected.truth["true_probability"])
