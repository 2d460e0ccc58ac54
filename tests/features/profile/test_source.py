"""Specification of the lead-source normaliser (features/profile/source.py)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from profile_cases import ANYTHING, KNOWN_WORDS, MISSING_IDS, MISSING_VALUES

from features.contract import LEAD_SOURCES
from features.profile.source import normalise_lead_source

LEAD_SOURCE_SYNONYMS: list[tuple[str, str]] = [
    ("Web Form", "web_form"),
    ("Website", "web_form"),
    ("Webformular", "web_form"),
    ("Kontaktformular", "web_form"),
    ("Web", "web_form"),
    ("Direct Traffic", "web_form"), ("(direct) / (none)", "web_form"), ("Direktzugriff", "web_form"),
    ("direct", "web_form"), ("Direct Mail", "direct_mail"),
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
@given(ANYTHING | KNOWN_WORDS)
@example("0" * 47 + "ÖÖ:REFERRAL:SITE")  # cut to the longest category, its text ended in a channel's word
def test_normalising_a_lead_source_twice_changes_nothing(value: object) -> None:
    once = normalise_lead_source(value)
    assert normalise_lead_source(once) == once
