"""The rulebook (features/values/): one reading of a raw CRM value, in scalar and column form alike."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features import phrases, values
from features.contract import ACTIVITY_TYPES, MISSING_MARKERS

# text as exports hold it: markers in any case and padding, umlauts, odd whitespace, digits and punctuation
_CELL = st.one_of(
    st.sampled_from(sorted(MISSING_MARKERS)).map(lambda m: f"  {m.upper()} "),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["Page  View", " Demo Request! ", "1.234", "1.234,5", "-5", "€ 1.200", "Straße", "\u00a0x\u2003"]),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_CELL, min_size=1, max_size=80))
def test_text_of_an_arrow_text_column_is_the_scalar_rule_of_every_cell(cells: list[str]) -> None:
    column = values.text_column(pd.Series(cells, dtype="str"))
    assert [None if pd.isna(v) else v for v in column] == [values.text(c) for c in cells]


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.one_of(_CELL, st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.none()),
                      min_size=1, max_size=80))
def test_the_column_form_of_a_rule_is_the_rule_applied_to_each_value(cells: list[object]) -> None:
    column = np.empty(len(cells), dtype=object)
    column[:] = cells
    for rule in (values.text, values.activity_type, values.amount, values.flag, values.snake):
        assert list(values.map_distinct(column, rule)) == [rule(c) for c in cells]


@settings(max_examples=200, deadline=None)
@given(numbers_=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=80),
       integers=st.lists(st.integers(-10**18, 10**18), min_size=1, max_size=20),
       width=st.sampled_from([np.float64, np.float32]))
def test_amounts_of_a_typed_number_column_are_the_rule_applied_to_each_number(
        numbers_: list[float], integers: list[int], width: type) -> None:
    """A Parquet or SQL export types its amounts: read column-wise, each is what :func:`values.amount` makes of
    it (NaN missing, −0.0 kept, negatives and infinities refused with the rule's words)."""
    for column in (np.array(numbers_, dtype=width), pd.Series(numbers_, dtype=width), np.array(integers)):
        read, problems = values.amounts(column)
        scalar = [values.amount(v) for v in column.tolist()]
        assert problems == [problem for _, problem in scalar]
        expected = np.array([np.nan if v is None else v for v, _ in scalar], dtype=np.float64)
        assert read.tobytes() == expected.tobytes()  # bit for bit: −0.0 and NaN alike


@pytest.mark.parametrize(("raw", "read"), [
    ("Page  View", "page_view"), ("page-view", "page_view"), ("Demo Request!", "demo_request"),
    (" PRICING_PAGE_VIEW ", "pricing_page_view"), ("Säles Call", "saeles_call"), ("", None), ("Select", None),
])
def test_an_activity_type_is_read_as_its_snake_form(raw: str, read: str | None) -> None:
    assert values.activity_type(raw) == read


@pytest.mark.parametrize(("raw", "number", "problem"), [
    ("1.234", 1234.0, None), ("1,234", 1234.0, None), ("1.234.567,89", 1234567.89, None),
    ("1,234,567.89", 1234567.89, None), ("12 500", 12500.0, None), ("1'200", 1200.0, None),
    ("€ 5.000", 5000.0, None), ("5000 EUR", 5000.0, None), ("1,5", 1.5, None), ("0.234", 0.234, None),
    (120, 120.0, None), (2.5, 2.5, None), ("Select", None, None), (None, None, None),
    ("viele", None, "not a number 'viele': set to missing"), ("2-1", None, "not a number '2-1': set to missing"),
    # as enrichment tools and German CRMs write sizes: scale words, ranges (midpoint), open ranges (lower bound)
    ("10 Mio. €", 1e7, None), ("1,5 Mrd", 1.5e9, None), ("$20M", 2e7, None), ("500k", 5e5, None),
    ("51-200", 125.5, None), ("1.001–5.000", 3000.5, None), ("10-50M", 3e7, None), ("$10M - $50M", 3e7, None),
    ("10,001+", 10001.0, None), ("über 500", 500.0, None), ("1 bis 10", 5.5, None),
    # as LinkedIn forms and CRM picklists write company sizes: counted words and approximations read past,
    # ranges open below at half their bound (the midpoint from 0), LinkedIn's one-person band
    ("51-200 employees", 125.5, None), ("10,001+ employees", 10001.0, None), ("1.000-4.999 Mitarbeiter", 2999.5, None),
    ("500 MA", 500.0, None), ("Self-employed", 1.0, None), ("ca. 200", 200.0, None), ("~150", 150.0, None),
    # a currency as multi-currency reports write it, before or after: the amount as written, not converted
    ("USD 1,500,000.00", 1.5e6, None), ("EUR 1.500.000,00", 1.5e6, None), ("CHF 2 Mio", 2e6, None),
    ("SFr. 2.5 Mio.", 2.5e6, None), ("£2m", 2e6, None), ("GBP 750,000", 750000.0, None), ("US$ 20M", 2e7, None),
    ("20 Mio. USD", 2e7, None), ("USD 1-5M", 3e6, None),
    # a bare dollar sign, as Dynamics 365 and Salesforce reports write the org's currency
    ("$1,250,000.00", 1.25e6, None), ("$950.00", 950.0, None), ("1,250,000.00 $", 1.25e6, None),
    ("$", None, "not a number '$': set to missing"),
    ("CHF", None, "not a number 'CHF': set to missing"), ("usda", None, "not a number 'usda': set to missing"),
    # what exports write for "not given", Excel's #N/A (#NV in German) included: missing, nothing to warn about
    ("n.a.", None, None), ("keine Angabe", None, None), ("Unbekannt", None, None), ("#NV", None, None),
    ("#N/A", None, None),
    ("200 (est.)", 200.0, None), ("mehr als 1000", 1000.0, None), ("1000 or more", 1000.0, None),
    ("< 10", 5.0, None), ("bis 10", 5.0, None), ("up to 10", 5.0, None), ("Less than 1M", 5e5, None),
    ("employees", None, "not a number 'employees': set to missing"),
    ("under", None, "not a number 'under': set to missing"),
    ("Mio", None, "not a number 'Mio': set to missing"),
    ("-5", None, values.NEGATIVE), (-5, None, values.NEGATIVE), (True, None, "not a number 'true': set to missing"),
])
def test_amounts_read_german_and_english_grouping_and_name_what_they_drop(raw: object, number: float | None,
                                                                          problem: str | None) -> None:
    assert values.amount(raw) == (number, problem)


def test_moments_are_iso_8601_with_utc_as_the_default_and_nothing_else() -> None:
    raw = ["2024-03-01T10:00:00Z", "2024-03-01T12:00:00+02:00", "2024-03-01 10:00", "2024-03-01",
           "2024-03-01T10:00:00.1234567Z", "03/01/2024", "170000000", "yesterday", "", None, "Select"]
    micro, bad, _ = values.moments(raw)
    at_ten = values.moment_us("2024-03-01T10:00:00Z")
    assert micro[:3].tolist() == [at_ten, at_ten, at_ten]
    assert micro[3] == at_ten - 10 * 3_600_000_000
    assert micro[4] == at_ten + 123_456  # digits beyond microseconds are dropped, not rounded
    assert bad.tolist() == [False] * 5 + [True, True, True, False, False, False]
    assert (micro[5:] == values.NOT_A_MOMENT).all()


@pytest.mark.parametrize("as_given", [list, lambda v: pd.Series(v, dtype="str"), lambda v: pd.Series(v, dtype=object)])
def test_a_number_of_up_to_four_digits_is_no_moment_through_either_door(as_given) -> None:
    """ISO 8601 reads ``3000`` as the year 3000: a totals line's count (``Total,3000``) would be a lead
    created ten centuries ahead."""
    micro, bad, _ = values.moments(as_given(["3000", "2024", "7", "2024-03-01", "45352.6042"]))
    assert bad.tolist() == [True, True, True, False, False]
    assert micro[3] == values.moment_us("2024-03-01T00:00:00Z")
    with pytest.raises(ValueError, match="is not a moment"):
        values.moment_us("2024")


@pytest.mark.parametrize("as_given", [list, lambda v: pd.Series(v, dtype="str"), lambda v: pd.Series(v, dtype=object)])
def test_dotted_dates_are_read_day_first_as_german_exports_write_them(as_given) -> None:
    """01.03.2024 is the 1st of March wherever dots are written; a slashed form or a two-digit year could be
    either way round or any century, and no such day stays no such day."""
    raw = ["01.03.2024", "1.3.2024 10:00", "01.03.2024 10:00:30", "31.12.2025", "31.02.2024", "01.03.24",
           "03/01/2024", "2024-03-01T10:00:00Z"]
    micro, bad, _ = values.moments(as_given(raw))
    midnight = values.moment_us("2024-03-01")
    assert micro[:4].tolist() == [midnight, midnight + 36_000_000_000, midnight + 36_030_000_000,
                                  values.moment_us("2025-12-31")]
    assert bad.tolist() == [False] * 4 + [True, True, True, False]
    assert values.unparseable_moment("31.02.2024") == ("unparseable timestamp '31.02.2024' "
                                                       "(expected ISO 8601 or DD.MM.YYYY)")


@pytest.mark.parametrize("as_given", [list, lambda v: pd.Series(v, dtype="str"), lambda v: pd.Series(v, dtype=object)])
def test_a_files_slashed_dates_are_read_in_the_order_its_column_shows(as_given) -> None:
    """US exports write month first, British and French ones day first: a date with a number over 12 tells the
    column's order; a column that never tells, or tells both, is not guessed (a request's values of one field are
    such a column: tests/features/test_records.py)."""
    us = ["3/1/2024 2:30 PM", "12/31/2025", "03/01/2024 14:30:15", "3/1/2024 12:05 am", "02/30/2024",
          "2024-03-01T10:00:00Z", None]
    micro, bad, _ = values.moments(as_given(us), exported=True)
    midnight = values.moment_us("2024-03-01")
    assert micro[:4].tolist() == [midnight + 52_200_000_000, values.moment_us("2025-12-31"),
                                  midnight + 52_215_000_000, midnight + 300_000_000]
    assert bad.tolist() == [False] * 4 + [True, False, False]  # no 30th of February either way round
    uk = ["13/01/2024", "03/01/2024 14:30", "1/3/2024"]
    micro, bad, _ = values.moments(as_given(uk), exported=True)
    assert micro.tolist() == [values.moment_us("2024-01-13"), values.moment_us("2024-01-03T14:30"),
                              values.moment_us("2024-03-01")] and not bad.any()
    for untold in (["03/01/2024", "11/12/2024"], ["13/01/2024", "12/31/2024"]):  # neither way, both ways
        assert values.moments(as_given(untold), exported=True)[1].all()
    assert values.moments(as_given(uk))[1][:3].all()  # a moment given alone (as_of): ISO 8601 or dotted only
    # a two-digit year in an exported column is this century's, dotted or slashed; a moment given alone is not
    short = ["01.03.24", "1.3.24 14:30", "3/1/24 2:30 PM", "12/31/24", "31.02.24"]
    micro, bad, shown = values.moments(as_given(short), exported=True)
    assert micro[:4].tolist() == [midnight, midnight + 52_200_000_000, midnight + 52_200_000_000,
                                  values.moment_us("2024-12-31")]
    assert bad.tolist() == [False] * 4 + [True] and next(iter(shown)) == "01.03.24"  # messages name it as given
    assert values.moments(as_given(short))[1].all()
    assert values.unparseable_moment("03/01/2024") == (
        "unparseable timestamp '03/01/2024' (month or day first? Slashed dates are read in the order their column "
        "(a file's column, a request's values of the field) shows by a number over 12; else write ISO 8601 or "
        "DD.MM.YYYY)")


@pytest.mark.parametrize(("raw", "read"), [
    ("Mar 01, 2024 02:30 PM", "2024-03-01T14:30"), ("01-Mar-2024", "2024-03-01"), ("1 March 2024", "2024-03-01"),
    ("March 1, 2024", "2024-03-01"), ("1. März 2024 14:30", "2024-03-01T14:30"), ("01. Mär. 2024", "2024-03-01"),
    ("3. Okt 2024", "2024-10-03"), ("Dez 24, 2024 11:59:59 pm", "2024-12-24T23:59:59"),
    # a weekday beside the month, as e-mail headers and some reports write it (RFC 2822), and GMT after it
    ("Fri, 01 Mar 2024 14:30:00 GMT", "2024-03-01T14:30"), ("Freitag, 1. März 2024", "2024-03-01"),
    ("Sat Mar 02 2024", "2024-03-02"),
    # no day, another word, no such day: not guessed
    ("Mar 2024", None), ("1 Mar 2024 Berlin", None), ("31 Feb 2024", None),
])
def test_a_files_dates_may_name_their_month_in_english_or_german(raw: str, read: str | None) -> None:
    micro, bad, _ = values.moments(pd.Series([raw, "2024-01-02"]), exported=True)
    assert micro[1] == values.moment_us("2024-01-02")
    if read is None:
        assert bad[0]
    else:
        assert not bad[0] and micro[0] == values.moment_us(read)
    assert values.moments([raw])[1][0]  # a request's moments: ISO 8601 or dotted only


@pytest.mark.parametrize(("raw", "read"), [
    ("2024-03-01 14:30:00 UTC", "2024-03-01T14:30"), ("2024-03-01 14:30:00UTC", "2024-03-01T14:30"),
    ("2024-03-01T14:30:00.5 utc", "2024-03-01T14:30:00.5"), ("01.03.2024 14:30 GMT", "2024-03-01T14:30"),
    ("2024-03-01 GMT", "2024-03-01"),
    # Europe's zones, in English and German: each name is one offset
    ("2024-03-01 14:30:00 CET", "2024-03-01T13:30"), ("2024-07-01 14:30 CEST", "2024-07-01T12:30"),
    ("01.03.2024 14:30 MEZ", "2024-03-01T13:30"), ("01.07.2024 14:30:00 mesz", "2024-07-01T12:30"),
    ("2024-03-01 14:30 WET", "2024-03-01T14:30"), ("2024-07-01 14:30 EEST", "2024-07-01T11:30"),
    # an offset of its own beside the name, or a name that stands for zones apart: not guessed
    ("2024-03-01T14:30:00+01:00 UTC", None), ("2024-03-01 14:30:00 +0100 GMT", None), ("2024-03-01T14:30Z UTC", None),
    ("2024-03-01T14:30:00+01:00 CET", None), ("2024-03-01 14:30:00 EST", None), ("2024-03-01 14:30:00 CST", None),
    ("2024-03-01 14:30:00 IST", None), ("UTC", None), ("March UTC", None), ("CET", None),
])
def test_a_zone_name_after_a_moment_is_read_by_both_doors_where_it_names_one_offset(raw: str, read: str | None
                                                                                   ) -> None:
    """BigQuery writes its timestamps ``2024-03-01 14:30:00 UTC``, German exports ``… 14:30 MEZ``: the name
    says the offset. ``CST`` (US Central or China) and ``IST`` (India, Ireland, Israel) say none."""
    for exported in (False, True):
        for as_given in (list, lambda v: pd.Series(v, dtype="str")):
            micro, bad, shown = values.moments(as_given([raw, "2024-01-02"]), exported=exported)
            assert micro[1] == values.moment_us("2024-01-02") and next(iter(shown)) == raw
            if read is None:
                assert bad[0], (raw, exported)
            else:
                assert not bad[0] and micro[0] == values.moment_us(read), (raw, exported)  # no offset: UTC


@pytest.mark.parametrize("exported", [False, True])
@pytest.mark.parametrize("as_given", [list, lambda v: pd.Series(v, dtype="str"), lambda v: pd.Series(v, dtype=object)])
def test_unix_times_are_read_by_their_digits(as_given, exported: bool) -> None:
    """Intercom exports seconds, HubSpot's API milliseconds: ten digits are seconds and thirteen milliseconds
    from 2000 to 2100; a lead's moment outside those years, or another count of digits, is no Unix time."""
    raw = ["1709303400", "1709303400123", " 1709303400 ", "0709303400", "9999999999999", "170930340", "1709303400.5",
           "20240301"]
    micro, bad, _ = values.moments(as_given(raw), exported=exported)
    at = values.moment_us("2024-03-01T14:30:00Z")
    assert micro[:3].tolist() == [at, at + 123_000, at]
    assert bad.tolist() == [False] * 3 + [True] * 4 + [False]  # 20240301 is ISO 8601's basic date
    assert values.unparseable_moment("0709303400") == (
        "unparseable timestamp '0709303400' (expected ISO 8601, DD.MM.YYYY, Unix time (10 digits: seconds, 13: "
        "milliseconds) or a spreadsheet's day number (5 digits), 2000 to 2100)")
    assert phrases.message(values.unparseable_moment("0709303400"), "de") == (
        "Zeitangabe '0709303400' nicht lesbar (erwartet: ISO 8601, TT.MM.JJJJ, Unix-Zeit (10 Ziffern: Sekunden, 13: "
        "Millisekunden) oder die Tageszahl einer Tabellenkalkulation (5 Ziffern), 2000 bis 2100)")


@pytest.mark.parametrize("exported", [False, True])
@pytest.mark.parametrize("as_given", [list, lambda v: pd.Series(v, dtype="str"), lambda v: pd.Series(v, dtype=object)])
def test_a_spreadsheet_s_day_numbers_are_read_as_dates_from_2000_to_2100(as_given, exported: bool) -> None:
    """Excel and Google Sheets hold a date in a number-formatted cell as days since 1899-12-30 (the 1900 date
    system), the time of day as the fraction (read to the second): five digits are such a day number."""
    raw = ["45352", "45352.6041667", " 45352.5 ", "45352.604166666664", "36525", "73051", "4535.25", "453520",
           "45352.", "45,352"]
    micro, bad, _ = values.moments(as_given(raw), exported=exported)
    day = values.moment_us("2024-03-01T00:00:00Z")
    assert micro[:4].tolist() == [day, values.moment_us("2024-03-01T14:30:00Z"), day + 12 * 3_600_000_000,
                                  values.moment_us("2024-03-01T14:30:00Z")]
    assert bad.tolist() == [False] * 4 + [True] * 6  # 1999-12-31, 2100-01-01, other digit counts, no number
    assert "spreadsheet's day number" in values.unparseable_moment("36525")


def test_a_typed_unix_time_column_of_a_parquet_export_is_read_as_its_text_is() -> None:
    micro, bad, _ = values.moments(pd.Series([1709303400000, None], dtype="Int64"), exported=True)
    assert micro[0] == values.moment_us("2024-03-01T14:30:00Z") and not bad.any()


@pytest.mark.parametrize(("raw", "read"), [
    ("Email Opened", "email_open"), ("Clicked Link in Email", "email_click"), ("Filled Out Form", "form_submit"),
    ("Visited Web Page", "page_view"), ("Registered for Webinar", "webinar_registration"),
    ("Attended Webinar", "webinar_attendance"), ("Free Trial", "trial_signup"), ("Unsubscribed", "email_unsubscribe"),
    ("Demo angefragt", "demo_request"), ("Preisseite besucht", "pricing_page_view"), ("E-Mail geöffnet", "email_open"),
    ("Formular ausgefüllt", "form_submit"), ("Webinar teilgenommen", "webinar_attendance"),
    ("Page  View!", "page_view"),
    # types users named themselves, read by their words: what and what happened
    ("Requested a demo", "demo_request"), ("Demo gebucht", "demo_request"), ("Free trial started", "trial_signup"),
    ("Testzugang angefordert", "trial_signup"), ("Viewed pricing", "pricing_page_view"),
    ("E-Book heruntergeladen", "content_download"), ("Downloaded whitepaper", "content_download"),
    ("Webinar joined", "webinar_attendance"), ("Newsletter abbestellt", "email_unsubscribe"),
    ("Clicked email link", "email_click"), ("Newsletter geöffnet", "email_open"), ("Contact us form", "form_submit"),
    ("Kontaktanfrage", "form_submit"), ("Newsletter-Anmeldung", "form_submit"), ("Page viewed", "page_view"),
    # Marketo's "Visit Webpage", Pardot's "Form Success", Mailchimp's "unsub"
    ("Visit Webpage", "page_view"), ("Form Success", "form_submit"), ("unsub", "email_unsubscribe"),
    # a tester's vendor exports, counted as other before: Marketo, Dynamics 365, Pardot, HubSpot, Salesforce, Zoho
    ("Attend Event", "webinar_attendance"), ("Event Check-in", "webinar_attendance"),
    ("Register for Event", "webinar_registration"), ("Event Registration", "webinar_registration"),
    ("File access", "content_download"), ("Document Viewed", "content_download"), ("Form Handler", "form_submit"),
    ("Landing Page success", "form_submit"), ("Demo Completed", "meeting_held"), ("Meetings", "meeting_held"),
    ("Termin", "meeting_held"), ("Demo durchgeführt", "meeting_held"),
    # what the sales rep did, a step before the contract's event, or one generic word: not guessed, counted as other
    ("Email", "email"), ("Call", "call"), ("Meeting Booked", "meeting_booked"), ("Email Sent", "email_sent"),
    ("Demo", "demo"), ("Link geklickt", "link_geklickt"), ("Trial expired", "trial_expired"),
    ("Pricing email sent", "pricing_email_sent"), ("Angebot angefordert", "angebot_angefordert"),
    ("Termin vereinbart", "termin_vereinbart"), ("Appointment", "appointment"), ("Event", "event"),
])
def test_export_names_of_activities_are_read_as_the_contract_type_they_name(raw: str, read: str) -> None:
    assert values.activity_type(raw) == read
    assert values.is_contract_activity(read) == (read in ACTIVITY_TYPES)


@pytest.mark.parametrize(("raw", "read"), [
    ("DemoRequest", "demo_request"), ("emailOpen", "email_open"), ("PricingPageView", "pricing_page_view"),
    ("MeetingHeld", "meeting_held"), ("webinarAttended", "webinar_attendance"), ("FormSubmission", "form_submit"),
    ("CTAClick", "ctaclick"),  # no contract type in its words either: counted as other, as before
])
def test_camel_case_event_names_are_read_by_their_words(raw: str, read: str) -> None:
    """Tracking tools and APIs name events in camelCase; the words are read apart only when the name as
    written is no contract type (a known name never changes its reading)."""
    assert values.activity_type(raw) == read
    assert values.activity_type(read) == read


@pytest.mark.parametrize(("raw", "read"), [
    # a generic type made specific by what it was about (Marketo's Primary Attribute Value)
    ("Visit Webpage: https://acme.com/pricing", "pricing_page_view"),
    ("Visit Webpage: acme.com/preise", "pricing_page_view"),
    ("Visit Webpage: https://acme.com/careers", "page_view"), ("Fill Out Form: Demo Request", "demo_request"),
    ("Visit Webpage: https://acme.com/blog/pricing-strategies-for-saas", "page_view"),  # a post about prices
    ("Visit Webpage: acme.com/pricing?utm_source=x", "pricing_page_view"),
    ("Fill Out Form: Free Trial", "trial_signup"), ("Fill Out Form: Whitepaper Download", "content_download"),
    ("Fill Out Form: Newsletter Signup", "form_submit"), ("Fill Out Form: Pricing Request Form", "form_submit"),
    # a specific type keeps its reading whatever its detail says: a click on a "Book a demo" link is a click
    ("Click Email: Book a demo", "email_click"), ("Open Email: Pricing update", "email_open"),
    # an unknown type read by its detail's words, else named by its type alone (not one type per detail)
    ("Change Program Status: Webinar > Attended", "webinar_attendance"),
    ("Interesting Moment: Web: Visited pricing page", "pricing_page_view"),
    ("Change Score: +10", "change_score"), ("Add to List: Q3 campaign", "add_to_list"),
    ("https://acme.com/pricing", "https_acme_com_pricing"),  # no "type: detail" text
])
def test_an_activity_type_with_what_it_was_about_is_read_as_the_type_that_says_most(raw: str, read: str) -> None:
    assert values.activity_type(raw) == read


def test_a_warehouse_s_decimals_are_numbers_and_its_dates_are_midnight_utc() -> None:
    """``NUMERIC(18,2)`` and ``DATE`` columns of a Parquet export arrive as ``Decimal`` and ``date`` objects."""
    assert values.amount(Decimal("9750000.00")) == (9_750_000.0, None)
    assert values.amount(Decimal("-5")) == (None, values.NEGATIVE) and values.amount(Decimal("NaN")) == (None, None)
    assert values.text(Decimal("1200.00")) == "1200" and values.number(Decimal("3.25")) == 3.25
    micro, bad, _ = values.moments(pd.Series([date(2025, 3, 1), None], dtype=object))
    assert micro[0] == values.moment_us("2025-03-01T00:00:00Z") and micro[1] == values.NOT_A_MOMENT
    assert not bad.any()


def test_typed_moments_are_taken_as_they_are_and_a_naive_one_means_utc() -> None:
    typed = pd.Series(pd.to_datetime(["2024-03-01 10:00", None]))
    micro, bad, _ = values.moments(typed)
    assert micro[0] == values.moment_us("2024-03-01T10:00:00Z") and micro[1] == values.NOT_A_MOMENT
    assert not bad.any()


@pytest.mark.parametrize(("raw", "read"), [("1", 1.0), ("ja", 1.0), (" Yes ", 1.0), ("false", 0.0), ("nein", 0.0),
                                           ("0", 0.0), ("maybe", None), ("", None)])
def test_flags_read_english_and_german(raw: str, read: float | None) -> None:
    assert values.flag(raw) == read


@pytest.mark.parametrize(("raw", "decimal_comma", "read"), [
    ("1,573", False, 1573.0), ("1,234,567.5", False, 1234567.5), ("1.328", False, 1.328), ("1,5", False, None),
    ("1.328", True, 1328.0), ("1.234.567,5", True, 1234567.5), ("1,573", True, 1.573), ("1.5", True, 1.5),
    ("0.234", True, 0.234), ("12,345 %", False, 12345.0), ("1,23", False, None), ("1,2345", False, None),
])
def test_a_number_of_unknown_meaning_is_read_in_the_convention_of_the_spreadsheet_that_wrote_it(
        raw: str, decimal_comma: bool, read: float | None) -> None:
    """US Excel groups with ``,`` (``1,573``); German Excel, which saves ``;``-separated files, groups with ``.`` and
    writes a decimal comma (``1.328`` is 1328 there, ``1.5`` still 1.5)."""
    assert values.number(raw, decimal_comma=decimal_comma) == read


def test_plain_numbers_refuse_leading_zeros_and_a_stray_cell_is_tolerated_only_where_asked() -> None:
    column = pd.Series([str(i) for i in range(200)] + ["#VALUE!"] * 4)
    assert not values.numeric_column(column) and values.numeric_column(column, stray_share=values.STRAY_SHARE)
    assert not values.numeric_column([*column.head(10).tolist(), "#VALUE!"], stray_share=values.STRAY_SHARE)
    zips = [str(z) for z in range(10001, 10200)] + ["02115"]  # a column of codes: one leading zero says so
    assert not values.numeric_column(zips, stray_share=values.STRAY_SHARE)


@pytest.mark.parametrize(("column", "default", "comma"), [
    (["1.578", "0.77", "2.5"], True, False),  # a ';' file whose column writes points: 0.77 reads only so
    (["9,0", "2.023,5", "12"], False, True),  # a tab-separated German export: 9,0 reads only as a decimal comma
    (["1.578", "12"], True, True), (["1.578", "12"], False, False),  # nothing decides: the file's convention
    (["12 %", "12,5 %"], False, True), (["$1,250,000.00", "$2.5"], True, False),
])
def test_a_column_s_decimal_mark_is_the_one_its_own_values_show(column: list[str], default: bool,
                                                                comma: bool) -> None:
    """As a column's slashed dates show their order, its numbers show their decimal mark whenever one value reads
    only one way; the file's separator decides only for a column of values that read both ways."""
    assert values.decimal_comma_column(column, default) == comma

    assert values.number("1.5") == 1.5 and values.number("1e3") == 1000.0
    assert values.number("1,5") is None and values.number("1,5", decimal_comma=True) == 1.5
    assert values.number("01067") is None  # a postal code, not a number
    # a share as report exports write it: the number as written, so a column of them is numeric, not a category
    assert values.number("12.5%") == 12.5 and values.number("12,5 %", decimal_comma=True) == 12.5
    assert values.numeric_column(pd.Series(["12.5%", "3%", None])) and values.number("%") is None
    assert values.number(float("inf")) is None and values.number(7) == 7.0
    assert not values.numeric_column(pd.Series(["1", "2", "01067"], dtype="str"))
    assert values.numeric_column(pd.Series(["1", "2.5", None], dtype="str"))


@pytest.mark.parametrize(("raw", "read"), [("$14,803,000.00", 14_803_000.0), ("EUR 1.250.000,00", 1_250_000.0),
                                           ("1.250 €", 1_250.0), ("USD 1,500", 1_500.0), ("$1.5", 1.5),
                                           ("$", None), ("€ viel", None)])
def test_an_amount_written_with_its_currency_is_a_number_of_a_column_of_unknown_meaning(raw: str,
                                                                                      read: float | None) -> None:
    """A flat table's or an extra column's ``$14,803,000.00`` (Dynamics 365) is the amount, not text: the currency
    says that the marks group digits, as in a contract amount (without one, ``1.234`` stays 1.234)."""
    assert values.number(raw) == read and values.number(raw, decimal_comma=True) == read
    assert values.number(raw) == (values.amount(raw)[0] if read is not None else None)
    assert values.numeric_column(pd.Series(["$14,803,000.00", "$950.00", None])) and values.number("1.234") == 1.234


def test_text_reads_numbers_as_a_csv_holds_them_and_objects_as_no_text() -> None:
    assert values.text(12.0) == "12" and values.text(1.5) == "1.5" and values.text(7) == "7"
    assert values.text(True) == "true" and values.text(math.nan) is None and values.text(" k.A. ") is None
    assert values.text(b"bytes") is None and values.text(["list"]) is None


@st.composite
def _iso_like(draw: st.DrawFn) -> str:
    """Text near the ISO 8601 forms: every field over and beyond its range, each separator and offset form."""
    def number(low: int, high: int, width: int) -> str:
        return f"{draw(st.integers(low, high)):0{width}d}"

    text = f"{number(0, 9999, 4)}-{number(0, 13, 2)}-{number(0, 32, 2)}"
    if draw(st.booleans()):
        text += draw(st.sampled_from(["T", " ", "t", "_"])) + f"{number(0, 25, 2)}:{number(0, 61, 2)}"
        if draw(st.booleans()):
            text += f":{number(0, 61, 2)}"
            if draw(st.booleans()):
                text += "." + draw(st.text(alphabet="0123456789", min_size=1, max_size=9))
        text += draw(st.sampled_from(["", "Z", "z", "+", "-"]))
        if text[-1] in "+-":
            text += f"{number(0, 25, 2)}{draw(st.sampled_from([':', '']))}{number(0, 61, 2)}"
    return draw(st.sampled_from(["", " "])) + text


@settings(max_examples=400, deadline=None)  # 1,000 took 21 s of the suite's ten minutes; the forms are few
@given(texts=st.lists(_iso_like(), min_size=1, max_size=6))
def test_a_request_s_moments_are_read_as_a_file_s_moments_are(texts: list[str]) -> None:
    # a request's few moments skip pandas' parser for the common ISO forms; the column form always uses it
    listed, listed_bad, _ = values.moments(texts)
    column, column_bad, _ = values.moments(pd.Series(texts, dtype=object))
    assert listed.tolist() == column.tolist()
    assert listed_bad.tolist() == column_bad.tolist()
    for text in texts:  # and each text alone, whatever the others are
        assert values.moments([text])[0].tolist() == values.moments(pd.Series([text], dtype=object))[0].tolist()
