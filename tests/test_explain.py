"""Explanations: real SHAP values that add up, and score points that add up to the score sales sees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap

from training.bundle import ScoringBundle
from training.explain import explain, largest_remainder


@pytest.fixture(scope="module")
def features(bundle: ScoringBundle, event_data, as_of_end: pd.Timestamp) -> pd.DataFrame:
    return bundle.features(event_data.leads, event_data.activities, as_of_end - pd.Timedelta(days=30)).head(2000)


def test_shap_values_plus_base_reproduce_the_models_margin(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    X = bundle.matrix(features)
    contributions = bundle.model.contributions(X)
    np.testing.assert_allclose(contributions.sum(axis=1), bundle.model.decision_function(X), atol=1e-9)


def test_lightgbm_contributions_equal_shap_tree_explainer(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    X = bundle.matrix(features.head(200))
    ours = bundle.model.contributions(X)[:, :-1]
    theirs = shap.TreeExplainer(bundle.model.booster_).shap_values(X)
    theirs = theirs[1] if isinstance(theirs, list) else theirs
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_explained_probability_is_the_calibrated_probability(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    ex = bundle.explain(features)
    np.testing.assert_allclose(ex.probability, bundle.probability(features), atol=1e-9)


def test_points_add_up_to_score_minus_base_score(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    ex = bundle.explain(features)
    np.testing.assert_allclose(ex.points_exact.sum(axis=1), 100 * (ex.probability - ex.base_probability), atol=1e-9)
    np.testing.assert_array_equal(ex.points.sum(axis=1), ex.score - ex.base_score)
    assert np.all(np.abs(ex.points - ex.points_exact) < 1.0 + 1e-9)  # rounding moves no feature by a whole point


def test_points_keep_the_sign_of_the_shap_value(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    ex = bundle.explain(features)
    strong = np.abs(ex.points_exact) >= 0.5
    assert np.all(np.sign(ex.points_exact[strong]) == np.sign(ex.shap_values[strong]))


def test_result_reasons_fit_and_engagement_add_up(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    for result in bundle.results(features.head(200), "en", 5):
        shown = sum(r["points"] for r in result["reasons"])
        assert result["base_score"] + shown + result["other_points"] == result["score"]
        assert result["base_score"] + result["fit_score"] + result["engagement_score"] == result["score"]
        assert result["score"] == int(np.floor(100 * result["probability"] + 0.5))


def test_reasons_come_in_german_too(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    english = bundle.results(features.head(50), "en", 3)
    german = bundle.results(features.head(50), "de", 3)
    assert [r["score"] for r in english] == [r["score"] for r in german]
    texts_de = " ".join(reason["text"] for r in german for reason in r["reasons"])
    texts_en = " ".join(reason["text"] for r in english for reason in r["reasons"])
    assert texts_de != texts_en and any(w in texts_de for w in ("Tage", "Branche", "Hierarchieebene", "Keine"))


def test_sigmoid_secant_tends_to_the_slope_when_contributions_cancel() -> None:
    contributions = np.array([[0.7, -0.7, -2.0]])  # Σφ = 0: no change from the base
    ex = explain(contributions, lambda m: 1 / (1 + np.exp(-m)))
    slope = 100 * np.exp(2.0) / (1 + np.exp(2.0)) ** 2
    np.testing.assert_allclose(ex.points_exact, [[0.7 * slope, -0.7 * slope]], rtol=1e-6)


def test_largest_remainder_hits_any_reachable_total() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(0, 4, size=(500, 12))
    totals = np.floor(values.sum(axis=1) + 0.5).astype(np.int64)
    rounded = largest_remainder(values, totals)
    np.testing.assert_array_equal(rounded.sum(axis=1), totals)
    assert np.all(np.abs(rounded - values) < 1)
