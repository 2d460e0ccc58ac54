"""Comparing two result frames bit for bit: the check behind every "the same by construction" test (Spark vs
the local path, a chunked batch vs the whole file)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def assert_bitwise_equal(expected: pd.DataFrame, actual: pd.DataFrame, *, index: bool = False,
                         dtypes: bool = False) -> None:
    """Same columns in the same order and as many rows, the same missing cells, every number with the same
    bits, the same texts; with ``index`` also the same index (values and name), with ``dtypes`` the same
    dtypes."""
    if index:
        assert actual.index.equals(expected.index) and actual.index.name == expected.index.name
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    if dtypes:
        assert actual.dtypes.astype(str).to_dict() == expected.dtypes.astype(str).to_dict()
    for name in expected.columns:
        a, b = expected[name], actual[name]
        assert (a.isna().to_numpy() == b.isna().to_numpy()).all(), f"{name}: missing cells differ"
        present = a.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            bits_a = a.to_numpy(dtype=np.float64)[present].view(np.uint64)
            bits_b = b.to_numpy(dtype=np.float64)[present].view(np.uint64)
            differ = np.flatnonzero(bits_a != bits_b)
            assert differ.size == 0, f"{name}: {differ.size} values differ, first at row {differ[:1]}"
        else:
            assert a[present].astype(str).tolist() == b[present].astype(str).tolist(), f"{name}: values differ"
