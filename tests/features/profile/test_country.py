"""Specification of the country and region normalisers (features/profile/country.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from profile_cases import ANYTHING, KNOWN_WORDS, MISSING_IDS, MISSING_VALUES

from features.profile.country import (
    DACH,
    EU_OUTSIDE_DACH,
    ISO_COUNTRY_CODES,
    REGIONS,
    REST_OF_EUROPE,
    normalise_country,
    region_of,
)

COUNTRIES: list[tuple[object, str]] = [
    ("de", "DE"),
    (" DE ", "DE"),
    ("De", "DE"),
    ("Germany", "DE"),
    ("Deutschland", "DE"),
    ("deutschland ", "DE"),
    ("Federal Republic of Germany", "DE"),
    ("DEU", "DE"),
    ("Germany (DE)", "DE"),
    ("Österreich", "AT"),
    ("Oesterreich", "AT"),
    ("Osterreich", "AT"),
    ("Austria", "AT"),
    ("AT", "AT"),
    ("Schweiz", "CH"),
    ("Switzerland", "CH"),
    ("Suisse", "CH"),
    ("Italie", "IT"),
    ("Royaume-Uni", "GB"),
    ("Stati Uniti", "US"),
    ("États-Unis", "US"),
    ("Pays-Bas", "NL"),
    ("Schweiz, Zürich", "CH"),
    ("Liechtenstein", "LI"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("U.S.", "US"),
    ("United States", "US"),
    ("United States of America", "US"),
    ("Vereinigte Staaten", "US"),
    ("UK", "GB"),
    ("United Kingdom", "GB"),
    ("Großbritannien", "GB"),
    ("England", "GB"),
    ("GB", "GB"),
    ("EL", "GR"),
    ("Niederlande", "NL"),
    ("Holland", "NL"),
    ("Frankreich", "FR"),
    ("Polen", "PL"),
    ("Tschechien", "CZ"),
    ("Czech Republic", "CZ"),
    ("Dänemark", "DK"),
    ("Norwegen", "NO"),
    ("Türkei", "TR"),
    ("India", "IN"),
    ("United Arab Emirates", "AE"),
    ("UAE", "AE"),
    ("Singapore", "SG"),
    ("South Korea", "KR"),
]


@pytest.mark.parametrize(("raw", "code"), COUNTRIES, ids=[str(raw) for raw, _ in COUNTRIES])
def test_a_country_value_maps_to_its_iso_alpha_2_code(raw: object, code: str) -> None:
    assert normalise_country(raw) == code


@pytest.mark.parametrize(("raw", "code"), [("xx", "XX"), ("Qq", "QQ"), (" zz ", "ZZ")])
def test_an_unknown_two_letter_code_is_kept_upper_cased(raw: str, code: str) -> None:
    assert normalise_country(raw) == code


@pytest.mark.parametrize(
    "garbage", ["Asia/Pacific Region", "Europe", "123", "Germanyy", "x", "!!", "Namibia", 49, True, b"DE"]
)
def test_a_value_that_names_no_country_is_none(garbage: object) -> None:
    assert normalise_country(garbage) is None


@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_a_missing_country_is_none(value: object) -> None:
    assert normalise_country(value) is None


@settings(deadline=None)
@given(ANYTHING | KNOWN_WORDS | st.sampled_from([raw for raw, _ in COUNTRIES]))
def test_a_country_is_none_or_two_upper_case_letters_and_normalises_to_itself(value: object) -> None:
    code = normalise_country(value)
    assert code is None or re.fullmatch(r"[A-Z]{2}", code) is not None
    assert normalise_country(code) == code


REGION_CASES: list[tuple[object, str]] = [
    ("DE", "dach"),
    ("AT", "dach"),
    ("CH", "dach"),
    ("FR", "eu"),
    ("PL", "eu"),
    ("NL", "eu"),
    ("IE", "eu"),
    ("GB", "rest_of_europe"),
    ("NO", "rest_of_europe"),
    ("IS", "rest_of_europe"),
    ("LI", "rest_of_europe"),
    ("RS", "rest_of_europe"),
    ("UA", "rest_of_europe"),
    ("TR", "other"),
    ("RU", "other"),
    ("US", "other"),
    ("IN", "other"),
    ("AE", "other"),
    ("Deutschland", "dach"),
    ("United Kingdom", "rest_of_europe"),
    ("XX", "unknown"),
    ("Asia/Pacific Region", "unknown"),
    (None, "unknown"),
    ("", "unknown"),
]


@pytest.mark.parametrize(("country", "region"), REGION_CASES, ids=[str(c) for c, _ in REGION_CASES])
def test_a_country_belongs_to_its_sales_region(country: object, region: str) -> None:
    assert region_of(country) == region


def test_dach_eu_and_rest_of_europe_are_disjoint_sets_of_assigned_codes() -> None:
    assert not DACH & EU_OUTSIDE_DACH and not DACH & REST_OF_EUROPE and not EU_OUTSIDE_DACH & REST_OF_EUROPE
    assert DACH | EU_OUTSIDE_DACH | REST_OF_EUROPE <= ISO_COUNTRY_CODES


def test_the_eu_region_holds_the_25_member_states_outside_dach() -> None:
    members = {"BE", "BG", "CY", "CZ", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
               "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}  # fmt: skip
    assert members <= EU_OUTSIDE_DACH
    assert len(members) == 25


@settings(deadline=None)
@given(ANYTHING)
def test_any_value_has_a_region(value: object) -> None:
    assert region_of(value) in REGIONS
