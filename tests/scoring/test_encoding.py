"""The feature encoder: categories to codes learned in training, numbers through, missing kept or filled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.encoding import OTHER_CODE, FeatureEncoder


@pytest.fixture
def columns() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    industry = rng.choice(np.array(["software", "retail", "rare_one", None], dtype=object), n, p=[0.5, 0.4, 0.02, 0.08])
    recency = np.where(rng.random(n) < 0.3, np.nan, rng.exponential(20.0, n))
    return pd.DataFrame({"industry": industry, "days_since_last_activity": recency,
                         "n_page_view_30d": rng.poisson(3.0, n).astype(np.float64)})


@pytest.fixture
def encoder(columns: pd.DataFrame) -> FeatureEncoder:
    return FeatureEncoder(names=tuple(columns.columns), categorical=("industry",), min_count=30,
                          missing_as=(("days_since_last_activity", 9999.0),)).fit(columns)


def test_rare_and_unseen_categories_share_the_other_code_and_missing_stays_missing(encoder: FeatureEncoder) -> None:
    rows = pd.DataFrame({"industry": ["software", "rare_one", "never_seen", None],
                         "days_since_last_activity": [1.0] * 4, "n_page_view_30d": [0.0] * 4})
    codes = encoder.transform(rows)[:, 0]
    assert codes[0] not in (OTHER_CODE,) and not np.isnan(codes[0])
    assert codes[1] == OTHER_CODE and codes[2] == OTHER_CODE
    assert np.isnan(codes[3])


def test_a_learned_category_written_in_another_case_or_punctuation_is_that_category(encoder: FeatureEncoder) -> None:
    """Flat tables keep categories as written; the same words in another case ("Email Opened", "email opened")
    mean the same picklist entry, in training and scoring alike."""
    learned = encoder.code("industry", "software")
    for written in ("Software", "SOFTWARE", " software ", "Software!"):
        assert encoder.code("industry", written) == learned
    assert encoder.code("industry", "soft ware") == OTHER_CODE  # other words: not guessed
    assert encoder.code("industry", "Rare One") == OTHER_CODE  # a rare value is rare in any case


def test_two_learned_values_with_the_same_words_are_matched_only_as_written() -> None:
    frame = pd.DataFrame({"source": ["Google"] * 40 + ["google"] * 40})
    encoder = FeatureEncoder(names=("source",), categorical=("source",), min_count=30).fit(frame)
    assert encoder.code("source", "Google") != encoder.code("source", "google")
    assert encoder.code("source", "GOOGLE") == OTHER_CODE  # which one is meant is not guessed


def test_a_learned_yes_no_pair_reads_any_way_of_writing_the_flag() -> None:
    frame = pd.DataFrame({"do_not_email": ["Yes"] * 40 + ["No"] * 60, "source": ["Web"] * 50 + ["Ads"] * 50})
    encoder = FeatureEncoder(names=tuple(frame.columns), categorical=tuple(frame.columns), min_count=30).fit(frame)
    yes, no = encoder.code("do_not_email", "Yes"), encoder.code("do_not_email", "No")
    assert [encoder.code("do_not_email", v) for v in ("TRUE", "WAHR", "1", "y")] == [yes] * 4
    assert [encoder.code("do_not_email", v) for v in ("FALSE", "falsch", "0", "nein")] == [no] * 4
    assert encoder.code("source", "TRUE") == OTHER_CODE  # not flags: nothing read as a flag
    # a flag column whose "Yes" was too rare to learn: "FALSE" is the learned "No", "TRUE" stays rare
    rare = pd.DataFrame({"search": ["No"] * 95 + ["Yes"] * 5})
    single = FeatureEncoder(names=("search",), categorical=("search",), min_count=30).fit(rare)
    assert single.code("search", "FALSE") == single.code("search", "No") != OTHER_CODE
    assert single.code("search", "TRUE") == OTHER_CODE == single.code("search", "Yes")


def test_a_missing_recency_is_encoded_as_never(encoder: FeatureEncoder, columns: pd.DataFrame) -> None:
    matrix = encoder.transform(columns)
    missing = columns["days_since_last_activity"].isna().to_numpy()
    assert missing.any()
    assert (matrix[missing, 1] == 9999.0).all()
    np.testing.assert_array_equal(matrix[~missing, 1], columns["days_since_last_activity"].to_numpy()[~missing])


@pytest.mark.parametrize("size", [1, 2, 17, 64])
def test_a_requests_few_rows_encode_exactly_like_the_same_rows_of_a_batch(
    encoder: FeatureEncoder, columns: pd.DataFrame, size: int
) -> None:
    batch = encoder.transform(columns)  # > 64 rows: the column-by-column path
    assert batch.flags.f_contiguous  # column-major as filled: LightGBM reads it so, without a copy
    for start in range(0, len(columns) - size, 37):
        part = columns.iloc[start:start + size]
        as_request = {name: part[name].to_numpy() for name in part.columns}
        few = encoder.transform(as_request)
        assert few.flags.c_contiguous
        np.testing.assert_array_equal(few, batch[start:start + size])
