"""Duplicate activity rows: a row equal to an earlier row in every column is a repeat of the first of its
equals, found exactly (the loader's mixed-key filter may only narrow where to look, never decide)."""

from __future__ import annotations

import numpy as np

from features.loading.activities import repeated_rows


def _by_hand(*columns: np.ndarray) -> tuple[list[int], list[int]]:
    first_of: dict[tuple, int] = {}
    repeats, firsts = [], []
    for row, key in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
        if key in first_of:
            repeats.append(row)
            firsts.append(first_of[key])
        else:
            first_of[key] = row
    return repeats, firsts


def test_repeats_and_their_first_rows_are_exactly_those_found_by_hand() -> None:
    rng = np.random.default_rng(7)
    n = 20_000  # few distinct values per column: many rows share one or two columns but not all three
    times = rng.integers(0, 40, n).astype(np.int64) * 1_000_000
    leads = rng.integers(-1, 30, n).astype(np.int32)  # -1: a lead not in the leads table
    kinds = rng.integers(0, 12, n).astype(np.int16)
    repeated, first = repeated_rows(times, leads, kinds)
    expected_repeats, expected_firsts = _by_hand(times, leads, kinds)
    assert repeated.tolist() == expected_repeats and first.tolist() == expected_firsts
    assert 0 < len(expected_repeats) < n


def test_rows_equal_in_two_columns_only_are_not_repeats() -> None:
    times = np.array([5, 5, 5, 7], dtype=np.int64)
    leads = np.array([1, 1, 2, 1], dtype=np.int32)
    kinds = np.array([3, 4, 3, 3], dtype=np.int16)
    repeated, first = repeated_rows(times, leads, kinds)
    assert repeated.size == 0 and first.size == 0
    repeated, first = repeated_rows(np.append(times, 5), np.append(leads, 2), np.append(kinds, 3).astype(np.int16))
    assert repeated.tolist() == [4] and first.tolist() == [2]
