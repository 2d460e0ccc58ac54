"""A chunk of leads shares its reason sentences and entries column-wise: these helpers must group exactly the rows
the plain per-row rules group (the rules they replaced for more than ``FEW_VALUES`` rows are the references
here), so the score file is the same bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from features.values import FEW_VALUES
from scoring.bundle import distinct_pairs
from scoring.reasons import _codes, _distinct_rows, _plain

# values a reason may show, with the pairs that are equal in Python yet print differently (1, 1.0, True; 0.0, -0.0),
# a text that prints like None, and NaN
ODD = [None, 0.0, -0.0, 1.0, 1, True, 2.5, float("nan"), "None", "1", "a", "Zürich \"Süd\"", np.float64(1.0)]
_many = st.integers(FEW_VALUES + 1, 4 * FEW_VALUES)


def _odd_column(data, n: int) -> np.ndarray:
    """``n`` values drawn from a few of :data:`ODD`, as an object column."""
    pool = data.draw(st.lists(st.sampled_from(ODD), min_size=1, max_size=6, unique_by=repr))
    column = np.empty(n, dtype=object)
    column[:] = data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    return column


def _same_partition(codes: np.ndarray, reference: np.ndarray) -> None:
    """Rows share a code exactly when they share a reference code (the numbering itself may differ)."""
    pairs = set(zip(codes.tolist(), reference.tolist(), strict=True))
    assert len(pairs) == len(set(codes.tolist())) == len(set(reference.tolist()))


@settings(max_examples=150, deadline=None)
@given(st.data(), _many)
def test_distinct_pairs_are_the_pairs_whose_sentence_and_printed_value_are_equal(data, n: int) -> None:
    values = _odd_column(data, n)
    texts = np.array(data.draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n)), dtype=object)
    distinct: dict[tuple[str, str], int] = {}
    reference = [distinct.setdefault((t, repr(v)), len(distinct)) for t, v in zip(texts, values, strict=True)]
    codes, count = distinct_pairs(texts, values)
    assert codes.tolist() == reference and count == len(distinct)


def test_distinct_pairs_tell_minus_zero_from_zero_and_text_from_none() -> None:
    n = 2 * FEW_VALUES
    floats = np.empty(n, dtype=object)
    floats[:] = [0.0, -0.0, None, 3.5] * (n // 4)
    texts = np.array(["same"] * n, dtype=object)
    assert distinct_pairs(texts, floats)[1] == 4
    words = np.empty(n, dtype=object)
    words[:] = ["None", None] * (n // 2)
    assert distinct_pairs(texts, words)[1] == 2


@settings(max_examples=150, deadline=None)
@given(st.data(), _many, st.integers(1, 4))
def test_distinct_rows_group_the_rows_np_unique_groups(data, n: int, width: int) -> None:
    cells = st.integers(-1, 3) | st.integers(-2**40, 2**40)
    key = np.array(data.draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=n, max_size=n)),
                   dtype=np.int64)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    codes, firsts = _distinct_rows(key)
    _same_partition(codes, inverse.reshape(-1))
    assert sorted(firsts.tolist()) == sorted(first.tolist())  # each group's first row renders its sentence
    assert (codes[firsts] == np.arange(len(firsts))).all()


@settings(max_examples=150, deadline=None)
@given(st.data(), _many)
def test_plain_values_are_the_per_value_rule(data, n: int) -> None:
    column = _odd_column(data, n)
    floats = np.array(data.draw(st.lists(st.sampled_from([0.0, -0.0, 1.5, np.nan]), min_size=n, max_size=n)))
    for values in (column, floats, floats.astype(np.float32), np.arange(n)):
        reference = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else
                     (v.item() if isinstance(v, np.generic) else v) for v in values.tolist()]
        plain = _plain(values).tolist()
        assert [repr(v) for v in plain] == [repr(v) for v in reference]
        assert [type(v) for v in plain] == [type(v) for v in reference]


@settings(max_examples=150, deadline=None)
@given(st.data(), _many)
def test_float_codes_group_the_values_that_print_alike(data, n: int) -> None:
    numbers = st.sampled_from([0.0, -0.0, 1.0, 0.1, 0.30000000000000004, np.nan, -np.nan, np.inf, 1e300])
    values = np.array(data.draw(st.lists(numbers, min_size=n, max_size=n)), dtype=np.float64)
    _same_partition(_codes(values), pd.factorize(pd.Series(values, dtype=object).astype(str))[0])
