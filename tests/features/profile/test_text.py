"""Specification of the text rules every normaliser builds on (features/values/): is_missing,
fold_text, lower_snake.
"""

from __future__ import annotations

import pytest
from profile_cases import MISSING_IDS, MISSING_VALUES

from features.contract import MISSING_MARKERS
from features.values import fold_text, is_missing
from features.values import snake as lower_snake


@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_missing_values_and_markers_are_missing(value: object) -> None:
    assert is_missing(value) is True


@pytest.mark.parametrize("marker", sorted(MISSING_MARKERS))
def test_every_contract_marker_is_missing_whatever_its_case_and_padding(marker: str) -> None:
    assert is_missing(f"  {marker.upper()}\t") is True


@pytest.mark.parametrize(
    "value", [0, 0.0, False, "0", "Germany", "Other", "Selected", [], {}, ["Select"], b"", object()]
)
def test_present_values_are_not_missing(value: object) -> None:
    assert is_missing(value) is False


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Geschäftsführer/in", "geschaeftsfuehrer in"),
        ("  IT-Dienstleistungen ", "it dienstleistungen"),
        ("Straße", "strasse"),
        ("Société Générale", "societe generale"),
        ("København", "kobenhavn"),
        (42, "42"),
        (3.0, "3"),
        ("Select", ""),
        (None, ""),
    ],
)
def test_fold_text_gives_plain_lower_case_ascii_words(raw: object, folded: str) -> None:
    assert fold_text(raw) == folded


@pytest.mark.parametrize(
    ("raw", "snake"),
    [("Food & Beverages", "food_beverages"), ("Öffentlicher Dienst", "oeffentlicher_dienst"), ("!!!", None)],
)
def test_lower_snake_joins_folded_words_with_underscores(raw: str, snake: str | None) -> None:
    assert lower_snake(raw) == snake


def test_lower_snake_cuts_a_long_category_after_a_whole_word() -> None:
    snake = lower_snake("word " * 100)
    assert snake is not None and len(snake) <= 64 and snake.split("_") == ["word"] * len(snake.split("_"))
