"""Specification of the vendor mappings (features/mappings.py): Salesforce and HubSpot exports loaded
onto the contract.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from features.loading import DataContractError, load_event_data
from features.mappings import contract_renames


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
    leads = make_file("sf_leads.csv", "LeadKey,CreatedDate\n1,2024-03-01\n")

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


# --- a mapping file of the user's own -------------------------------------------------------------

MY_CRM = '''
[leads.columns]
lead_id = "Lead-Nr."
created_at = "Erstellt am"
lead_source = ["Quelle", "Kanal"]
converted_at = "Opportunity am"

[leads.values.lead_source]
"Empfehlung" = "referral"

[activities.columns]
lead_id = "Lead-Nr."
occurred_at = "Datum"
activity_type = "Aktivität"

[activities.values.activity_type]
"Rückruf erbeten" = "demo_request"
'''


def test_an_export_of_another_crm_is_read_with_the_users_own_mapping_file(make_columns, tmp_path):
    mapping = tmp_path / "my_crm.toml"
    mapping.write_text(MY_CRM, encoding="utf-8")
    leads = make_columns("kontakte.csv", {"Lead-Nr.": ["K1", "K2"], "Erstellt am": ["01.03.2024", "2024-03-02"],
                                          "Quelle": ["EMPFEHLUNG", ""], "Kanal": ["Messe", "Messe"],
                                          "Opportunity am": ["15.04.2024", ""]})
    activities = make_columns("aktivitaeten.csv", {"Lead-Nr.": ["K1", "K2"], "Datum": ["05.03.2024", "06.03.2024"],
                                                    "Aktivität": ["Rückruf erbeten", "Webseitenbesuch"]})

    data, report = load_event_data(leads, activities, mapping=str(mapping))

    assert data.leads["lead_id"].tolist() == ["K1", "K2"]
    assert data.leads["lead_source"].tolist() == ["referral", "Messe"]  # translated; the first with a value wins
    assert data.activities["activity_type"].tolist() == ["demo_request", "page_view"]
    assert data.conversions["lead_id"].tolist() == ["K1"] and not report.rejected


def test_times_without_an_offset_are_read_in_the_mapping_s_time_zone_by_files_and_requests(make_columns, tmp_path):
    """A German CRM writes Berlin's local time without an offset: ``31.12.2025 23:30`` is 22:30 UTC, so a nightly
    run at midnight Berlin time (23:00 UTC) counts that demo; read as UTC it fell after the moment and was
    dropped. A time with its own offset, and a request's, are read as written; both doors agree."""
    from features.mappings import recorded_mapping
    from features.records import read_records

    mapping = tmp_path / "berlin.toml"
    mapping.write_text('timezone = "Europe/Berlin"\n' + MY_CRM, encoding="utf-8")
    leads = make_columns("kontakte.csv", {"Lead-Nr.": ["K1", "K2"], "Erstellt am": ["01.07.2025 10:00", "01.12.2025"],
                                          "Quelle": ["", ""], "Kanal": ["Messe", "Messe"], "Opportunity am": ["", ""]})
    activities = make_columns("aktivitaeten.csv", {"Lead-Nr.": ["K1", "K2", "K2"],
                                                    "Datum": ["31.12.2025 23:30", "31.12.2025 23:30",
                                                              "2025-12-31T23:30:00Z"],
                                                    "Aktivität": ["Rückruf erbeten"] * 3})

    data, report = load_event_data(leads, activities, mapping=str(mapping))

    utc = pd.to_datetime(["2025-07-01T08:00:00Z", "2025-11-30T23:00:00Z"]).tolist()  # summer +2, winter +1
    assert data.leads["created_at"].tolist() == utc
    assert data.activities["occurred_at"].dt.strftime("%H:%M").tolist() == ["22:30", "22:30", "23:30"]
    assert "read as Europe/Berlin time" in report.to_text()
    read = read_records([{"lead_id": "K1", "created_at": "01.07.2025 10:00", "activities": [
        {"occurred_at": "2025-12-31 23:30", "activity_type": "demo_request"},
        {"occurred_at": "2025-12-31T23:30:00+00:00", "activity_type": "demo_request"}]}],
        mapping=recorded_mapping(str(mapping)))
    assert read.batch.created_us.tolist() == [pd.Timestamp(utc[0]).value // 1000]
    assert pd.to_datetime(read.batch.activities.occurred_us, unit="us").strftime("%H:%M").tolist() == ["22:30",
                                                                                                     "23:30"]
    bad = tmp_path / "bad.toml"
    bad.write_text('timezone = "Berlin"\n' + MY_CRM, encoding="utf-8")
    with pytest.raises(ValueError, match="timezone 'Berlin' is not a time zone name"):
        load_event_data(leads, activities, mapping=str(bad))


MARKETO = '''
[leads.columns]
lead_id = "Id"
created_at = "Created At"
email = "Email Address"

[activities.columns]
occurred_at = "Activity Date"
activity_type = "Activity Type"
activity_detail = "Primary Attribute Value"
email = "Person - Email"

[conversions.columns]
converted_at = "Deal - Won time"
email = "Person - Email"
'''


def test_a_marketing_tool_s_activity_detail_and_e_mail_keys_are_read_through_a_mapping(make_columns, tmp_path):
    """Marketo logs "Visit Webpage" with the page in another column, and a CRM's deals name the person by
    e-mail: the mapping says so, the page makes a pricing page view, activities and conversions find their lead
    by address, and no report line shows an address (an unknown one is "(an e-mail address)")."""
    mapping = tmp_path / "marketo.toml"
    mapping.write_text(MARKETO, encoding="utf-8")
    leads = make_columns("people.csv", {"Id": ["1", "2"], "Created At": ["2024-03-01", "2024-03-02"],
                                        "Email Address": ["ana@acme.com", "bo@beta.de"]})
    activities = make_columns("activity_log.csv", {
        "Activity Date": ["2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08"],
        "Activity Type": ["Visit Webpage", "Fill Out Form", "Visit Webpage", "Visit Webpage"],
        "Primary Attribute Value": ["https://acme.com/pricing", "Demo Request", "", "/blog"],
        "Person - Email": ["ANA@acme.com", "bo@beta.de", "bo@beta.de", "eve@gamma.io"]})
    deals = make_columns("deals.csv", {"Deal - Won time": ["2024-04-01", "2024-04-02"],
                                       "Person - Email": ["bo@beta.de", "zed@nowhere.org"]})

    data, report = load_event_data(leads, activities, deals, mapping=str(mapping))

    assert data.activities["activity_type"].tolist() == ["pricing_page_view", "demo_request", "page_view"]
    assert data.activities["lead_id"].tolist() == ["1", "2", "2"]
    assert data.conversions["lead_id"].tolist() == ["2"]
    shown = report.to_text() + " ".join(f"{i.value} {i.reason}" for i in (*report.rejected, *report.warnings))
    assert "@" not in shown
    assert any("1 row keyed by an e-mail address that no lead of" in note for note in report.id_notes())
    [deal] = report.unread_conversion_notes()  # scoring says so too: the lead it meant is scored as open
    assert "deals.csv: 1 row not used, so the leads they meant are scored as open" in deal and "@" not in deal
    assert "Primary Attribute Value" not in report.ignored_columns["activities"]


@pytest.mark.parametrize(("text", "message"), [
    ("[leads.columns]\nlead = 'Lead-Nr.'\n", r"\[leads\] 'lead' is not a contract column; the leads table has lead_id"),
    ("[kontakte.columns]\nlead_id = 'Nr'\n", r"\[kontakte\] is not a table leadscore reads"),
    ("[leads.columns\n", r"cannot read the mapping file"),
])
def test_a_mapping_file_that_cannot_be_used_says_why(tmp_path, text, message):
    mapping = tmp_path / "my_crm.toml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_event_data(tmp_path / "none.csv", mapping=str(mapping))


def test_a_mapping_that_is_neither_a_vendor_nor_a_file_names_what_to_give(tmp_path):
    with pytest.raises(ValueError, match=r"unknown mapping 'pipedrive'; give hubspot, salesforce or a \.toml file"):
        load_event_data(tmp_path / "none.csv", mapping="pipedrive")


def test_a_header_crm_exports_give_a_contract_column_is_read_as_it_and_the_contracts_own_name_wins() -> None:
    assert contract_renames(["Created Date", "Last Modified Date", "Title", "Country/Region"], "leads") == {
        "Created Date": "created_at", "Title": "job_title", "Country/Region": "country"}
    # the contract's name written otherwise before a synonym, an earlier synonym before a later one
    assert contract_renames(["Source", "Lead-Source", "Date Created", "Created Date"], "leads") == {
        "Lead-Source": "lead_source", "Created Date": "created_at"}
    assert contract_renames(["lead_source", "Source"], "leads") == {}  # the contract's own name is there
    assert contract_renames(["Activity Date", "Created Date", "Type", "Contact ID"], "activities") == {
        "Activity Date": "occurred_at", "Type": "activity_type", "Contact ID": "lead_id"}
    assert contract_renames(["mql_id", "won_date", "seller_id"], "conversions") == {
        "mql_id": "lead_id", "won_date": "converted_at"}
    assert contract_renames(["Id", "Mitarbeiter"], "activities") == {}  # an activity's own id; a person
    # a German CRM's lead number names the lead in each of its files
    for table in ("leads", "activities", "conversions"):
        assert contract_renames(["Lead-Nr.", "Datum"], table)["Lead-Nr."] == "lead_id", table
        assert contract_renames(["Kontakt-ID", "Datum"], table)["Kontakt-ID"] == "lead_id", table
    # a German HubSpot portal's contacts export: its Record ID; in an activities file that is the activity's
    assert contract_renames(["Datensatz-ID", "Erstellungsdatum"], "leads") == {
        "Datensatz-ID": "lead_id", "Erstellungsdatum": "created_at"}
    assert "Datensatz-ID" not in contract_renames(["Datensatz-ID", "Kontakt-ID"], "activities")
    # Dynamics 365's Excel export: the lead's GUID in a hidden column; its checksum and modification time are no
    # contract column
    assert contract_renames(["(Do Not Modify) Lead", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
                             "Created On", "Lead Source", "No. of Employees"], "leads") == {
        "(Do Not Modify) Lead": "lead_id", "Created On": "created_at", "Lead Source": "lead_source",
        "No. of Employees": "employee_count"}
