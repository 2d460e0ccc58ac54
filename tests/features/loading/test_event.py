"""Specification of event-mode loading (features/loading/event.py) against the data contract: clean
data, values read by the contract's rules, rejected rows and fatal problems.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from features.contract import LEAD_COLUMNS
from features.loading import DataContractError, load_event_data


def test_clean_event_data_loads_with_contract_dtypes(leads_csv, activities_csv, conversions_csv):
    data, report = load_event_data(leads_csv, activities_csv, conversions_csv)

    assert list(data.leads.columns) == [*LEAD_COLUMNS, "source_row"]
    assert data.leads["lead_id"].dtype == "str"
    assert data.leads["created_at"].dtype == "datetime64[us, UTC]"
    assert data.leads["employee_count"].dtype == "float64"
    assert data.leads["annual_revenue"].dtype == "float64"
    assert data.leads["job_title"].tolist() == ["Head of Marketing", "Werkstudent Vertrieb", "Geschäftsführer"]
    assert data.leads["source_row"].tolist() == [1, 2, 3]
    assert data.activities.dtypes.astype(str).to_dict() == {
        "lead_id": "str",
        "occurred_at": "datetime64[us, UTC]",
        "activity_type": "str",
    }
    assert data.conversions.dtypes.astype(str).to_dict() == {"lead_id": "str", "converted_at": "datetime64[us, UTC]"}
    assert report.rejected == [] and report.warnings == []


def test_timestamps_with_offsets_become_utc_and_without_offset_mean_utc(make_file):
    leads = make_file(
        "leads.csv",
        """
        lead_id,created_at
        L1,2024-03-01T10:00:00+02:00
        L2,2024-03-01 10:00:00
        L3,2024-03-01T10:00:00.000+0000
        L4,2024-03-01
        """,
    )

    data, _ = load_event_data(leads)

    assert data.leads["created_at"].tolist() == [
        pd.Timestamp("2024-03-01T08:00:00Z"),
        pd.Timestamp("2024-03-01T10:00:00Z"),
        pd.Timestamp("2024-03-01T10:00:00Z"),
        pd.Timestamp("2024-03-01T00:00:00Z"),
    ]


def test_missing_markers_become_missing(make_file):
    leads = make_file(
        "leads.csv",
        """
        lead_id,created_at,industry,job_title,country
        L1,2024-03-01,Select,k.A.,
        L2,2024-03-01, N/A ,unknown,de
        """,
    )

    data, _ = load_event_data(leads)

    assert data.leads[["industry", "job_title"]].isna().all().all()
    assert data.leads["country"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234", 1234.0),
        ("1.234", 1234.0),  # German thousands separator, not 1.234
        ("1,234", 1234.0),
        ("1.234.567,50", 1234567.5),
        ("1,234,567.50", 1234567.5),
        ("1 234", 1234.0),
        ("1,5", 1.5),
        ("2.5", 2.5),
        ("0.234", 0.234),
        ("1234.567", 1234.567),
        ("5000 €", 5000.0),
    ],
)
def test_amounts_accept_german_and_english_grouping(make_file, raw, expected):
    leads = make_file("leads.csv", f'lead_id,created_at,annual_revenue\nL1,2024-03-01,"{raw}"\n')

    data, report = load_event_data(leads)

    assert data.leads["annual_revenue"].tolist() == [expected]
    assert report.warnings == []


def test_revenue_in_another_currency_than_euros_is_read_as_written_and_said_once(make_file):
    """The contract's revenue is in euros; Dynamics 365 writes ``$1,250,000.00``. It is read as written, not
    converted (no rates at run time), and the data report and the score run say so, once per file."""
    leads = make_file("leads.csv", 'lead_id,created_at,annual_revenue\nL1,2024-03-01,"$1,250,000.00"\n'
                                   'L2,2024-03-01,"USD 900,000"\nL3,2024-03-01,"EUR 2.000.000"\nL4,2024-03-01,5000\n')

    data, report = load_event_data(leads)

    assert data.leads["annual_revenue"].tolist() == [1_250_000.0, 900_000.0, 2_000_000.0, 5000.0]
    [note] = report.currency_notes
    assert "2 annual_revenue values are written in USD" in note and "without conversion" in note
    assert note in report.scoring_notes() and note in report.to_text()
    assert load_event_data(make_file("eur.csv", "lead_id,created_at,annual_revenue\nL1,2024-03-01,5000 €\n"))[
        1].currency_notes == []


@pytest.mark.parametrize(
    ("raw", "reason"), [("viele", "not a number"), ("-12", "negative"), ("k.A.-Wert", "not a number")]
)
def test_unusable_amount_becomes_missing_with_a_warning_and_the_row_is_kept(make_file, raw, reason):
    leads = make_file("leads.csv", f"lead_id,created_at,employee_count\nL1,2024-03-01,{raw}\n")

    data, report = load_event_data(leads)

    assert data.leads["employee_count"].isna().tolist() == [True]
    [warning] = report.warnings
    assert (warning.row, warning.field, warning.value, warning.lead_id) == (1, "employee_count", raw, "L1")
    assert reason in warning.reason


def test_duplicate_lead_id_keeps_the_first_and_rejects_the_later_naming_both_rows(make_file):
    leads = make_file(
        "leads.csv",
        """
        lead_id,created_at
        L1,2024-03-01
        L2,2024-03-02
        L1,2024-03-03
        """,
    )

    data, report = load_event_data(leads)

    assert data.leads["created_at"].tolist()[0] == pd.Timestamp("2024-03-01", tz="UTC")
    [issue] = report.rejected
    assert (issue.file, issue.row, issue.field, issue.lead_id) == (str(leads), 3, "lead_id", "L1")
    assert "first seen in row 1" in issue.reason


def test_unparseable_timestamp_rejects_the_row_with_its_number(make_file):
    leads = make_file("leads.csv", "lead_id,created_at\nL1,2024-03-01\nL2,31.02.2024\n")

    data, report = load_event_data(leads)

    assert data.leads["lead_id"].tolist() == ["L1"]
    [issue] = report.rejected
    assert (issue.row, issue.field, issue.value) == (2, "created_at", "31.02.2024")
    assert issue.reason == "unparseable timestamp '31.02.2024' (expected ISO 8601 or DD.MM.YYYY)"


def assert_same_tables(data, twin) -> None:
    """Two loads of one history in different forms: the same leads, activities and conversions, frame for frame."""
    for table in ("leads", "activities", "conversions"):
        pd.testing.assert_frame_equal(getattr(data, table), getattr(twin, table))


def test_a_german_export_loads_as_its_iso_twin(make_file):
    """Semicolons, decimal commas and dotted day-first dates, as Excel writes a German CRM export."""
    german = load_event_data(
        make_file("leads.csv", "lead_id;created_at;annual_revenue\nL1;01.03.2024 09:30;1.500.000,50\n"
                               "L2;2.4.2024;\n"),
        make_file("activities.csv", "lead_id;occurred_at;activity_type\nL1;15.03.2024 14:05:09;Demo Request\n"),
        make_file("conversions.csv", "lead_id;converted_at\nL1;30.04.2024\n"))
    iso = load_event_data(
        make_file("leads_iso.csv", "lead_id,created_at,annual_revenue\nL1,2024-03-01T09:30:00Z,1500000.50\n"
                                   "L2,2024-04-02,\n"),
        make_file("activities_iso.csv", "lead_id,occurred_at,activity_type\nL1,2024-03-15 14:05:09,demo_request\n"),
        make_file("conversions_iso.csv", "lead_id,converted_at\nL1,2024-04-30\n"))

    assert_same_tables(german[0], iso[0])
    assert not german[1].rejected and not german[1].warnings


def test_a_us_export_loads_as_its_iso_twin(make_file):
    """Month-first slashed dates with a 12-hour clock, as a US CRM report writes them: each file's columns show
    the order (a 31st, a 13th) and are read by it; a file whose dates never show it names the fix."""
    us = load_event_data(
        make_file("leads.csv", "lead_id,created_at\nL1,3/1/2024 9:30 AM\nL2,12/31/2024 11:15 PM\n"),
        make_file("activities.csv", "lead_id,occurred_at,activity_type\nL1,03/15/2024 2:05:09 PM,Demo Request\n"
                                    "L1,4/2/2024 10:00 AM,Page View\n"),
        make_file("conversions.csv", "lead_id,converted_at\nL1,4/30/2024\nL2,1/13/2025\n"))
    iso = load_event_data(
        make_file("leads_iso.csv", "lead_id,created_at\nL1,2024-03-01T09:30:00Z\nL2,2024-12-31 23:15\n"),
        make_file("activities_iso.csv", "lead_id,occurred_at,activity_type\nL1,2024-03-15 14:05:09,demo_request\n"
                                        "L1,2024-04-02T10:00:00Z,page_view\n"),
        make_file("conversions_iso.csv", "lead_id,converted_at\nL1,2024-04-30\nL2,2025-01-13\n"))
    assert_same_tables(us[0], iso[0])
    assert not us[1].rejected and not us[1].warnings

    untold = make_file("untold.csv", "lead_id,created_at\nL1,03/01/2024\nL2,2024-03-02\n")
    data, report = load_event_data(untold)
    [issue] = report.rejected
    assert (issue.row, issue.field, data.leads["lead_id"].tolist()) == (1, "created_at", ["L2"])
    assert "month or day first?" in issue.reason and "ISO 8601" in issue.reason


def test_slashed_dates_that_show_no_order_follow_the_leads_file_else_the_models_training_files(make_file):
    """An activities export whose dates never pass the 12th is read in the order the leads file shows; a whole
    incremental export of December 1–12 shows none at all and is read as the model's training files were
    (``date_order``), with a note. Without that order it is refused row by row, as before."""
    activities = make_file("activities.csv", "lead_id,occurred_at,activity_type\nL1,12/03/2024 4:47 AM,Demo Request\n"
                                             "L2,12/05/2024 6:50 PM,Page View\n")
    shown = make_file("leads.csv", "lead_id,created_at\nL1,11/20/2024 9:00 AM\nL2,12/01/2024 10:00 AM\n")
    data, report = load_event_data(shown, activities)
    assert report.date_order == "mdy" and not report.rejected
    assert data.activities["occurred_at"].tolist() == [pd.Timestamp("2024-12-03T04:47", tz="UTC"),
                                                       pd.Timestamp("2024-12-05T18:50", tz="UTC")]

    december = make_file("december.csv", "lead_id,created_at\nL1,12/01/2024 9:00 AM\nL2,12/02/2024 10:00 AM\n")
    refused = load_event_data(december, activities)[1]
    assert len(refused.rejected) == 4 and all("month or day first?" in i.reason for i in refused.rejected)
    data, report = load_event_data(december, activities, date_order="mdy")
    assert not report.rejected and report.date_order == "mdy"
    assert data.leads["created_at"].tolist() == [pd.Timestamp("2024-12-01T09:00", tz="UTC"),
                                                 pd.Timestamp("2024-12-02T10:00", tz="UTC")]
    assert len(data.activities) == 2
    assert any("read month first, as the model's training files wrote them" in note for note in report.file_notes)
    # a file that shows its own order keeps it, whatever the model's files showed
    assert load_event_data(shown, activities, date_order="dmy")[1].date_order == "mdy"


def test_headers_that_name_contract_columns_in_other_words_are_read_as_them(make_file):
    """`Lead ID`, `Created At`, `E-Mail`, `LeadSource`: case, spaces, hyphens and underscores do not matter;
    messages name the header the file has, and the contract's own name wins over a look-alike."""
    leads = make_file("leads.csv", "Lead ID,Created At,E-Mail,LeadSource,lead_id\nX1,2024-03-01,a@b.de,Webinar,L1\n"
                                   "X2,,c@d.de,Referral,L2\n")
    activities = make_file("activities.csv", "Lead Id,OccurredAt,Activity Type\nL1,2024-03-02,Page View\n")

    data, report = load_event_data(leads, activities)

    assert data.leads["lead_id"].tolist() == ["L1"] and data.leads["lead_source"].tolist() == ["Webinar"]
    assert data.activities["activity_type"].tolist() == ["page_view"]
    [issue] = report.rejected
    assert (issue.row, issue.field, issue.reason) == (2, "Created At", "missing required value")
    assert "Lead ID" in report.ignored_columns["leads"]


def test_a_german_crm_export_with_its_own_headers_loads_without_a_mapping_file(make_file):
    """`Id`, `Erstellt am`, `Firma`, `Typ`, `Datum`, `Gewonnen am`: the names CRM exports give the contract's
    columns are read as them, and the report says so; a bare `Mitarbeiter` (in a German CRM as often the
    sales rep as the head count) and an activities file's own `Id` are not."""
    german = load_event_data(
        make_file("leads.csv", "Id;Erstellt am;Firma;Mitarbeiter;Mitarbeiterzahl;Leadquelle\n"
                               "L1;01.03.2024;Acme GmbH;Hans Weber;51-200 Mitarbeiter;Messe\n"),
        make_file("activities.csv", "Id;Lead Id;Typ;Datum\nA9;L1;Demo angefragt;15.03.2024 14:05\n"),
        make_file("conversions.csv", "Lead Id;Gewonnen am\nL1;30.04.2024\n"))
    iso = load_event_data(
        make_file("leads_iso.csv", "lead_id,created_at,company,employee_count,lead_source\n"
                                   "L1,2024-03-01,Acme GmbH,125.5,Messe\n"),
        make_file("activities_iso.csv", "lead_id,occurred_at,activity_type\nL1,2024-03-15T14:05:00Z,demo_request\n"),
        make_file("conversions_iso.csv", "lead_id,converted_at\nL1,2024-04-30\n"))
    assert_same_tables(german[0], iso[0])
    report = german[1]
    assert report.columns_read_as == {
        "leads": {"Id": "lead_id", "Erstellt am": "created_at", "Firma": "company",
                  "Mitarbeiterzahl": "employee_count", "Leadquelle": "lead_source"},
        "activities": {"Lead Id": "lead_id", "Typ": "activity_type", "Datum": "occurred_at"},
        "conversions": {"Lead Id": "lead_id", "Gewonnen am": "converted_at"}}
    assert report.ignored_columns["leads"] == ["Mitarbeiter"] and report.ignored_columns["activities"] == ["Id"]
    assert "Columns read as the contract's: leads 'Id' as lead_id, 'Erstellt am' as created_at" in report.to_text()


def test_missing_lead_id_value_rejects_the_row(make_file):
    leads = make_file("leads.csv", "lead_id,created_at\n,2024-03-01\nL2,2024-03-01\n")

    _, report = load_event_data(leads)

    [issue] = report.rejected
    assert (issue.row, issue.field, issue.reason) == (1, "lead_id", "missing required value")


def test_missing_required_column_is_fatal_and_names_file_and_column(make_file):
    leads = make_file("leads.csv", "lead_id,last_modified\nL1,2024-03-01\n")

    with pytest.raises(DataContractError, match=r"leads\.csv.*'created_at'"):
        load_event_data(leads)


@pytest.mark.parametrize(("name", "content"), [("leads.csv", ""), ("leads.csv", "lead_id,created_at\n")])
def test_empty_leads_file_is_fatal(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    with pytest.raises(DataContractError, match=r"leads\.csv"):
        load_event_data(path)


def test_undeclared_extra_column_is_ignored_and_reported(make_file):
    leads = make_file("leads.csv", "lead_id,created_at,rating\nL1,2024-03-01,hot\n")

    data, report = load_event_data(leads)

    assert "rating" not in data.leads.columns
    assert report.ignored_columns["leads"] == ["rating"]


def test_declared_extra_columns_are_kept_numeric_or_text(make_file):
    leads = make_file(
        "leads.csv",
        """
        lead_id,created_at,visits,plz,rating
        L1,2024-03-01,3,01067,hot
        L2,2024-03-01,,80331,Select
        """,
    )

    data, report = load_event_data(leads, extra_columns=["visits", "plz", "rating"])

    assert data.leads["visits"].dtype == "float64"
    assert data.leads["plz"].tolist() == ["01067", "80331"]  # a leading zero makes it a code, not a number
    assert data.leads["rating"].isna().tolist() == [False, True]
    assert report.extra_columns == ["visits", "plz", "rating"]
    assert report.ignored_columns["leads"] == []


def test_a_declared_extra_column_of_numbers_is_read_in_the_decimal_mark_its_values_show_else_the_files(make_file):
    """As a flat table's column: ``2,5`` shows a German column (``1.328`` is then 1328), ``1561.0`` a US one;
    a column that shows neither is read as its file's separator says (``;``: German), and the report names the
    columns read with a decimal comma (a model records them, for requests whose values show no mark)."""
    leads = make_file("leads.csv", "lead_id,created_at,budget,visits,rating\nL1,2024-03-01,\"2,5\",1561.0,1.328\n"
                                   "L2,2024-03-01,1.328,\"1,328\",7\n")
    data, report = load_event_data(leads, extra_columns=["budget", "visits", "rating"])
    assert data.leads["budget"].tolist() == [2.5, 1328.0] and data.leads["visits"].tolist() == [1561.0, 1328.0]
    assert data.leads["rating"].tolist() == [1.328, 7.0]  # a comma-separated file: US
    assert report.decimal_comma_columns == ["budget"]
    german = make_file("german.csv", "lead_id;created_at;rating\nL1;2024-03-01;1.328\nL2;2024-03-01;7\n")
    data, report = load_event_data(german, extra_columns=["rating"])
    assert data.leads["rating"].tolist() == [1328.0, 7.0] and report.decimal_comma_columns == ["rating"]


def test_declared_extra_column_that_is_absent_is_fatal(leads_csv):
    with pytest.raises(DataContractError, match=r"leads\.csv.*'visits'"):
        load_event_data(leads_csv, extra_columns=["visits"])


def test_rows_dated_in_the_future_are_typos_rejected_by_name_when_training_says_when_now_is(make_file):
    """One ``2205`` for ``2025`` would stretch the history's monthly snapshots over two centuries: training
    passes the present as ``not_after``, and such rows are rejected naming the value (scoring passes none:
    there a lead created after ``as_of`` is an error row of its own)."""
    leads = make_file("leads.csv", "lead_id,created_at,Converted Date\nL1,2024-03-01,2205-01-01\n"
                                   "L2,2205-03-02,\nL3,2024-03-03,\n")
    activities = make_file("activities.csv", "lead_id,occurred_at,activity_type\nL1,2024-03-05,page_view\n"
                                             "L3,2250-03-05,page_view\n")
    conversions = make_file("conversions.csv", "lead_id,converted_at\nL3,2205-04-01\nL1,2024-04-01\n")
    now = datetime(2026, 12, 6, tzinfo=UTC)

    data, report = load_event_data(leads, activities, conversions, not_after=now)

    assert data.leads["lead_id"].tolist() == ["L1", "L3"] and len(data.activities) == 1
    assert data.conversions["lead_id"].tolist() == ["L1"]
    rejected = {(issue.file.rsplit("/", 1)[-1], issue.row): issue.reason for issue in report.rejected}
    assert rejected[("leads.csv", 2)] == "'2205-03-02' lies after 2026-12-06, in the future: a typo? row not used"
    assert rejected[("activities.csv", 2)].startswith("'2250-03-05' lies after 2026-12-06")
    assert rejected[("conversions.csv", 1)].startswith("'2205-04-01' lies after 2026-12-06")
    derived, report = load_event_data(leads, activities, not_after=now)  # the leads export's own dates: a warning
    assert derived.conversions.empty
    assert [w.reason for w in report.warnings] == [
        "'2205-01-01' lies after 2026-12-06, in the future: a typo? conversion not used"]
    as_scored, _ = load_event_data(leads, activities, conversions)
    assert len(as_scored.leads) == 3 and len(as_scored.activities) == 2
    typed = make_file("typed.csv", "").with_suffix(".parquet")  # a Parquet timestamp: no text to show, its ISO form
    pd.DataFrame({"lead_id": ["L1", "L2"], "created_at": pd.to_datetime(["2024-03-01", "2205-03-02"], utc=True)}
                 ).to_parquet(typed)
    _, report = load_event_data(typed, not_after=now)
    assert [issue.reason for issue in report.rejected] == [
        "'2205-03-02T00:00:00+00:00' lies after 2026-12-06, in the future: a typo? row not used"]


def test_an_id_written_as_another_export_writes_it_finds_its_lead_by_its_number(make_file):
    """A spreadsheet drops an id's leading zeros, pandas writes ``123.0``: an id not found as written is looked
    for by the whole number it writes, where exactly one lead writes it (``01`` and ``1`` both leads: neither)."""
    leads = make_file("leads.csv", "lead_id,created_at\n123,2024-03-01\n01,2024-03-01\n1,2024-03-01\n"
                                   "L7,2024-03-01\n")
    activities = make_file("activities.csv", "lead_id,occurred_at,activity_type\n00123,2024-03-05,page_view\n"
                                             "123.0,2024-03-06,page_view\n123,2024-03-07,page_view\n"
                                             "001,2024-03-05,page_view\nL7.0,2024-03-05,page_view\n")
    conversions = make_file("conversions.csv", "lead_id,converted_at\n123.00,2024-04-01\n")

    data, report = load_event_data(leads, activities, conversions)

    assert data.activities["lead_id"].tolist() == ["123", "123", "123"]
    assert data.activity_rows.tolist() == [0, 0, 0]
    assert data.conversions["lead_id"].tolist() == ["123"]
    assert report.ids_found_by_number == {"activities": 2, "conversions": 1}
    assert report.unknown_lead_activities == 2  # 001 (two leads write 1) and L7.0 (no number)
    assert f"{activities}: lead found by the number its id writes for 2 rows" in report.to_text()
