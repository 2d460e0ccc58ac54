"""Every fit-field normaliser never raises and gives the same answer twice, whatever it is given."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from profile_cases import ANYTHING

from features.profile.country import normalise_country, region_of
from features.profile.email import email_domain_kind
from features.profile.industry import normalise_industry
from features.profile.source import normalise_lead_source
from features.values import fold_text, is_missing
from features.values import snake as lower_snake

NORMALISERS: list[Callable[[object], object]] = [
    is_missing,
    fold_text,
    lower_snake,
    normalise_industry,
    normalise_country,
    region_of,
    email_domain_kind,
    normalise_lead_source,
]


@pytest.mark.parametrize("normalise", NORMALISERS, ids=lambda fn: fn.__name__)
@settings(deadline=None)
@given(value=ANYTHING)
def test_a_normaliser_never_raises_and_gives_the_same_answer_twice(
    normalise: Callable[[object], object], value: object
) -> None:
    assert normalise(value) == normalise(value)
