"""Vendor rules of features/mappings.py: Salesforce's 15/18-character Ids, HubSpot's employee ranges and its
engagement export read as activities, and a model's recorded mapping read by files and requests alike."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from features import values
from features.batch import LeadBatch
from features.catalogue import build_catalogue
from features.config import FeatureConfig
from features.loading import DataContractError, load_event_data
from features.mappings import employee_range, mapping_name, recorded_mapping, salesforce_id18
from features.pipeline import batch_features, feature_columns, to_frame
from features.records import read_records


@pytest.mark.parametrize(("short", "long"), [
    ("001A0000006Vm9r", "001A0000006Vm9rIAC"),  # Salesforce's own documented example
    ("00Q5g000001AAA1", "00Q5g000001AAA1EAO"),
    ("00q5g000001aaa1", "00q5g000001aaa1AAA"),  # all lower case: no bit set in any block
])
def test_a_15_character_id_gets_its_checksum(short, long):
    assert salesforce_id18(short) == long
    assert salesforce_id18(long) == long


def test_an_upper_cased_18_character_id_gets_its_case_back_from_the_checksum():
    assert salesforce_id18("001A0000006VM9RIAC") == "001A0000006Vm9rIAC"
    assert salesforce_id18("001a0000006vm9riac") == "001A0000006Vm9rIAC"
    # a 15-character Id that lost its case is a different Id: nothing can restore it, so it is not touched
    assert salesforce_id18("001A0000006VM9R") != "001A0000006Vm9rIAC"


@pytest.mark.parametrize("other", ["L0000001", "003000000000001X", "", None, 42])
def test_values_that_are_not_salesforce_ids_are_kept(other):
    assert salesforce_id18(other) == other


@pytest.mark.parametrize(("shown", "number"), [
    ("1-5", 3.0), ("25-50", 37.5), ("500-1000", 750.0), ("50 – 100", 75.0),  # a range: its midpoint
    ("1,000+", 1000.0), ("1000+", 1000.0), ("10,001+", 10001.0),  # open upwards: its lower bound
])
def test_hubspot_employee_ranges_become_numbers(shown, number):
    assert employee_range(shown) == number


@pytest.mark.parametrize("kept", ["120", "", "many", "50-25", None])
def test_what_is_not_a_range_is_left_to_the_amount_rule(kept):
    assert employee_range(kept) == kept


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_a_hubspot_contacts_export_reads_employee_ranges_instead_of_losing_them(tmp_path):
    contacts = _csv(tmp_path / "contacts.csv", pd.DataFrame({
        "Record ID": ["101", "102", "103", "104"],
        "Create Date": ["2024-03-01 10:00"] * 4,
        "Number of Employees": ["25-50", "1,000+", "7", ""],
    }))

    data, report = load_event_data(contacts, mapping="hubspot")

    assert data.leads["employee_count"].tolist()[:3] == [37.5, 1000.0, 7.0]
    assert report.missing_rates["leads"]["employee_count"] == 0.25  # only the empty one is missing


def test_hubspot_engagements_are_read_as_activities_of_their_contacts(tmp_path):
    contacts = _csv(tmp_path / "contacts.csv", pd.DataFrame({
        "Record ID": ["101", "102"], "Create Date": ["2024-03-01 10:00", "2024-03-02 10:00"]}))
    engagements = _csv(tmp_path / "engagements.csv", pd.DataFrame({
        "Activity ID": ["9001", "9002", "9003", "9004", "9005"],
        "hs_engagement_type": ["MEETING", "CALL", "INCOMING_EMAIL", "NOTE", "TASK"],
        "hs_timestamp": ["2024-03-05T09:00:00Z", "2024-03-04T16:30:00Z", "2024-03-06T08:00:00Z",
                         "2024-03-06T09:00:00Z", "2024-03-07T10:00:00.000Z"],
        "Associated Contact ID": ["101", "101", "102", "999", "102"],
    }))

    data, report = load_event_data(contacts, engagements, mapping="hubspot")

    assert data.activities.values.tolist() == [
        ["101", pd.Timestamp("2024-03-05T09:00:00Z"), "meeting_held"],
        ["101", pd.Timestamp("2024-03-04T16:30:00Z"), "sales_call"],
        ["102", pd.Timestamp("2024-03-06T08:00:00Z"), "email_reply"],
        ["102", pd.Timestamp("2024-03-07T10:00:00Z"), "sales_task"],
    ]
    assert report.unknown_lead_activities == 1  # the note's contact is not in the contacts export
    assert report.unknown_activity_types == {"sales_call": 1, "email_reply": 1, "sales_task": 1}
    # what a sales rep did is a known vendor activity, said apart from the truly unknown ones
    assert report.type_notes() == ["Unknown activity types (kept, counted as 'other'): email_reply (1)",
                                   "Sales activities (what a rep did) (kept, counted as 'other'): sales_call (1), "
                                   "sales_task (1)"]
    assert report.ignored_columns["activities"] == ["Activity ID"]


def test_salesforce_tasks_with_15_character_who_ids_match_leads_exported_with_18(tmp_path):
    leads = _csv(tmp_path / "Lead.csv", pd.DataFrame({
        "Id": ["00Q5g000001AAA1EAO", "00Q5g000001aaa2AAA"], "CreatedDate": ["2024-03-01T10:00:00.000+0000"] * 2}))
    tasks = _csv(tmp_path / "Task.csv", pd.DataFrame({
        "WhoId": ["00Q5g000001AAA1", "00q5g000001aaa2", "00Q5G000001AAA2"],  # the last: case lost, another Id
        "Type": ["Meeting", "Call", "Call"],
        "CreatedDate": ["2024-03-08T08:00:00.000+0000"] * 3,
    }))

    data, report = load_event_data(leads, tasks, mapping="salesforce")

    assert data.leads["lead_id"].tolist() == ["00Q5g000001AAA1EAO", "00q5g000001aaa2AAA"]
    assert data.activities["lead_id"].tolist() == ["00Q5g000001AAA1EAO", "00q5g000001aaa2AAA"]
    assert report.unknown_lead_activities == 1


def test_a_request_reads_vendor_values_through_the_models_mapping_as_its_export_was_read(tmp_path):
    """A model trained on a HubSpot export keeps its mapping: an API request that sends HubSpot's own picklist
    values (``REFERRALS``, ``MEETING``) gets the features the export's rows give, not ``other``."""
    contacts = _csv(tmp_path / "contacts.csv", pd.DataFrame({
        "Record ID": ["101", "102"], "Create Date": ["2024-03-01 10:00", "2024-03-02 10:00"],
        "Original Source": ["REFERRALS", "Offline sources"], "Number of Employees": ["25-50", "1,000+"]}))
    engagements = _csv(tmp_path / "engagements.csv", pd.DataFrame({
        "hs_engagement_type": ["MEETING", "CALL", "MEETING"],
        "hs_timestamp": ["2024-03-05T09:00:00Z", "2024-03-04T16:30:00Z", "2024-03-06T08:00:00Z"],
        "Associated Contact ID": ["101", "101", "102"]}))
    as_of = pd.Timestamp("2024-03-10T00:00:00Z")
    config = FeatureConfig()
    catalogue = build_catalogue(config)
    data, _ = load_event_data(contacts, engagements, mapping="hubspot")
    from_file = batch_features(LeadBatch.from_frames(data.leads, data.activities), as_of, config, catalogue)
    records = [{"lead_id": "101", "created_at": "2024-03-01 10:00", "lead_source": "REFERRALS",
                "employee_count": "25-50",
                "activities": [{"occurred_at": "2024-03-05T09:00:00Z", "activity_type": "MEETING"},
                               {"occurred_at": "2024-03-04T16:30:00Z", "activity_type": "CALL"}]},
               {"lead_id": "102", "created_at": "2024-03-02 10:00", "lead_source": "Offline sources",
                "employee_count": "1,000+",
                "activities": [{"occurred_at": "2024-03-06T08:00:00Z", "activity_type": "MEETING"}]}]

    recorded = recorded_mapping("hubspot")
    read = read_records(records, values.moment_us(as_of), mapping=recorded)
    from_request = to_frame(feature_columns(read.batch, as_of, config, catalogue), read.batch.lead_ids)
    unmapped = read_records(records, values.moment_us(as_of))

    assert recorded["name"] == "hubspot" and json.loads(json.dumps(recorded)) == recorded  # kept in the model
    assert from_file.loc[["101", "102"], "lead_source"].tolist() == ["referral", "offline"]
    for name in ("lead_source", "employee_count_log", "n_meeting_held_30d", "n_other_30d", "days_since_last_activity"):
        assert from_request[name].tolist() == from_file.loc[["101", "102"], name].tolist(), name
    assert from_request["n_meeting_held_30d"].tolist() == [1, 1]
    # without the model's mapping HubSpot's "referring websites" is not the referral channel: the API's answer before
    without = to_frame(feature_columns(unmapped.batch, as_of, config, catalogue), unmapped.batch.lead_ids)
    assert without.loc["101", "lead_source"] != "referral"


def test_a_mapping_file_is_kept_in_the_model_and_reads_as_the_file_did(tmp_path):
    mapping = tmp_path / "my_crm.toml"
    mapping.write_text('[leads.columns]\nlead_id = ["Nr"]\ncreated_at = ["Angelegt"]\nlead_source = ["Kanal"]\n'
                       '[leads.values.lead_source]\n"Empfehlung" = "referral"\n', encoding="utf-8")
    leads = _csv(tmp_path / "leads.csv", pd.DataFrame({"Nr": ["1", "2"], "Angelegt": ["2024-03-01", "2024-03-02"],
                                                       "Kanal": ["Empfehlung", "Messe"]}))
    recorded = recorded_mapping(str(mapping))
    mapping.unlink()  # the model needs the file no more

    data, _ = load_event_data(leads, mapping=recorded)

    assert recorded["name"] == "my_crm.toml" and mapping_name(recorded) == "my_crm.toml"
    assert data.leads["lead_source"].tolist() == ["referral", "Messe"]
    with pytest.raises(DataContractError, match=r"required column 'lead_id' is missing .*the my_crm\.toml mapping "
                                                r"reads it from 'Nr'"):
        load_event_data(_csv(tmp_path / "other.csv", pd.DataFrame({"Kennung": ["1"], "Angelegt": ["2024-03-01"]})),
                        mapping=recorded)
