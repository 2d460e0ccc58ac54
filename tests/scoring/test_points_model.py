"""The points model at run time: its parts add up to its margin, its age term is the age bands' hazard summed over
the lead's own ages through the horizon, a bundle saved before the age bands keeps its age slope, and what the
lead did counts by the days since scoring (a bundle saved before that counts it all through the horizon)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.rules import AGE_BANDS, PointsModel, Rule, band_days, elapsed_weights


def test_the_days_of_a_span_are_shared_out_over_the_age_bands() -> None:
    days = band_days(np.array([0.0, 20.0, 400.0]), 90.0)
    assert days.sum(axis=1) == pytest.approx([90.0, 90.0, 90.0])
    assert days[0, :5].tolist() == [7.0, 7.0, 16.0, 30.0, 30.0]  # 0–7, 7–14, 14–30, 30–60, 60–90
    assert days[1, 2:5].tolist() == [10.0, 30.0, 30.0] and days[1, 5] == 20.0  # from day 20 to day 110
    assert days[2, 7] == 90.0  # a lead over a year old spends the horizon in the 365–730 band


def _model(**age: object) -> PointsModel:
    rule = Rule("n_demo_request_30d", 0, 20.0, low=1.0)
    return PointsModel((rule,), 2, -0.5, 0.05, np.zeros(2), 1, 0.3, **age)  # type: ignore[arg-type]


def test_the_margin_is_the_points_and_the_log_of_the_age_bands_hazard_over_the_horizon() -> None:
    hazard = tuple(np.log(np.linspace(0.004, 0.0005, len(AGE_BANDS) - 1)))
    model = _model(age_log_hazard=hazard, horizon_days=90.0)
    X = np.array([[1.0, 5.0], [0.0, 5.0], [1.0, 200.0]])
    expected = -0.5 + 0.05 * 20 * X[:, 0] + np.log(band_days(X[:, 1], 90.0) @ np.exp(hazard))
    assert model.decision_function(X) == pytest.approx(expected)
    contributions = model.contributions(X)
    assert contributions.sum(axis=1) == pytest.approx(model.decision_function(X))  # parts add up to the margin
    assert model.decision_function(X)[2] < model.decision_function(X)[0]  # an old lead has gone cold


def test_a_bundle_from_before_the_age_bands_keeps_its_age_slope() -> None:
    old = _model()  # as unpickled: no age bands
    X = np.array([[1.0, 5.0]])
    assert old.decision_function(X) == pytest.approx(-0.5 + 0.05 * 20 + 0.3 * np.log1p(5.0))


def _fading(slopes: tuple[float, ...]) -> PointsModel:
    """Two rules: a fit one (column 0) and an engagement one (column 2); age in column 1."""
    rules = (Rule("seniority", 0, 10.0, codes=(1.0,)), Rule("n_demo_request_30d", 2, 25.0, low=1.0))
    hazard = tuple(np.log(np.linspace(0.004, 0.0005, len(AGE_BANDS) - 1)))
    return PointsModel(rules, 3, -0.2, 0.04, np.zeros(3), 1, 0.0, hazard, AGE_BANDS, 90.0,
                       engagement_slopes=slopes, engagement_columns=(1, 2))


def test_what_the_lead_did_counts_by_the_days_since_scoring_and_the_parts_still_add_up() -> None:
    slopes = (0.06, 0.03, 0.01, 0.0)
    model = _fading(slopes)
    X = np.array([[1.0, 5.0, 1.0], [0.0, 5.0, 0.0], [1.0, 40.0, 0.0], [0.0, 200.0, 1.0]])
    weight = elapsed_weights(X[:, 1], 90.0, model.age_log_hazard)  # W_e(u): leads × elapsed bands
    assert weight.sum(axis=1) == pytest.approx(band_days(X[:, 1], 90.0) @ np.exp(model.age_log_hazard))
    engaged = 25.0 * X[:, 2]
    expected = -0.2 + 0.04 * 10 * X[:, 0] + np.log((weight * np.exp(np.outer(engaged, slopes))).sum(axis=1))
    assert model.decision_function(X) == pytest.approx(expected)
    assert model.contributions(X).sum(axis=1) == pytest.approx(model.decision_function(X))
    # the demo's part lies between what the last and the first band's slope would give it
    demo = model._parts(X)[0, 2]
    assert 0.0 < demo < 0.06 * 25


def test_a_demo_never_lowers_the_margin_and_equal_slopes_are_the_plain_model() -> None:
    X = np.array([[1.0, 20.0, 0.0], [1.0, 20.0, 1.0]])
    margin = _fading((0.06, 0.03, 0.01, 0.0)).decision_function(X)
    assert margin[1] > margin[0]
    plain = _fading((0.05,) * 4).decision_function(X)
    hazard = _fading((0.05,) * 4).age_log_hazard
    assert plain == pytest.approx(-0.2 + 0.4 + 0.05 * 25 * X[:, 2] + np.log(band_days(X[:, 1], 90.0) @ np.exp(hazard)))
