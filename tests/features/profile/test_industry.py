"""Specification of the industry normaliser (features/profile/industry.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from profile_cases import ANYTHING, KNOWN_WORDS, MISSING_VALUES, SNAKE

from features.profile.industry import INDUSTRIES, normalise_industry

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
    # French and Italian, as Swiss exports write them
    ("Logiciel", "software"),
    ("Informatique", "it_services"),
    ("Banque", "financial_services"),
    ("Assicurazioni", "financial_services"),
    ("Santé", "healthcare"),
    ("Immobiliare", "real_estate"),
    ("Costruzioni", "construction"),
    ("Trasporti", "logistics"),
    ("Commerce de détail", "retail"),
    ("Fabrication", "manufacturing"),
    ("Scuola", "education"),
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
    # LinkedIn's industry names since 2022 (Sales Navigator exports)
    ("Software Development", "software"), ("IT Services and IT Consulting", "it_services"),
    ("Technology, Information and Internet", "it_services"), ("Staffing and Recruiting", "consulting"),
    ("Business Consulting and Services", "consulting"), ("Accounting", "consulting"),
    ("Legal Services", "consulting"), ("Hospitals and Health Care", "healthcare"),
    ("Motor Vehicle Manufacturing", "automotive"), ("Transportation, Logistics, Supply Chain and Storage", "logistics"),
    ("Government Administration", "public_sector"), ("Zeitarbeit", "consulting"), ("Steuerberatung", "consulting"),
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
@given(ANYTHING | KNOWN_WORDS)
def test_normalising_an_industry_twice_changes_nothing(value: object) -> None:
    once = normalise_industry(value)
    assert normalise_industry(once) == once


@settings(deadline=None)
@given(ANYTHING | KNOWN_WORDS)
def test_an_industry_is_none_or_a_lower_snake_category(value: object) -> None:
    industry = normalise_industry(value)
    assert industry is None or (SNAKE.fullmatch(industry) is not None and len(industry) <= 64)
