"""Specification of the e-mail domain classifier (features/profile/email.py), per value and per column."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from profile_cases import ANYTHING, MISSING_IDS, MISSING_VALUES

from features.profile.email import EMAIL_DOMAIN_KINDS, email_domain_kind, email_domain_kinds

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
@given(ANYTHING | st.emails())
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
