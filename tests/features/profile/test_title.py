"""Specification of job-title parsing: seniority and department of German and English titles (and the
common French and Italian ones of Swiss exports)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.profile.title import (
    DECISION_MAKER_SENIORITIES,
    DEPARTMENTS,
    SENIORITIES,
    TitleParse,
    department_of,
    is_decision_maker,
    parse_title,
    seniority_of,
)

C, VP, HEAD, MGR, IC, STUDENT, UNKNOWN = SENIORITIES

# (title as it appears in a CRM, expected seniority, expected department)
TITLES: list[tuple[str, str, str]] = [
    # Owners, founders, C-level and general management
    ("CEO", C, "management"),
    ("ceo", C, "management"),
    ("CEO & Founder", C, "management"),
    ("Founder & CEO", C, "management"),
    ("Co-Founder & CTO", C, "it"),
    ("Owner", C, "management"),
    ("Inhaber", C, "management"),
    ("Inhaberin", C, "management"),
    ("Gründer/in", C, "management"),
    ("Gründerin", C, "management"),
    ("Geschäftsführer", C, "management"),
    ("Geschäftsführerin", C, "management"),
    ("Geschäftsführer/in", C, "management"),
    ("GESCHÄFTSFÜHRER", C, "management"),
    ("Geschaeftsfuehrer", C, "management"),
    ("Geschäftsführer (m/w/d)", C, "management"),
    ("Geschäftsführender Gesellschafter", C, "management"),
    ("Gesellschafter-Geschäftsführer", C, "management"),
    ("GF", C, "management"),
    ("Geschäftsleitung", C, "management"),
    ("Vorstand", C, "management"),
    ("Vorstandsvorsitzende", C, "management"),
    ("Mitglied des Vorstands", C, "management"),
    ("Managing Director", C, "management"),
    ("Managing Director DACH", C, "management"),
    ("General Manager", C, "management"),
    ("President", C, "management"),
    ("Chairman of the Board", C, "management"),
    ("Managing Partner", C, "management"),
    ("Partner", C, "management"),
    ("Chief Executive Officer", C, "management"),
    ("Selbstständig", C, "management"),
    ("Freelancer", C, "management"),
    # A C-level title with a functional area keeps that area
    ("Chief Marketing Officer", C, "marketing"),
    ("Chief Revenue Officer", C, "sales"),
    ("Chief Technology Officer", C, "it"),
    ("Chief Financial Officer", C, "finance"),
    ("Chief Operating Officer", C, "operations"),
    ("Chief People Officer", C, "hr"),
    ("CFO", C, "finance"),
    ("COO", C, "operations"),
    ("CMO", C, "marketing"),
    ("CRO", C, "sales"),
    ("CIO", C, "it"),
    ("Geschäftsführer Vertrieb", C, "sales"),
    ("Kaufmännischer Geschäftsführer", C, "finance"),
    ("Chief Legal Officer", C, "other"),
    # Deputies of the top and officers below the board
    ("Stellv. Geschäftsführer", VP, "management"),
    ("Deputy CEO", VP, "management"),
    ("Prokurist", VP, "management"),
    ("Prokuristin Finanzen", VP, "finance"),
    ("Chief of Staff", VP, "management"),
    # VPs and directors
    ("VP Sales", VP, "sales"),
    ("SVP Marketing", VP, "marketing"),
    ("EVP Operations", VP, "operations"),
    ("Vice-President Sales EMEA", VP, "sales"),
    ("Vice President of Engineering", VP, "other"),
    ("Sales Director", VP, "sales"),
    ("Director of Sales", VP, "sales"),
    ("Marketing Director", VP, "marketing"),
    ("Director of Marketing", VP, "marketing"),
    ("IT-Direktor", VP, "it"),
    ("Bereichsleiter Vertrieb", VP, "sales"),
    ("Bereichsleiterin Personal", VP, "hr"),
    ("Country Manager DACH", VP, "management"),
    ("Marketing & Sales Director", VP, "marketing"),
    # Heads, Leiter and leads
    ("Head of IT", HEAD, "it"),
    ("Head of Marketing", HEAD, "marketing"),
    ("head of marketing", HEAD, "marketing"),
    ("Head of Sales & Marketing", HEAD, "sales"),
    ("Global Head of Procurement", HEAD, "operations"),
    ("Head of People & Culture", HEAD, "hr"),
    ("Leiter Vertrieb", HEAD, "sales"),
    ("Leiter/Leiterin Einkauf", HEAD, "operations"),
    ("Vertriebsleiter", HEAD, "sales"),
    ("Vertriebsleiterin DACH", HEAD, "sales"),
    ("Marketingleiterin", HEAD, "marketing"),
    ("Einkaufsleiter", HEAD, "operations"),
    ("Abteilungsleiter IT", HEAD, "it"),
    ("IT-Leiter", HEAD, "it"),
    ("Leiter EDV", HEAD, "it"),
    ("Leiter Controlling", HEAD, "finance"),
    ("Leiterin Personal", HEAD, "hr"),
    ("Produktionsleiter", HEAD, "operations"),
    ("Logistikleiter", HEAD, "operations"),
    ("Werksleiter", HEAD, "operations"),
    ("Personalchef", HEAD, "hr"),
    ("Teamleiter Innendienst", HEAD, "sales"),
    ("Teamleitung Buchhaltung", HEAD, "finance"),
    ("Team Lead Customer Success", HEAD, "sales"),
    ("Tech Lead", HEAD, "it"),
    ("Lead Developer", HEAD, "it"),
    ("Gebietsverkaufsleiter", HEAD, "sales"),
    ("Head of Revenue Operations", HEAD, "sales"),
    ("Teamleiterin Kundenservice", HEAD, "operations"),
    # Managers (a Key Account Manager is not one: see below)
    ("Marketing Manager", MGR, "marketing"),
    ("Senior Marketing Manager", MGR, "marketing"),
    ("  senior   MARKETING manager ", MGR, "marketing"),
    ("Sales Manager", MGR, "sales"),
    ("Business Development Manager", MGR, "sales"),
    ("Customer Success Manager", MGR, "sales"),
    ("Procurement Manager", MGR, "operations"),
    ("Supply Chain Manager", MGR, "operations"),
    ("Qualitätsmanagerin", MGR, "operations"),
    ("HR Manager", MGR, "hr"),
    ("Partner Manager", MGR, "sales"),
    ("IT Operations Manager", MGR, "it"),
    ("Sales Operations Manager", MGR, "sales"),
    ("IT Sales Manager", MGR, "sales"),
    ("Project Manager", MGR, "operations"),
    ("Projektleiter", MGR, "operations"),
    ("Projektleiterin IT", MGR, "it"),
    ("Product Manager", MGR, "other"),
    ("Office Manager", MGR, "operations"),
    ("CRM Manager", MGR, "marketing"),
    # Individual contributors
    ("Key Account Manager", IC, "sales"),
    ("Senior Key Account Manager", IC, "sales"),
    ("Account Manager", IC, "sales"),
    ("Account Executive", IC, "sales"),
    ("Business Developer", IC, "sales"),
    ("Inside Sales Representative", IC, "sales"),
    ("Sales Engineer", IC, "sales"),
    ("Vertriebsingenieur", IC, "sales"),
    ("Außendienstmitarbeiter", IC, "sales"),
    ("Aussendienstmitarbeiter", IC, "sales"),
    ("Mitarbeiter/in Vertrieb", IC, "sales"),
    ("Vertriebsmitarbeiterin", IC, "sales"),
    ("Mitarbeiterin Marketing", IC, "marketing"),
    ("Marketing Specialist", IC, "marketing"),
    ("SEO Specialist", IC, "marketing"),
    ("Lead Generation Specialist", IC, "marketing"),
    ("PR-Referentin", IC, "marketing"),
    ("Pressesprecherin", IC, "marketing"),
    ("Software Engineer", IC, "it"),
    ("Softwareentwickler", IC, "it"),
    ("Softwareentwicklerin", IC, "it"),
    ("Entwickler", IC, "it"),
    ("Systemadministrator", IC, "it"),
    ("IT-Administrator", IC, "it"),
    ("DevOps Engineer", IC, "it"),
    ("Data Scientist", IC, "it"),
    ("SAP Berater", IC, "it"),
    ("Product Owner", IC, "it"),
    ("IT Support", IC, "it"),
    ("Sachbearbeiter/in Buchhaltung", IC, "finance"),
    ("Buchhalterin", IC, "finance"),
    ("Controller", IC, "finance"),
    ("Sachbearbeiterin Einkauf", IC, "operations"),
    ("Sachbearbeiter", IC, "operations"),
    ("Kaufmännische Angestellte", IC, "operations"),
    ("Einkäuferin", IC, "operations"),
    ("IT-Einkäufer", IC, "operations"),
    ("Strategic Buyer", IC, "operations"),
    ("Personalreferentin", IC, "hr"),
    ("Recruiter", IC, "hr"),
    ("Talent Acquisition Specialist", IC, "hr"),
    ("HR Business Partner", IC, "hr"),
    ("Consultant", IC, "other"),
    ("Senior Consultant", IC, "other"),
    ("Unternehmensberater", IC, "other"),
    ("Engineer", IC, "other"),
    ("Mechanical Engineer", IC, "other"),
    ("Rechtsanwalt", IC, "other"),
    ("Legal Counsel", IC, "other"),
    # People who support an executive are not executives
    ("Assistant to the CEO", IC, "management"),
    ("Assistenz der Geschäftsführung", IC, "management"),
    ("Referent der Geschäftsführung", IC, "management"),
    ("Executive Assistant", IC, "other"),
    ("Assistent/in Vertrieb", IC, "sales"),
    ("Teamassistenz", IC, "other"),
    # Students, interns, apprentices: whatever else the title says
    ("Werkstudent", STUDENT, "other"),
    ("Werkstudent Vertrieb", STUDENT, "sales"),
    ("Werkstudentin Marketing", STUDENT, "marketing"),
    ("Working Student IT", STUDENT, "it"),
    ("Student", STUDENT, "other"),
    ("Intern", STUDENT, "other"),
    ("Marketing Intern", STUDENT, "marketing"),
    ("Intern to the CEO", STUDENT, "management"),
    ("Praktikant", STUDENT, "other"),
    ("Praktikant/in HR", STUDENT, "hr"),
    ("Praktikantin Personal", STUDENT, "hr"),
    ("Auszubildende/r", STUDENT, "other"),
    ("Auszubildender Industriekaufmann", STUDENT, "operations"),
    ("Kauffrau im Einzelhandel in Ausbildung", STUDENT, "operations"),
    ("Trainee", STUDENT, "other"),
    ("Trainee Sales", STUDENT, "sales"),
    # A function without a level
    ("Marketing", UNKNOWN, "marketing"),
    ("Vertrieb", UNKNOWN, "sales"),
    ("Software Sales", UNKNOWN, "sales"),
    # French and Italian, as Swiss exports write them
    ("Directeur commercial", VP, "sales"),
    ("Directrice des achats", VP, "operations"),
    ("Président Directeur Général", C, "management"),
    ("PDG", C, "management"),
    ("Gérant", C, "management"),
    ("Amministratore Delegato", C, "management"),
    ("Titolare", C, "management"),
    ("Responsable marketing", HEAD, "marketing"),
    ("Responsable des ressources humaines", HEAD, "hr"),
    ("Responsabile IT", HEAD, "it"),
    ("Direttore vendite", VP, "sales"),
    ("Capo reparto produzione", HEAD, "operations"),
    ("Chef de projet informatique", MGR, "it"),
    ("Ingénieur commercial", IC, "sales"),
    ("Chargée de communication", IC, "marketing"),
    ("Comptable", IC, "finance"),
    ("Acheteuse", IC, "operations"),
    ("Stagiaire marketing", STUDENT, "marketing"),
    ("Assistante de direction", IC, "other"),
    # Nothing recognisable
    ("asdfgh", UNKNOWN, "unknown"),
    ("Mr.", UNKNOWN, "unknown"),
    ("???", UNKNOWN, "unknown"),
    ("123", UNKNOWN, "unknown"),
]

TABLE_TITLES = [title for title, _, _ in TITLES]


def test_the_table_covers_at_least_80_distinct_titles() -> None:
    assert len(set(TABLE_TITLES)) == len(TABLE_TITLES) >= 80


@pytest.mark.parametrize(("title", "seniority", "department"), TITLES, ids=TABLE_TITLES)
def test_a_real_world_title_parses_into_its_seniority_and_department(
    title: str, seniority: str, department: str
) -> None:
    assert parse_title(title) == TitleParse(seniority, department)


@pytest.mark.parametrize(("title", "seniority", "department"), TITLES, ids=TABLE_TITLES)
def test_the_single_field_accessors_agree_with_parse_title(title: str, seniority: str, department: str) -> None:
    assert (seniority_of(title), department_of(title)) == (seniority, department)
    assert is_decision_maker(title) is (seniority in DECISION_MAKER_SENIORITIES)


def test_decision_makers_are_c_level_vp_director_and_head_lead() -> None:
    assert {"c_level_owner", "vp_director", "head_lead"} == DECISION_MAKER_SENIORITIES


@pytest.mark.parametrize(
    "spelling",
    [
        "Geschäftsführer",
        "Geschäftsführerin",
        "Geschäftsführer/in",
        "Geschäftsführer/-in",
        "Geschäftsführer:in",
        "Geschäftsführer*in",
        "Geschäftsführer_in",
        "Geschäftsführer(in)",
        "GeschäftsführerIn",
        "Geschäftsführer (m/w/d)",
        "Geschäftsführer m/w/d",
        "Geschaeftsfuehrer",
        "Geschaftsfuhrer",
    ],
)
def test_gendered_and_transliterated_spellings_of_a_title_parse_alike(spelling: str) -> None:
    assert parse_title(spelling) == TitleParse("c_level_owner", "management")


@pytest.mark.parametrize(
    ("spelling", "seniority", "department"),
    [
        ("Leiter/in Vertrieb", HEAD, "sales"),
        ("Leiterin Vertrieb", HEAD, "sales"),
        ("Leiter:in Vertrieb", HEAD, "sales"),
        ("Mitarbeiter*in Marketing", IC, "marketing"),
        ("MitarbeiterIn Marketing", IC, "marketing"),
        ("Mitarbeiterinnen Marketing", IC, "marketing"),
        ("Werkstudent/in Vertrieb", STUDENT, "sales"),
        ("Angestellte/r Buchhaltung", IC, "finance"),
        ("Industriekauffrau", IC, "operations"),
    ],
)
def test_german_gender_forms_do_not_change_the_role(spelling: str, seniority: str, department: str) -> None:
    assert parse_title(spelling) == TitleParse(seniority, department)


@pytest.mark.parametrize(
    "missing", [None, math.nan, np.nan, pd.NA, pd.NaT, "", "   ", "Select", "select", "N/A", "-", "null", "k.A."]
)
def test_a_missing_title_is_unknown_seniority_in_an_unknown_department(missing: object) -> None:
    assert parse_title(missing) == TitleParse("unknown", "unknown")
    assert is_decision_maker(missing) is False


@pytest.mark.parametrize("not_text", [42, 4.5, True, b"CEO", ["CEO"], {"title": "CEO"}, object()])
def test_a_value_that_is_not_text_is_unknown(not_text: object) -> None:
    assert parse_title(not_text) == TitleParse("unknown", "unknown")


def test_a_very_long_title_is_read_from_its_beginning() -> None:
    assert parse_title("Head of Sales " + "x" * 1_000_000) == TitleParse("head_lead", "sales")


_ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.binary(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just(pd.NA),
)


@settings(deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_into_a_known_seniority_and_department(title: str) -> None:
    parsed = parse_title(title)
    assert parsed.seniority in SENIORITIES
    assert parsed.department in DEPARTMENTS


@settings(deadline=None)
@given(_ANYTHING)
def test_any_value_parses_without_raising(value: object) -> None:
    parsed = parse_title(value)
    assert (parsed.seniority, parsed.department) in {(s, d) for s in SENIORITIES for d in DEPARTMENTS}


@settings(deadline=None)
@given(st.sampled_from(TABLE_TITLES) | st.text(max_size=300))
def test_a_title_with_a_known_level_always_has_a_department_if_only_other(title: str) -> None:
    parsed = parse_title(title)
    if parsed.seniority != "unknown":
        assert parsed.department != "unknown"


@st.composite
def _recased_and_padded(draw: st.DrawFn) -> tuple[str, str]:
    title = draw(st.sampled_from(TABLE_TITLES))
    upper = draw(st.lists(st.booleans(), min_size=len(title), max_size=len(title)))
    recased = "".join(char.upper() if up else char.lower() for char, up in zip(title, upper, strict=True))
    padding = st.text(alphabet=" \t\n\u00a0", max_size=4)
    return title, draw(padding) + recased + draw(padding)


@settings(deadline=None)
@given(_recased_and_padded())
def test_case_and_surrounding_whitespace_never_change_the_result(pair: tuple[str, str]) -> None:
    title, variant = pair
    assert parse_title(variant) == parse_title(title)
