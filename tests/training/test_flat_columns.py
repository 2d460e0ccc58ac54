"""Flat mode's pieces that need no trained model: which group a column's name puts it in, the sentences of
its reasons, and the folds that cross-fit a table forward in time or stratified (training/flat.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.flat import feature_group, flat_catalogue, flat_folds

# --- the flat catalogue --------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["TotalVisits", "Total Time Spent on Website", "Page Views Per Visit",
                                    "Last Notable Activity", "email_opens_90d", "Downloads", "Seitenaufrufe"])
def test_column_names_about_behaviour_are_engagement(column):
    assert feature_group(column) == "engagement"


@pytest.mark.parametrize("column", ["Lead Source", "Country", "What is your current occupation",
                                    "A free copy of Mastering The Interview", "Do Not Email"])
def test_column_names_about_who_the_lead_is_are_fit(column):
    assert feature_group(column) == "fit"


def test_numeric_columns_become_numbers_and_text_columns_categories():
    frame = pd.DataFrame({"TotalVisits": [5.0, np.nan], "Lead Source": pd.Series(["Google", None], dtype="str")})

    catalogue = flat_catalogue(frame)

    assert [(f.name, f.kind, f.group) for f in catalogue] == [("TotalVisits", "number", "engagement"),
                                                              ("Lead Source", "category", "fit")]


def test_reasons_read_column_colon_value_in_english_and_german():
    frame = pd.DataFrame({"TotalVisits": [5.0], "Page Views Per Visit": [2.5],
                          "Lead Source": pd.Series(["Google"], dtype="str")})
    catalogue = flat_catalogue(frame)

    assert catalogue.sentence("TotalVisits", 5.0, "en") == "TotalVisits: 5"
    assert catalogue.sentence("Page Views Per Visit", 2.5, "de") == "Page Views Per Visit: 2,5"
    assert catalogue.sentence("Lead Source", "Google", "de") == "Lead Source: Google"
    assert catalogue.sentence("Lead Source", None, "en") == "Lead Source: not given"
    assert catalogue.sentence("Lead Source", None, "de") == "Lead Source: keine Angabe"


def test_a_brace_in_a_column_name_is_printed_not_treated_as_a_template_field():
    catalogue = flat_catalogue(pd.DataFrame({"visits {web}": [1.0]}))

    assert catalogue.sentence("visits {web}", 3.0) == "visits {web}: 3"


# --- the cross-fitting folds ----------------------------------------------------------------------


def test_with_a_time_column_every_held_out_lead_is_later_than_every_lead_its_model_learned_from():
    rng = np.random.default_rng(0)
    times = pd.Series(pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.permutation(1000), unit="D"))
    label = np.tile([0, 1], 500)

    folds, method = flat_folds(label, times, seed=0)

    assert method == "forward in time" and len(folds) == 4
    for fit, held in folds:
        assert times.iloc[held].min() > times.iloc[fit].max()
    held = np.concatenate([h for _, h in folds])
    assert len(held) == len(set(held.tolist())) == 800  # the oldest fifth only ever teaches


def test_a_number_orders_leads_in_time_as_well_as_a_date():
    numbers = pd.Series(np.random.default_rng(2).permutation(500).astype(float))
    folds, method = flat_folds(np.tile([0, 1], 250), numbers, seed=0)
    assert method == "forward in time"
    assert all(numbers.iloc[held].min() > numbers.iloc[fit].max() for fit, held in folds)


def test_without_a_time_column_the_folds_are_stratified_and_reproducible():
    label = (np.random.default_rng(1).random(1000) < 0.2).astype(int)

    first, method = flat_folds(label, None, seed=5)
    again, _ = flat_folds(label, None, seed=5)

    assert method == "stratified"
    for (fit, held), (fit2, held2) in zip(first, again, strict=True):
        assert label[held].mean() == pytest.approx(label.mean(), abs=0.01)
        assert np.array_equal(held, held2) and np.array_equal(fit, fit2)
    everything = np.concatenate([held for _, held in first])
    assert np.array_equal(np.sort(everything), np.arange(1000))  # every lead held out exactly once


def test_a_forward_fold_whose_earlier_leads_hold_one_outcome_is_left_out():
    times = pd.Series(pd.date_range("2024-01-01", periods=100, freq="D", tz="UTC"))
    label = np.r_[np.zeros(20, dtype=int), np.tile([0, 1], 40)]  # nobody in the oldest fifth converted

    folds, _ = flat_folds(label, times, seed=0)

    assert len(folds) == 3 and all(label[fit].min() != label[fit].max() for fit, _ in folds)
