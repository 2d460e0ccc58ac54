"""Specification of the loader (features/loading.py, features/mappings.py) against the data contract.

Every test builds the few rows it needs in ``tmp_path``; the real x_education export is read from
``../shared/datasets`` when it is there.
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.contract import LEAD_COLUMNS
from features.loading import (
    DataContractError,
    DataReport,
    load_event_data,
    load_flat_table,
    read_table,
    write_table,
)

X_EDUCATION = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "x_education" / "leads.csv"

MakeFile = Callable[[str, str], Path]


@pytest.fixture
def make_file(tmp_path: Path) -> MakeFile:
    """Write a small hand-made file (dedented text) into tmp_path and return its path."""

    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return make


@pytest.fixture
def leads_csv(make_file: MakeFile) -> Path:
    return make_file(
        "leads.csv",
        """
        lead_id,created_at,lead_source,email,company,industry,employee_count,annual_revenue,country,job_title
        L1,2024-03-01T10:00:00Z,web_form,anna@acme.de,ACME GmbH,Software,120,5000000,DE,Head of Marketing
        L2,2024-03-02T11:00:00Z,webinar,ben@gmail.com,Beta AG,Retail,8,,AT,Werkstudent Vertrieb
        L3,2024-03-03T12:00:00Z,referral,cleo@gamma.ch,Gamma SA,,45,1200000,CH,Geschäftsführer
        """,
    )


@pytest.fixture
def activities_csv(make_file: MakeFile) -> Path:
    return make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-04T09:00:00Z,page_view
        L1,2024-03-05T09:00:00Z,pricing_page_view
        L2,2024-03-06T09:00:00Z,email_open
        """,
    )


@pytest.fixture
def conversions_csv(make_file: MakeFile) -> Path:
    return make_file("conversions.csv", "lead_id,converted_at\nL1,2024-04-01T00:00:00Z\n")


def issues_for(report: DataReport, path: Path) -> list:
    return [issue for issue in report.rejected if issue.file == str(path)]


# --- event mode: clean data -----------------------------------------------------------------------


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


def test_csv_with_semicolon_separator_and_bom_is_read(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes("\ufefflead_id;created_at;company\nL1;2024-03-01;Müller, Meier & Co\n".encode())

    data, _ = load_event_data(path)

    assert data.leads[["lead_id", "company"]].values.tolist() == [["L1", "Müller, Meier & Co"]]


def test_parquet_written_by_write_table_loads_back_identically(leads_csv, tmp_path):
    original, _ = load_event_data(leads_csv)
    parquet = write_table(original.leads.drop(columns="source_row"), tmp_path / "leads.parquet")

    reloaded, report = load_event_data(parquet)

    pd.testing.assert_frame_equal(reloaded.leads, original.leads)
    assert report.rejected == []


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


@pytest.mark.parametrize(
    ("raw", "reason"), [("viele", "not a number"), ("-12", "negative"), ("50-100", "not a number")]
)
def test_unusable_amount_becomes_missing_with_a_warning_and_the_row_is_kept(make_file, raw, reason):
    leads = make_file("leads.csv", f"lead_id,created_at,employee_count\nL1,2024-03-01,{raw}\n")

    data, report = load_event_data(leads)

    assert data.leads["employee_count"].isna().tolist() == [True]
    [warning] = report.warnings
    assert (warning.row, warning.field, warning.value, warning.lead_id) == (1, "employee_count", raw, "L1")
    assert reason in warning.reason


# --- event mode: rejected rows and fatal problems ------------------------------------------------


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
    assert issue.reason == "unparseable timestamp '31.02.2024' (expected ISO 8601)"


def test_missing_lead_id_value_rejects_the_row(make_file):
    leads = make_file("leads.csv", "lead_id,created_at\n,2024-03-01\nL2,2024-03-01\n")

    _, report = load_event_data(leads)

    [issue] = report.rejected
    assert (issue.row, issue.field, issue.reason) == (1, "lead_id", "missing required value")


def test_missing_required_column_is_fatal_and_names_file_and_column(make_file):
    leads = make_file("leads.csv", "lead_id,created\nL1,2024-03-01\n")

    with pytest.raises(DataContractError, match=r"leads\.csv.*'created_at'"):
        load_event_data(leads)


def test_missing_required_activity_column_is_fatal_and_names_file_and_column(leads_csv, make_file):
    activities = make_file("activities.csv", "lead_id,occurred_at,type\nL1,2024-03-04,page_view\n")

    with pytest.raises(DataContractError, match=r"activities\.csv.*'activity_type'"):
        load_event_data(leads_csv, activities)


@pytest.mark.parametrize(("name", "content"), [("leads.csv", ""), ("leads.csv", "lead_id,created_at\n")])
def test_empty_leads_file_is_fatal(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    with pytest.raises(DataContractError, match=r"leads\.csv"):
        load_event_data(path)


def test_unsupported_file_type_is_fatal(tmp_path):
    path = tmp_path / "leads.json"
    path.write_text("[]")

    with pytest.raises(DataContractError, match=r"leads\.json.*\.csv, \.parquet or \.xlsx"):
        read_table(path)


def test_a_damaged_excel_file_is_fatal_with_what_to_do(tmp_path):
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"PK")

    with pytest.raises(DataContractError, match=r"leads\.xlsx: cannot read Excel file .*export it as CSV"):
        read_table(path)


def test_an_excel_export_loads_like_its_csv(tmp_path, leads_csv, activities_csv):
    """The first sheet of an .xlsx is read as text cells, exactly as the same table saved as CSV."""
    frame = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    excel = tmp_path / "leads.xlsx"
    frame.to_excel(excel, index=False, engine="openpyxl")

    from_csv, report_csv = load_event_data(leads_csv, activities_csv)
    from_excel, report_excel = load_event_data(excel, activities_csv)

    pd.testing.assert_frame_equal(from_excel.leads, from_csv.leads)
    assert report_excel.rows_kept == report_csv.rows_kept


def test_csv_row_with_more_fields_than_the_header_is_rejected_not_fatal(make_file):
    leads = make_file("leads.csv", "lead_id,created_at,company\nL1,2024-03-01,ACME\nL2,2024-03-01,ACME, Inc\n")

    data, report = load_event_data(leads)

    assert data.leads["lead_id"].tolist() == ["L1"]
    [issue] = report.rejected
    assert (issue.row, issue.field) == (2, "*")
    assert "4 fields" in issue.reason


def test_activities_for_unknown_leads_are_counted_not_kept(leads_csv, make_file):
    activities = make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-04T09:00:00Z,page_view
        X9,2024-03-04T09:00:00Z,page_view
        X9,2024-03-05T09:00:00Z,email_open
        """,
    )

    data, report = load_event_data(leads_csv, activities)

    assert data.activities["lead_id"].tolist() == ["L1"]
    assert report.unknown_lead_activities == 2
    assert report.unknown_lead_ids_sample == ["X9"]


def test_duplicate_activity_rows_are_dropped_and_counted(leads_csv, make_file):
    activities = make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-04T09:00:00Z,page_view
        L1,2024-03-04T09:00:00Z,page_view
        L1,2024-03-04T09:00:00Z,email_open
        """,
    )

    data, report = load_event_data(leads_csv, activities)

    assert data.activities["activity_type"].tolist() == ["page_view", "email_open"]
    assert report.duplicate_activity_rows == 1
    assert [(issue.row, issue.reason) for issue in report.rejected] == [
        (2, "exact duplicate of row 1 (same lead, time, type)")
    ]


def test_unknown_activity_types_are_kept_and_counted_and_spellings_are_normalised(leads_csv, make_file):
    activities = make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-04T09:00:00Z,Page View
        L1,2024-03-05T09:00:00Z,Webinar Attended
        L2,2024-03-05T09:00:00Z,webinar attended
        """,
    )

    data, report = load_event_data(leads_csv, activities)

    assert data.activities["activity_type"].tolist() == ["page_view", "webinar_attended", "webinar_attended"]
    assert report.unknown_activity_types == {"webinar_attended": 2}


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


def test_declared_extra_column_that_is_absent_is_fatal(leads_csv):
    with pytest.raises(DataContractError, match=r"leads\.csv.*'visits'"):
        load_event_data(leads_csv, extra_columns=["visits"])


def test_conversion_for_unknown_lead_is_rejected_and_a_second_conversion_keeps_the_earliest(leads_csv, make_file):
    conversions = make_file(
        "conversions.csv",
        """
        lead_id,converted_at
        L1,2024-05-01
        X9,2024-04-01
        L1,2024-04-01
        """,
    )

    data, report = load_event_data(leads_csv, conversions=conversions)

    assert data.conversions.values.tolist() == [["L1", pd.Timestamp("2024-04-01", tz="UTC")]]
    reasons = {issue.row: issue.reason for issue in report.rejected}
    assert reasons[2] == "lead_id not in leads"
    assert reasons[1].startswith("lead already converted at 2024-04-01T00:00:00+00:00 (row 3)")


def test_training_without_conversions_file_is_fatal(leads_csv, activities_csv):
    with pytest.raises(DataContractError, match="no conversions at all: cannot learn what converts"):
        load_event_data(leads_csv, activities_csv, for_training=True)


def test_training_with_no_usable_conversion_is_fatal_and_says_why(leads_csv, make_file):
    conversions = make_file("conversions.csv", "lead_id,converted_at\nX9,2024-04-01\n")

    with pytest.raises(DataContractError, match=r"no conversions at all.*conversions\.csv.*lead_id"):
        load_event_data(leads_csv, conversions=conversions, for_training=True)


def test_every_input_row_is_kept_or_rejected_exactly_once(make_file):
    leads = make_file(
        "leads.csv",
        """
        lead_id,created_at,employee_count
        L1,2024-03-01,10
        L1,2024-03-02,viele
        ,2024-03-02,3
        L3,gestern,3
        L4,,3
        ,,
        L5,2024-03-02,3,extra
        L6,2024-03-02,3
        """,
    )
    activities = make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-04T09:00:00Z,page_view
        L1,2024-03-04T09:00:00Z,page_view
        L3,2024-03-04T09:00:00Z,page_view
        L6,not a time,page_view
        L6,2024-03-04T09:00:00Z,
        L6,2024-03-04T09:00:00Z,Demo Request
        """,
    )
    conversions = make_file("conversions.csv", "lead_id,converted_at\nL1,2024-04-01\nL1,2024-04-02\nL4,2024-04-02\n")

    data, report = load_event_data(leads, activities, conversions)

    for table, path in (("leads", leads), ("activities", activities), ("conversions", conversions)):
        rows = [issue.row for issue in issues_for(report, path)]
        assert len(rows) == len(set(rows)), f"{table}: a row has more than one issue"
        assert report.rows_read[table] == report.rows_kept[table] + len(rows), table
    assert report.rows_kept == {"leads": 2, "activities": 2, "conversions": 1}
    assert len(data.leads) == 2 and len(data.activities) == 2 and len(data.conversions) == 1
    assert report.rejected_per_table() == {"leads": 6, "activities": 4, "conversions": 2}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lead_rows=st.lists(
        st.tuples(st.sampled_from(["L1", "L2", "L3", "", "NA"]), st.sampled_from(["2024-03-01", "", "03/01/24"])),
        min_size=1,
        max_size=12,
    ),
    activity_rows=st.lists(
        st.tuples(
            st.sampled_from(["L1", "L2", "X9", ""]),
            st.sampled_from(["2024-03-04T09:00:00Z", "2024-03-05", "bad", ""]),
            st.sampled_from(["page_view", "Page View", "fax", ""]),
        ),
        max_size=12,
    ),
)
def test_row_accounting_holds_for_any_mix_of_faults(tmp_path, lead_rows, activity_rows):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\n" + "".join(f"{i},{t}\n" for i, t in lead_rows), encoding="utf-8")
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "lead_id,occurred_at,activity_type\n" + "".join(f"{i},{t},{a}\n" for i, t, a in activity_rows),
        encoding="utf-8",
    )

    _, report = load_event_data(leads, activities)

    for table, path in (("leads", leads), ("activities", activities)):
        rows = Counter(issue.row for issue in issues_for(report, path))
        assert all(count == 1 for count in rows.values())
        assert report.rows_read[table] == report.rows_kept[table] + sum(rows.values())


# --- report --------------------------------------------------------------------------------------


def test_report_text_summarises_rows_rejections_and_columns(leads_csv, make_file):
    activities = make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type,note
        L1,2024-03-04T09:00:00Z,fax,x
        X9,2024-03-04T09:00:00Z,page_view,y
        """,
    )

    _, report = load_event_data(leads_csv, activities)
    text = report.to_text()

    assert "leads" in text and "3 rows read, 3 kept, 0 rejected" in text
    assert "2 rows read, 1 kept, 1 rejected" in text
    assert "row 2, lead_id: lead_id not in leads" in text
    assert "Activities for unknown leads (skipped): 1 (e.g. X9)" in text
    assert "fax (1)" in text
    assert "activities: note" in text
    assert "leads.industry 33%" in text


def test_report_dict_is_json_serialisable(leads_csv, make_file):
    activities = make_file("activities.csv", "lead_id,occurred_at,activity_type\nX9,2024-03-04,page_view\n")
    _, report = load_event_data(leads_csv, activities)

    restored = json.loads(json.dumps(report.to_dict()))

    assert restored["rows_rejected"] == {"leads": 0, "activities": 1}
    assert restored["rejected"][0]["lead_id"] == "X9"


# --- vendor mappings -----------------------------------------------------------------------------


@pytest.fixture
def make_columns(tmp_path: Path) -> Callable[[str, dict[str, list[str]]], Path]:
    """Write a CSV given column by column (readable for wide vendor exports); return its path."""

    def make(name: str, columns: dict[str, list[str]]) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(zip(*columns.values(), strict=True))
        return path

    return make


@pytest.fixture
def salesforce_leads(make_columns) -> Path:
    """A Salesforce Lead export: two converted leads, one of them without a ConvertedDate."""
    return make_columns(
        "sf_leads.csv",
        {
            "Id": ["00Q5g000001AAA1", "00Q5g000001AAA2", "00Q5g000001AAA3"],
            "CreatedDate": [
                "2024-03-01T10:00:00.000+0000",
                "2024-03-02T11:30:00.000+0000",
                "2024-03-03T08:00:00.000+0000",
            ],
            "LeadSource": ["Web", "Purchased List", "Trade Show"],
            "Email": ["anna@acme.de", "ben@beta.at", "cleo@gamma.ch"],
            "Company": ["ACME GmbH", "Beta AG", "Gamma SA"],
            "Industry": ["Manufacturing", "Retail", ""],
            "NumberOfEmployees": ["120", "8", "45"],
            "AnnualRevenue": ["5000000", "", ""],
            "Country": ["Germany", "Austria", ""],
            "CountryCode": ["DE", "", "CH"],
            "Title": ["Head of Marketing", "CEO", "CTO"],
            "Status": ["Open", "Qualified", "Qualified"],
            "IsConverted": ["false", "true", "true"],
            "ConvertedDate": ["", "2024-04-15", ""],
        },
    )


def test_salesforce_lead_export_is_mapped_onto_the_contract(salesforce_leads):
    data, report = load_event_data(salesforce_leads, mapping="salesforce")

    leads = data.leads
    assert leads["lead_id"].tolist() == ["00Q5g000001AAA1EAO", "00Q5g000001AAA2EAO", "00Q5g000001AAA3EAO"]  # 18 chars
    assert leads["created_at"].tolist()[1] == pd.Timestamp("2024-03-02T11:30:00Z")
    assert leads["lead_source"].tolist() == ["web_form", "outbound", "Trade Show"]  # value map, else as written
    assert leads["country"].tolist() == ["DE", "Austria", "CH"]  # CountryCode preferred, Country as fallback
    assert leads["job_title"].tolist() == ["Head of Marketing", "CEO", "CTO"]
    assert report.ignored_columns["leads"] == ["Status"]


def test_salesforce_conversions_come_from_the_lead_export(salesforce_leads):
    data, report = load_event_data(salesforce_leads, mapping="salesforce", for_training=True)

    assert data.conversions.values.tolist() == [["00Q5g000001AAA2EAO", pd.Timestamp("2024-04-15", tz="UTC")]]
    assert {"ConvertedDate", "IsConverted", "converted_at", "is_converted"}.isdisjoint(data.leads.columns)
    [warning] = report.warnings
    assert (warning.row, warning.field) == (3, "IsConverted")


def test_salesforce_task_export_maps_who_dates_and_types(salesforce_leads, make_columns):
    tasks = make_columns(
        "sf_tasks.csv",
        {
            "Id": ["00T1", "00T2", "00T3"],
            "WhoId": ["00Q5g000001AAA1", "00Q5g000001AAA1", "003000000000001"],
            "Subject": ["Discovery", "Follow-up", "Hello"],
            "Type": ["Meeting", "", "Email"],
            "TaskSubtype": ["Task", "Call", "Email"],
            "ActivityDate": ["2024-03-20", "2024-03-30", ""],
            "CreatedDate": [
                "2024-03-08T08:00:00.000+0000",
                "2024-03-09T08:00:00.000+0000",
                "2024-03-09T09:00:00.000+0000",
            ],
            "CompletedDateTime": ["2024-03-10T15:00:00.000+0000", "", ""],
        },
    )

    data, report = load_event_data(salesforce_leads, tasks, mapping="salesforce")

    assert data.activities.values.tolist() == [
        ["00Q5g000001AAA1EAO", pd.Timestamp("2024-03-10T15:00:00Z"), "meeting_held"],
        ["00Q5g000001AAA1EAO", pd.Timestamp("2024-03-09T08:00:00Z"), "sales_call"],
    ]
    assert report.unknown_lead_activities == 1  # a Contact's task is not a lead's
    assert report.unknown_activity_types == {"sales_call": 1}


def test_salesforce_missing_id_column_names_the_vendor_column(make_file):
    leads = make_file("sf_leads.csv", "LeadId,CreatedDate\n1,2024-03-01\n")

    with pytest.raises(DataContractError, match=r"sf_leads\.csv.*'lead_id'.*'Id'"):
        load_event_data(leads, mapping="salesforce")


def test_hubspot_contacts_export_is_mapped_with_sources_and_opportunity_dates(make_columns):
    contacts = make_columns(
        "hubspot.csv",
        {
            "Record ID": ["101", "102", "103"],
            "First Name": ["Anna", "Ben", "Cleo"],
            "Create Date": ["2024-03-01 10:00", "2024-03-02 12:00", "2024-03-03 08:00"],
            "Original Source": ["ORGANIC_SEARCH", "Offline Sources", "Direct traffic"],
            "Email": ["anna@acme.de", "ben@beta.at", "cleo@gamma.ch"],
            "Company Name": ["ACME GmbH", "Beta AG", "Gamma SA"],
            "Industry": ["SOFTWARE", "RETAIL", ""],
            "Number of Employees": ["120", "8", ""],
            "Annual Revenue": ["5000000", "", ""],
            "Country/Region": ["Germany", "Austria", "Switzerland"],
            "Job Title": ["Head of Marketing", "CEO", "CTO"],
            "Lifecycle Stage": ["opportunity", "lead", "lead"],
            "Became an Opportunity Date": ["2024-04-01 09:00", "", ""],
        },
    )

    data, report = load_event_data(contacts, mapping="hubspot", for_training=True)

    assert data.leads["lead_id"].tolist() == ["101", "102", "103"]
    assert data.leads["lead_source"].tolist() == ["organic_search", "offline", "web_form"]
    assert data.leads["company"].tolist() == ["ACME GmbH", "Beta AG", "Gamma SA"]
    assert data.leads["employee_count"].tolist()[:2] == [120.0, 8.0]
    assert data.conversions.values.tolist() == [["101", pd.Timestamp("2024-04-01T09:00:00Z")]]
    assert report.ignored_columns["leads"] == ["First Name", "Lifecycle Stage"]


# --- flat mode -----------------------------------------------------------------------------------


@pytest.fixture
def flat_semicolon(make_file: MakeFile) -> Path:
    """A German-style flat export: ';' separator, decimal comma, ja/nein outcome."""
    return make_file(
        "flat.csv",
        """
        Kunden-ID;Besuche;Verweildauer;Quelle;Konvertiert
        K1;3;1,5;Google;ja
        K2;;2,25;Select;NEIN
        K3;7;0,5;Messe;Ja
        K4;1;3;Google;
        """,
    )


def test_flat_table_with_semicolons_parses_labels_numbers_and_missing_markers(flat_semicolon):
    data, report = load_flat_table(flat_semicolon, label="Konvertiert", id_column="Kunden-ID")

    assert data.label.dtype == np.int8 and data.label.tolist() == [1, 0, 1]
    assert data.ids.tolist() == ["K1", "K2", "K3"]
    assert data.source_row.tolist() == [1, 2, 3]
    assert data.features["Verweildauer"].tolist() == [1.5, 2.25, 0.5]
    assert data.features["Besuche"].dtype == "float64"
    assert data.features["Quelle"].isna().tolist() == [False, True, False]
    assert list(data.features.columns) == ["Besuche", "Verweildauer", "Quelle"]
    [issue] = report.rejected
    assert (issue.row, issue.field, issue.reason, issue.lead_id) == (4, "Konvertiert", "missing required value", "K4")


def test_flat_label_accepts_yes_no_and_true_false(make_file):
    table = make_file("flat.csv", "x,won\n1,yes\n2,No\n3,TRUE\n4,false\n5,1\n6,0\n")

    data, _ = load_flat_table(table, label="won")

    assert data.label.tolist() == [1, 0, 1, 0, 1, 0]
    assert data.ids.tolist() == ["1", "2", "3", "4", "5", "6"]


def test_flat_label_with_one_class_is_fatal(make_file):
    table = make_file("flat.csv", "x,won\n1,no\n2,no\n3,maybe\n")

    with pytest.raises(DataContractError, match=r"flat\.csv.*'won'.*one class"):
        load_flat_table(table, label="won")


def test_flat_missing_label_column_is_fatal_for_training_and_optional_for_scoring(make_file):
    table = make_file("flat.csv", "x,y\n1,a\n")

    with pytest.raises(DataContractError, match=r"flat\.csv.*'won'"):
        load_flat_table(table, label="won")
    data, _ = load_flat_table(table, label="won", for_training=False)
    assert data.label is None and list(data.features.columns) == ["x", "y"]


def test_flat_duplicate_ids_reject_the_later_rows(make_file):
    table = make_file("flat.csv", "id,x,won\nA,1,1\nB,2,0\nA,3,0\n")

    data, report = load_flat_table(table, label="won", id_column="id")

    assert data.ids.tolist() == ["A", "B"]
    [issue] = report.rejected
    assert (issue.row, issue.reason) == (3, "duplicate id (first seen in row 1)")


def test_flat_time_and_drop_columns_are_not_features(make_file):
    table = make_file("flat.csv", "id,created,tags,x,won\nA,2024-03-01T10:00:00+01:00,hot,1,1\nB,2024-03-02,cold,2,0\n")

    data, report = load_flat_table(table, label="won", id_column="id", time_column="created", drop=["tags"])

    assert list(data.features.columns) == ["x"]
    assert data.times.tolist() == [pd.Timestamp("2024-03-01T09:00:00Z"), pd.Timestamp("2024-03-02T00:00:00Z")]
    assert report.ignored_columns["table"] == ["tags"]


def test_flat_drop_column_absent_is_fatal_for_training_but_fine_for_scoring(make_file):
    table = make_file("flat.csv", "x,won\n1,1\n2,0\n")

    with pytest.raises(DataContractError, match=r"flat\.csv.*'Tags'"):
        load_flat_table(table, label="won", drop=["Tags"])
    data, _ = load_flat_table(table, label=None, drop=["Tags"], for_training=False)
    assert list(data.features.columns) == ["x", "won"]


@pytest.fixture
def x_education() -> Path:
    if not X_EDUCATION.is_file():
        pytest.skip(f"real export not available: {X_EDUCATION} is absent (see ../shared/README.md)")
    return X_EDUCATION


def test_flat_mode_loads_the_real_x_education_export(x_education):
    data, report = load_flat_table(x_education, label="Converted", id_column="Prospect ID")

    assert report.rows_read == {"table": 9240} and report.rows_kept == {"table": 9240}
    assert set(data.label.tolist()) == {0, 1}
    assert data.ids.iloc[0] == "7927b2df-8bba-4d29-b9a2-b6e0beafe620"
    assert {"Prospect ID", "Converted"}.isdisjoint(data.features.columns)
    specialization = data.features["Specialization"]
    assert specialization.isna().any() and not specialization.eq("Select").any()
    assert data.features["TotalVisits"].dtype == "float64"
    assert report.ignored_columns["table"] == ["(unnamed column 38)"]  # the header's trailing comma


# --- writing -------------------------------------------------------------------------------------


class _Unwritable:
    """A cell value that fails when a writer turns it into text."""

    def __str__(self) -> str:
        raise RuntimeError("cannot be written")

    __repr__ = __str__


def test_write_table_is_atomic_when_writing_fails(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("previous content\n", encoding="utf-8")
    frame = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "note": ["ok", _Unwritable(), "ok"]})

    with pytest.raises(RuntimeError, match="cannot be written"):
        write_table(frame, target)

    assert target.read_text(encoding="utf-8") == "previous content\n"
    assert [path.name for path in tmp_path.iterdir()] == ["scores.csv"]


def test_write_table_csv_round_trips_through_the_loader(leads_csv, tmp_path):
    original, _ = load_event_data(leads_csv)
    written = write_table(original.leads.drop(columns="source_row"), tmp_path / "out" / "leads.csv")

    reloaded, _ = load_event_data(written)

    pd.testing.assert_frame_equal(reloaded.leads, original.leads)
