"""Explanations: real SHAP values that add up, and score points that add up to the score sales sees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap

from features.batch import LeadBatch
from scoring.bundle import ScoringBundle
from scoring.explain import explain, largest_remainder
from scoring.options import ScoringOptions


@pytest.fixture(scope="module")
def features(bundle: ScoringBundle, event_data, as_of_end: pd.Timestamp) -> pd.DataFrame:
    batch = LeadBatch.from_frames(event_data.leads, event_data.activities)
    return bundle.features(batch, as_of_end - pd.Timedelta(days=30)).head(2000)


def test_shap_values_plus_base_reproduce_the_models_margin(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    X = bundle.matrix(features)
    contributions = bundle.model.contributions(X)
    np.testing.assert_allclose(contributions.sum(axis=1), bundle.model.decision_function(X), atol=1e-9)


def test_one_row_explained_on_its_own_gets_exactly_the_values_of_a_batch(bundle: ScoringBundle,
                                                                        features: pd.DataFrame) -> None:
    # an API request's single lead takes LightGBM's single-row path; a batch takes the usual one
    X = bundle.matrix(features.head(300))
    batch = bundle.model.contributions(X)
    one_by_one = np.vstack([bundle.model.contributions(X[i:i + 1]) for i in range(len(X))])
    np.testing.assert_array_equal(one_by_one, batch)


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
    whole = largest_remainder(ex.points_exact, ex.score - ex.base_score)
    np.testing.assert_array_equal(whole.sum(axis=1), ex.score - ex.base_score)
    assert np.all(np.abs(whole - ex.points_exact) < 1.0 + 1e-9)  # rounding moves no feature by a whole point


def test_points_keep_the_sign_of_the_shap_value(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    ex = bundle.explain(features)
    strong = np.abs(ex.points_exact) >= 0.5
    assert np.all(np.sign(ex.points_exact[strong]) == np.sign(ex.shap_values[strong]))


def test_result_reasons_fit_and_engagement_add_up(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    for result in bundle.score(features.head(200), ScoringOptions(lang="en", top_k=5)).records():
        shown = sum(r["points"] for r in result["reasons"])
        assert result["base_score"] + shown + result["other_points"] == result["score"]
        assert result["base_score"] + result["fit_score"] + result["engagement_score"] == result["score"]
        assert result["score"] == int(np.floor(100 * result["probability"] + 0.5))


def test_reasons_come_in_german_too(bundle: ScoringBundle, features: pd.DataFrame) -> None:
    english = bundle.score(features.head(50), ScoringOptions(lang="en", top_k=3)).records()
    german = bundle.score(features.head(50), ScoringOptions(lang="de", top_k=3)).records()
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


def _largest_remainder_by_ranking(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """The definition largest_remainder must keep: rank every remainder (largest first, equal ones in column
    order), give +1 to the first ``need`` ranks, or take 1 from the last ``-need`` ranks."""
    floor = np.floor(values)
    need = totals - floor.sum(axis=1).astype(np.int64)
    order = np.argsort(-(values - floor), axis=1, kind="stable")
    rank = np.empty_like(order)
    rank[np.arange(values.shape[0])[:, None], order] = np.arange(values.shape[1])[None, :]
    return (floor + (rank < need[:, None]) - (rank >= values.shape[1] + need[:, None])).astype(np.int64)


def _random_points(rng: np.random.Generator, n: int, p: int, kind: int) -> np.ndarray:
    """Points with the ties real explanations have: exact zeros (features a tree never used), equal
    remainders (half points), whole numbers."""
    values = rng.normal(0, 4, size=(n, p))
    if kind == 1:
        values[rng.random((n, p)) < 0.45] = 0.0
    elif kind == 2:
        values = np.round(values * 2) / 2
    elif kind == 3:
        values = np.round(values)
    return values


def test_largest_remainder_equals_ranking_every_remainder_also_with_ties_and_far_off_totals() -> None:
    rng = np.random.default_rng(1)
    for trial in range(400):
        n, p = int(rng.integers(1, 120)), int(rng.integers(1, 40))
        values = _random_points(rng, n, p, trial % 4)
        totals = np.floor(values.sum(axis=1) + 0.5).astype(np.int64)
        if trial % 3 == 0:  # totals the rounding cannot reach from the floors alone: every value moves
            totals += rng.integers(-2 * p, 2 * p + 1, size=n)
        expected = _largest_remainder_by_ranking(values, totals)
        np.testing.assert_array_equal(largest_remainder(values, totals), expected, err_msg=f"trial {trial}")


def test_largest_remainder_rows_add_up_to_their_totals_with_ties() -> None:
    rng = np.random.default_rng(2)
    values = _random_points(rng, 2000, 77, 1)
    totals = np.floor(values.sum(axis=1) + 0.5).astype(np.int64)
    rounded = largest_remainder(values, totals)
    np.testing.assert_array_equal(rounded.sum(axis=1), totals)
    assert np.all(np.abs(rounded - values) < 1)
