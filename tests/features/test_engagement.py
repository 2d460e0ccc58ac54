"""Engagement signals on hand-made activity histories: exact windows, recency, trend, decay, defaults."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from features.catalogue import build_catalogue
from features.config import FeatureConfig
from features.pipeline import build_features

AS_OF = pd.Timestamp("2025-06-30T12:00:00Z")


def _leads(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"lead_id": list(ids), "created_at": pd.to_datetime(["2025-01-01T00:00:00Z"] * len(ids))})


def _acts(rows: list[tuple[str, float, str]]) -> pd.DataFrame:
    """(lead, days before AS_OF, type) → activities frame."""
    return pd.DataFrame({
        "lead_id": [r[0] for r in rows],
        "occurred_at": [AS_OF - pd.Timedelta(days=r[1]) for r in rows],
        "activity_type": [r[2] for r in rows],
    })


@pytest.fixture
def one_lead_features() -> pd.Series:
    acts = _acts([
        ("a", 1, "pricing_page_view"), ("a", 3, "pricing_page_view"), ("a", 6.9, "pricing_page_view"),
        ("a", 7.5, "pricing_page_view"),  # outside the 7-day window, inside 30
        ("a", 20, "email_open"), ("a", 20, "email_click"), ("a", 25, "email_open"),
        ("a", 100, "demo_request"),  # outside every window
        ("a", -1, "demo_request"),  # in the future: must be ignored
        ("a", 2, "chat_started"),  # not in the contract: counted as other
    ])
    return build_features(_leads("a"), acts, AS_OF).loc["a"]


def test_window_counts_include_only_activities_inside_the_window(one_lead_features: pd.Series) -> None:
    assert one_lead_features["n_pricing_page_view_7d"] == 3
    assert one_lead_features["n_pricing_page_view_30d"] == 4
    assert one_lead_features["n_demo_request_90d"] == 0


def test_activities_after_the_scoring_moment_are_invisible(one_lead_features: pd.Series) -> None:
    assert one_lead_features["n_demo_request_7d"] == 0
    assert one_lead_features["days_since_last_activity"] == pytest.approx(1.0)


def test_unknown_activity_types_count_as_other(one_lead_features: pd.Series) -> None:
    assert one_lead_features["n_other_7d"] == 1


def test_recency_of_high_intent_ignores_low_intent_activity(one_lead_features: pd.Series) -> None:
    # the last high-intent action is the pricing-page view 1 day ago; the chat 2 days ago is not high intent
    assert one_lead_features["days_since_last_high_intent"] == pytest.approx(1.0)


def test_click_rate_is_clicks_per_open_in_90_days(one_lead_features: pd.Series) -> None:
    assert one_lead_features["email_click_rate_90d"] == pytest.approx(0.5)


def test_active_days_count_distinct_days(one_lead_features: pd.Series) -> None:
    # days 1, 2, 3, 6.9, 7.5, 20 (three activities on one day), 25 → 7 distinct days within 30 days
    assert one_lead_features["active_days_30d"] == 7


def test_trend_compares_the_last_14_days_with_the_14_before() -> None:
    acts = _acts([("a", d, "page_view") for d in (1, 2, 3)] + [("a", 20, "page_view")])
    row = build_features(_leads("a"), acts, AS_OF).loc["a"]
    assert row["activity_trend_14d"] == pytest.approx(math.log2((3 + 1) / (1 + 1)))


def test_decayed_score_halves_after_one_half_life() -> None:
    config = FeatureConfig()
    half_life = config.half_lives["demo_request"]
    fresh = build_features(_leads("a"), _acts([("a", 0, "demo_request")]), AS_OF).loc["a", "engagement_score"]
    old = build_features(_leads("a"), _acts([("a", half_life, "demo_request")]), AS_OF).loc["a", "engagement_score"]
    assert fresh == pytest.approx(config.weights["demo_request"])
    assert old == pytest.approx(fresh / 2)


def test_a_lead_without_activities_gets_zero_counts_and_missing_recency() -> None:
    row = build_features(_leads("a"), _acts([]), AS_OF).loc["a"]
    counts = [n for n in build_catalogue().names if n.startswith("n_")]
    assert (row[counts] == 0).all()
    assert np.isnan(row["days_since_last_activity"]) and np.isnan(row["days_since_last_high_intent"])
    assert np.isnan(row["email_click_rate_90d"])
    assert row["engagement_score"] == 0


def test_every_engagement_signal_is_a_float_even_when_nobody_did_anything() -> None:
    features = build_features(_leads("a"), _acts([]), AS_OF)
    engagement = [f.name for f in build_catalogue() if f.group == "engagement"]
    assert {str(features[name].dtype) for name in engagement} == {"float64"}


def test_unsubscribe_and_bounce_are_remembered_forever() -> None:
    acts = _acts([("a", 400, "email_unsubscribe"), ("b", 300, "email_bounce")])
    leads = pd.DataFrame({"lead_id": ["a", "b"], "created_at": pd.to_datetime(["2024-01-01T00:00:00Z"] * 2)})
    rows = build_features(leads, acts, AS_OF)
    assert rows.loc["a", "unsubscribed"] == 1 and rows.loc["a", "bounced"] == 0
    assert rows.loc["b", "bounced"] == 1 and rows.loc["b", "unsubscribed"] == 0


def test_leads_created_after_the_scoring_moment_are_not_scored() -> None:
    leads = pd.DataFrame({"lead_id": ["old", "new"],
                          "created_at": [AS_OF - pd.Timedelta(days=10), AS_OF + pd.Timedelta(days=1)]})
    assert list(build_features(leads, _acts([]), AS_OF).index) == ["old"]


def test_lead_age_is_measured_at_the_scoring_moment() -> None:
    leads = pd.DataFrame({"lead_id": ["a"], "created_at": [AS_OF - pd.Timedelta(days=45)]})
    assert build_features(leads, _acts([]), AS_OF).loc["a", "lead_age_days"] == pytest.approx(45)


def test_activity_type_codes_are_the_same_for_arrow_text_and_python_objects() -> None:
    from features.engagement import type_code_of, type_codes

    raw = ["page_view", None, "Page View", "demo-request", "chat_started", math.nan, "", " Email Open "] * 40
    arrow = pd.Series(raw, dtype="str")
    expected = [type_code_of(v) for v in raw]
    assert list(type_codes(arrow)) == expected
    assert list(type_codes(np.array(raw, dtype=object))) == expected


def test_clustered_and_shuffled_activity_orders_give_the_same_features() -> None:
    """An export listing each lead's activities together and one in random order describe the same history.

    Crosses a block boundary of the whole-history pass (more than 2**16 activities) and includes unsubscribes,
    bounces, high-intent activities at every age and activities after the scoring moment.
    """
    rng = np.random.default_rng(5)
    n_leads, n_acts = 300, 70_000
    types = ["page_view", "pricing_page_view", "email_open", "email_click", "demo_request", "meeting_held",
             "email_unsubscribe", "email_bounce", "trial_signup", "chat_started"]
    lead = rng.integers(0, n_leads, n_acts)
    ages_us = rng.integers(-5 * 86_400_000_000, 400 * 86_400_000_000, n_acts)
    kinds = rng.integers(0, len(types), n_acts)
    acts = pd.DataFrame({
        "lead_id": [f"lead-{i}" for i in lead],
        "occurred_at": AS_OF - pd.to_timedelta(ages_us, unit="us"),
        "activity_type": [types[k] for k in kinds],
    })
    leads = _leads(*(f"lead-{i}" for i in range(n_leads)))
    clustered = build_features(leads, acts.sort_values("lead_id", kind="stable"), AS_OF)
    shuffled = build_features(leads, acts.sample(frac=1.0, random_state=2), AS_OF)
    assert list(clustered.columns) == list(shuffled.columns)
    for name in clustered.columns:
        if name == "engagement_score":  # a sum of floats: the order of its terms may move the last digit
            np.testing.assert_allclose(shuffled[name], clustered[name], rtol=1e-12)
        else:
            pd.testing.assert_series_equal(shuffled[name], clustered[name], check_exact=True)


def test_each_configuration_counts_with_its_own_windows_weights_and_half_lives() -> None:
    """The per-configuration tables are derived once and reused: a second configuration in the same process
    must get its own (and the first one its own again), never the tables of the configuration before it."""
    acts = _acts([("a", 2, "demo_request"), ("a", 10, "pricing_page_view"), ("a", 40, "webinar_attendance")])
    default = FeatureConfig()
    other = FeatureConfig(windows_days=(3, 45), trend_days=5, active_days_window=12,
                          weights={**default.weights, "demo_request": 1.0},
                          half_lives={**default.half_lives, "demo_request": 2.0},
                          high_intent=("pricing_page_view",))
    first = build_features(_leads("a"), acts, AS_OF, default).loc["a"]
    second = build_features(_leads("a"), acts, AS_OF, other).loc["a"]
    again = build_features(_leads("a"), acts, AS_OF, default).loc["a"]
    pd.testing.assert_series_equal(again, first)
    assert (first["n_demo_request_7d"], first["n_pricing_page_view_14d"]) == (1, 1)
    assert (second["n_demo_request_3d"], second["n_pricing_page_view_3d"]) == (1, 0)
    assert second["n_webinar_attendance_45d"] == 1
    assert second["activity_trend_5d"] == pytest.approx(math.log2((1 + 1) / (0 + 1)))
    assert second["active_days_12d"] == 2 and first["active_days_30d"] == 2
    assert second["days_since_last_high_intent"] == pytest.approx(10) and first["days_since_last_high_intent"] == 2
    decayed_demo = 1.0 * 2 ** (-2 / 2.0)  # the other configuration's weight and half-life
    others = (default.weights["pricing_page_view"] * 2 ** (-10 / default.half_lives["pricing_page_view"])
              + default.weights["webinar_attendance"] * 2 ** (-40 / default.half_lives["webinar_attendance"]))
    assert second["engagement_score"] == pytest.approx(decayed_demo + others)
