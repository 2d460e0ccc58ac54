"""Specification of the fit-field normalisers: industry, country and region, e-mail domain, lead source."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.contract import LEAD_SOURCES, MISSING_MARKERS
from features.profile.country import (
    DACH,
    EU_OUTSIDE_DACH,
    ISO_COUNTRY_CODES,
    REGIONS,
    REST_OF_EUROPE,
    normalise_country,
    region_of,
)
from features.profile.email import EMAIL_DOMAIN_KINDS, email_domain_kind, email_domain_kinds
from features.profile.industry import INDUSTRIES, normalise_industry
from features.profile.source import normalise_lead_source
from features.values import fold_text, is_missing
from features.values import snake as lower_snake

MISSING_VALUES: list[object] = [
    None,
    math.nan,
    np.nan,
    np.float64("nan"),
    pd.NA,
    pd.NaT,
    "",
    "   ",
    "Select",
    " N/A ",
    "NULL",
    "-",
    "k.A.",
    "unknown",
]
MISSING_IDS = [repr(value) for value in MISSING_VALUES]

_ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True),
    st.text(),
    st.binary(),
    st.datetimes(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.builds(lambda part, times: part * times, st.text(min_size=1, max_size=10), st.integers(500, 5000)),
)
# Text made of words the normalisers know, long enough to be cut: where idempotence could break.
_KNOWN_WORDS = st.lists(
    st.sampled_from(
        ["auto", "mat", "bau", "it", "software", "bank", "other", "web", "messe", "ng", "referral", "sites",
         "e", "mail", "de", "x" * 30, "österreich", "&", "-", "/"]
    ),
    max_size=30,
).map(" ".join)  # fmt: skip
SNAKE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


# --------------------------------------------------------------------------------------------------
# is_missing, fold_text, lower_snake
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Industry
# --------------------------------------------------------------------------------------------------

INDUSTRY_VARIANTS: list[tuple[str, str]] = [
    # Every raw variant the synthetic data generator emits
    ("Software", "software"),
    ("software ", "software"),
    ("SOFTWARE", "software"),
    ("IT/Software", "software"),
    ("Software & SaaS", "software"),
    ("SaaS", "software"),
    ("Softwareentwicklung", "software"),
    ("IT Services", "it_services"),
    ("IT-Dienstleistungen", "it_services"),
    ("Information Technology", "it_services"),
    ("Manufacturing", "manufacturing"),
    ("Maschinenbau", "manufacturing"),
    ("Industrial Machinery", "manufacturing"),
    ("Produktion", "manufacturing"),
    ("Automotive", "automotive"),
    ("Automobil", "automotive"),
    ("Automobilindustrie", "automotive"),
    ("Retail", "retail"),
    ("Einzelhandel", "retail"),
    ("E-Commerce", "retail"),
    ("Retail & E-Commerce", "retail"),
    ("Financial Services", "financial_services"),
    ("Banking", "financial_services"),
    ("Finanzdienstleistungen", "financial_services"),
    ("Insurance", "financial_services"),
    ("Versicherungen", "financial_services"),
    ("Healthcare", "healthcare"),
    ("Gesundheitswesen", "healthcare"),
    ("Pharma", "healthcare"),
    ("Medizintechnik", "healthcare"),
    ("Education", "education"),
    ("Bildung", "education"),
    ("E-Learning", "education"),
    ("Consulting", "consulting"),
    ("Beratung", "consulting"),
    ("Unternehmensberatung", "consulting"),
    ("Logistics", "logistics"),
    ("Logistik", "logistics"),
    ("Transport & Logistik", "logistics"),
    ("Energy", "energy"),
    ("Energie", "energy"),
    ("Utilities", "energy"),
    ("Public Sector", "public_sector"),
    ("Öffentlicher Dienst", "public_sector"),
    ("Government", "public_sector"),
    ("Media", "media"),
    ("Medien", "media"),
    ("Marketing & Advertising", "media"),
    ("Telecommunications", "telecommunications"),
    ("Telekommunikation", "telecommunications"),
    ("Real Estate", "real_estate"),
    ("Immobilien", "real_estate"),
    ("Construction", "construction"),
    ("Bauwesen", "construction"),
    ("Other", "other"),
    ("Sonstige", "other"),
    # Common values beyond the generator's list (CRM picklists, LinkedIn, free text)
    ("Computer Software", "software"),
    ("Information Technology & Services", "it_services"),
    ("IT-Beratung", "it_services"),
    ("Banken", "financial_services"),
    ("Sparkasse", "financial_services"),
    ("Finanzberatung", "financial_services"),
    ("Hospital & Health Care", "healthcare"),
    ("Pharmaindustrie", "healthcare"),
    ("Automobilzulieferer", "automotive"),
    ("Logistik & Transport", "logistics"),
    ("Spedition", "logistics"),
    ("Higher Education", "education"),
    ("Hochschule", "education"),
    ("Management Consulting", "consulting"),
    ("Telecom", "telecommunications"),
    ("Bau", "construction"),
    ("Baugewerbe", "construction"),
    ("Hausverwaltung", "real_estate"),
    ("Öffentliche Verwaltung", "public_sector"),
    ("Großhandel", "retail"),
    ("Stadtwerke", "energy"),
    ("Aerospace & Defense", "manufacturing"),
    ("Automatisierungstechnik", "manufacturing"),
    ("Chemische Industrie", "manufacturing"),
    ("Verlagswesen", "media"),
    # Robust matching: case, whitespace, punctuation, umlaut spelling
    ("  it   services ", "it_services"),
    ("it_services", "it_services"),
    ("FINANCIAL-SERVICES", "financial_services"),
    ("Oeffentlicher Dienst", "public_sector"),
    ("Offentlicher Dienst", "public_sector"),
    ("ÖFFENTLICHER DIENST", "public_sector"),
    ("Real-Estate", "real_estate"),
]


@pytest.mark.parametrize(("raw", "industry"), INDUSTRY_VARIANTS, ids=[raw for raw, _ in INDUSTRY_VARIANTS])
def test_an_industry_variant_maps_to_its_canonical_industry(raw: str, industry: str) -> None:
    assert normalise_industry(raw) == industry


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_a_canonical_industry_normalises_to_itself(industry: str) -> None:
    assert normalise_industry(industry) == industry


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Agriculture", "agriculture"),
        ("Food & Beverages", "food_beverages"),
        ("Non-Profit Organization", "non_profit_organization"),
        ("Hospitality", "hospitality"),
        ("Gastronomie", "gastronomie"),
        (7, "7"),
    ],
)
def test_an_unrecognised_industry_is_kept_as_its_lower_snake_text_not_lumped_into_other(raw: object, kept: str) -> None:
    assert normalise_industry(raw) == kept


@pytest.mark.parametrize("value", [*MISSING_VALUES, "!!!", True, b"Software", ["Software"]], ids=repr)
def test_a_missing_or_textless_industry_is_none(value: object) -> None:
    assert normalise_industry(value) is None


@settings(deadline=None)
@given(_ANYTHING | _KNOWN_WORDS)
def test_normalising_an_industry_twice_changes_nothing(value: object) -> None:
    once = normalise_industry(value)
    assert normalise_industry(once) == once


@settings(deadline=None)
@given(_ANYTHING | _KNOWN_WORDS)
def test_an_industry_is_none_or_a_lower_snake_category(value: object) -> None:
    industry = normalise_industry(value)
    assert industry is None or (SNAKE.fullmatch(industry) is not None and len(industry) <= 64)


# --------------------------------------------------------------------------------------------------
# Country and region
# --------------------------------------------------------------------------------------------------

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
@given(_ANYTHING | _KNOWN_WORDS | st.sampled_from([raw for raw, _ in COUNTRIES]))
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
@given(_ANYTHING)
def test_any_value_has_a_region(value: object) -> None:
    assert region_of(value) in REGIONS


# --------------------------------------------------------------------------------------------------
# E-mail domain
# --------------------------------------------------------------------------------------------------

EMAILS: list[tuple[object, str]] = [
    ("max.mustermann@siemens.com", "corporate"),
    ("  Anna.Schmidt@Firma-GmbH.de ", "corporate"),
    ("info@müller-bau.de", "corporate"),
    ("max@firma.de.", "corporate"),
    ("mailto:max@firma.de", "corporate"),
    ("Max Mustermann <max@firma.de>", "corporate"),
    ("jane@uni-heidelberg.de", "corporate"),
    ("max@gmail.com", "free"),
    ("MAX@GMAIL.COM", "free"),
    ("max@googlemail.com", "free"),
    ("max@gmx.de", "free"),
    ("max@gmx.net", "free"),
    ("max@gmx.at", "free"),
    ("max@gmx.ch", "free"),
    ("max@web.de", "free"),
    ("max@t-online.de", "free"),
    ("max@yahoo.de", "free"),
    ("max@yahoo.co.uk", "free"),
    ("max@outlook.com", "free"),
    ("max@outlook.de", "free"),
    ("max@hotmail.com", "free"),
    ("max@hotmail.co.uk", "free"),
    ("max@live.de", "free"),
    ("max@icloud.com", "free"),
    ("max@me.com", "free"),
    ("max@aol.com", "free"),
    ("max@freenet.de", "free"),
    ("max@posteo.de", "free"),
    ("max@mail.de", "free"),
    ("max@proton.me", "free"),
    ("max@protonmail.com", "free"),
    ("Max <max@gmail.com>", "free"),
    ("test@test.de", "invalid"),
    ("asdf@asdf.de", "invalid"),
    ("keine@angabe.de", "invalid"),
    ("info@example.com", "invalid"),
    ("noreply@noreply.com", "invalid"),
    ("max@firma.test", "invalid"),
    ("max", "invalid"),
    ("max@firma", "invalid"),
    ("max.firma.de", "invalid"),
    ("@firma.de", "invalid"),
    ("max@", "invalid"),
    ("max@@firma.de", "invalid"),
    ("max mustermann@firma.de", "invalid"),
    ("max@firma.de; anna@firma.de", "invalid"),
    ("max@firma.d", "invalid"),
    ("max@-firma.de", "invalid"),
    (12345, "invalid"),
    (["max@firma.de"], "invalid"),
]


@pytest.mark.parametrize(("email", "kind"), EMAILS, ids=[str(e) for e, _ in EMAILS])
def test_an_address_is_classified_by_its_domain(email: object, kind: str) -> None:
    assert email_domain_kind(email) == kind


@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_a_missing_address_is_missing(value: object) -> None:
    assert email_domain_kind(value) == "missing"


@settings(deadline=None)
@given(_ANYTHING | st.emails())
def test_any_value_has_an_email_domain_kind(value: object) -> None:
    assert email_domain_kind(value) in EMAIL_DOMAIN_KINDS


@settings(deadline=None)
@given(
    st.sampled_from(["max", "anna.schmidt", "j.doe", "vertrieb", "m_mueller+crm"]),
    st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
    st.sampled_from(["de", "at", "ch", "com", "co.uk", "io", "eu"]),
)
def test_a_well_formed_address_at_a_company_domain_is_corporate(mailbox: str, company: str, tld: str) -> None:
    assert email_domain_kind(f"{mailbox}@firma-{company}.{tld}") == "corporate"


TRICKY_EMAILS: list[object] = [
    *[email for email, _ in EMAILS if isinstance(email, str)],
    "max@gmail.com", "MAX@GMAIL.COM", "Max@GMail.com", "max@GMAIL.com.", "max@gmail.com..", "max@yahoo.CO.UK",
    "test@test.de", "TEST@Test.DE", "x@x.com", "X@x.COM", "keine@angabe.de", "noreply@firma.de",
    "No-Reply@firma.de", "dummy@firma.de", "info@example.com", "max@firma.example", "max@firma.local",
    "asdf@asdf.de", "b@a.b.de", "a@a.b.de", "max@firma",
    "müller@müller.de", "info@MÜLLER-bau.de", "max@xn--mller-bau-r5a.de", "max@straße.de", "jürgen@firma.de",
    "max@ｆｉｒｍａ.de", "max@firma.de\u200b", "ｍａｘ@gmail.com",
    " max@firma.de", "max@firma.de ", "\tmax@firma.de\n", "max @firma.de", "max@ firma.de", "max@firma.de\n",
    "max\x1c@firma.de", "max@firma\x1f.de", "max@firma.de\x85", "\xa0max@firma.de",
    "", " ", "Select", "  n/a ", "NULL", "k.A.", "-",
    "max", "max.firma.de", "@firma.de", "max@", "@", "max@@firma.de", "a@b@c.de", "max@firma.de; anna@firma.de",
    "max@firma.d", "max@-firma.de", "max@firma-.de", "max@firma..de", "max@.firma.de", "max@firma.123",
    "max@" + "a" * 63 + ".de", "max@" + "a" * 64 + ".de", "max@firma." + "a" * 63, "max@firma." + "a" * 64,
    "x" * 240 + "@firma.de", "x" * 250 + "@firma.de", "x" * 300 + "@gmail.com",
    "mailto:max@firma.de", "MAILTO:max@gmail.com", "mailto:", "Max <max@firma.de>", "<max@gmail.com>",
    "Max <max@firma.de", "max@firma.de>", "a<b@firma.de", "<a@b.de> <c@gmail.com>", "\"Max\" <test@test.de>",
    "max+crm@firma.de", "max.o'neil@firma.de", "max!#$%&*/=?^_`{|}~@firma.de", "max@firma_gmbh.de",
    "max@123.45.67.89", "max@[127.0.0.1]", "max@localhost", "max@firma.xn--p1ai", "max@firma.xn--",
]


def test_the_column_version_handles_text_that_utf8_cannot_hold() -> None:
    values = [*TRICKY_EMAILS, "max\ud800@firma.de"]  # a lone surrogate
    assert list(email_domain_kinds(_column(values))) == [email_domain_kind(value) for value in values]


def _column(values: list[object]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column


def test_the_column_version_of_email_domain_kind_equals_the_per_value_function() -> None:
    values = TRICKY_EMAILS * 2 + [None, math.nan, pd.NA, pd.NaT, np.float64("nan")]
    expected = [email_domain_kind(value) for value in values]
    assert list(email_domain_kinds(_column(values))) == expected


@pytest.mark.parametrize("odd", [12345, 3.0, True, b"max@firma.de", ["max@firma.de"], ("a", "b")],
                         ids=repr)
def test_the_column_version_handles_values_that_are_not_text(odd: object) -> None:
    values = [*TRICKY_EMAILS, odd]
    assert list(email_domain_kinds(_column(values))) == [email_domain_kind(value) for value in values]


@settings(deadline=None, max_examples=200)
@given(st.lists(st.emails() | st.text(max_size=30) | st.sampled_from(TRICKY_EMAILS) | st.none(), max_size=80))
def test_the_column_version_agrees_on_generated_addresses(values: list[object]) -> None:
    assert list(email_domain_kinds(_column(values))) == [email_domain_kind(value) for value in values]


# --------------------------------------------------------------------------------------------------
# Lead source
# --------------------------------------------------------------------------------------------------

LEAD_SOURCE_SYNONYMS: list[tuple[str, str]] = [
    ("Web Form", "web_form"),
    ("Website", "web_form"),
    ("Webformular", "web_form"),
    ("Kontaktformular", "web_form"),
    ("Web", "web_form"),
    ("Direct Traffic", "web_form"),
    ("Messe", "trade_show"),
    ("Fachmesse", "trade_show"),
    ("Trade Show", "trade_show"),
    ("Tradeshow", "trade_show"),
    ("Empfehlung", "referral"),
    ("Kundenempfehlung", "referral"),
    ("Referral", "referral"),
    ("Employee Referral", "referral"),
    ("Word of mouth", "referral"),
    ("Google Ads", "paid_search"),
    ("AdWords", "paid_search"),
    ("PPC", "paid_search"),
    ("Paid Search", "paid_search"),
    ("Pay per Click Ads", "paid_search"),
    ("SEO", "organic_search"),
    ("Organic", "organic_search"),
    ("Organic Search", "organic_search"),
    ("LinkedIn", "social"),
    ("XING", "social"),
    ("Social Media", "social"),
    ("Facebook", "social"),
    ("Organic Social", "social"),
    ("Newsletter", "email_campaign"),
    ("E-Mail-Kampagne", "email_campaign"),
    ("Email Campaign", "email_campaign"),
    ("E-Mail Marketing", "email_campaign"),
    ("Cold Call", "outbound"),
    ("Kaltakquise", "outbound"),
    ("Outbound", "outbound"),
    ("Cold E-Mail", "outbound"),
    ("Partner", "partner"),
    ("Reseller", "partner"),
    ("Partner Referral", "partner"),
    ("Webinar", "webinar"),
    ("Online-Seminar", "webinar"),
    ("Other", "other"),
    ("Sonstige", "other"),
    ("  web   FORM ", "web_form"),
    ("TRADE_SHOW", "trade_show"),
]


@pytest.mark.parametrize(("raw", "source"), LEAD_SOURCE_SYNONYMS, ids=[raw for raw, _ in LEAD_SOURCE_SYNONYMS])
def test_a_lead_source_synonym_maps_to_the_contract_channel(raw: str, source: str) -> None:
    assert normalise_lead_source(raw) == source


@pytest.mark.parametrize("source", LEAD_SOURCES)
def test_a_contract_channel_normalises_to_itself(source: str) -> None:
    assert normalise_lead_source(source) == source


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Google", "google"),
        ("Referral Sites", "referral_sites"),
        ("Olark Chat", "olark_chat"),
        ("Facebook Messenger", "social"),
        ("Messenger", "messenger"),
        ("Phone Inquiry", "phone_inquiry"),
        ("ai_referrals", "ai_referrals"),
        ("offline", "offline"),
    ],
)
def test_an_ambiguous_or_unknown_lead_source_is_kept_as_its_lower_snake_text(raw: str, kept: str) -> None:
    assert normalise_lead_source(raw) == kept


@pytest.mark.parametrize("value", MISSING_VALUES, ids=MISSING_IDS)
def test_a_missing_lead_source_is_none(value: object) -> None:
    assert normalise_lead_source(value) is None


@settings(deadline=None)
@given(_ANYTHING | _KNOWN_WORDS)
def test_normalising_a_lead_source_twice_changes_nothing(value: object) -> None:
    once = normalise_lead_source(value)
    assert normalise_lead_source(once) == once


# --------------------------------------------------------------------------------------------------
# All normalisers
# --------------------------------------------------------------------------------------------------

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
@given(value=_ANYTHING)
def test_a_normaliser_never_raises_and_gives_the_same_answer_twice(
    normalise: Callable[[object], object], value: object
) -> None:
    assert normalise(value) == normalise(value)
