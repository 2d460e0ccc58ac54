"""Specification of conversions (features/loading/conversions.py): from a conversions file or from the leads
export itself, the earliest per lead, and why training stops when they cannot teach anything.
"""

from __future__ import annotations

import pandas as pd
import pytest

from features.loading import DataContractError, load_event_data


def test_a_leads_exports_conversion_dates_are_read_in_the_order_its_creation_dates_show(make_file):
    """A sparse ``converted_at`` column (a few customers, none converted after the 12th) shows no order of its own:
    it is read in the order the same file's ``created_at`` shows (``04/14`` is month first), so the customer is
    one, not a lead scored with a warning. A column that shows its own order keeps it."""
    leads = make_file("leads.csv", "lead_id,created_at,converted_at\nL1,04/14/2025 15:40,03/01/2026 10:00\n"
                                   "L2,01/02/2025 09:00,\nL3,02/03/2025 11:00,08/01/2026\n")
    data, report = load_event_data(leads)
    assert not report.warnings and not report.rejected
    assert data.conversions.set_index("lead_id")["converted_at"].to_dict() == {
        "L1": pd.Timestamp("2026-03-01T10:00", tz="UTC"), "L3": pd.Timestamp("2026-08-01", tz="UTC")}
    own = make_file("own.csv", "lead_id,created_at,converted_at\nL1,04/14/2025,13/03/2026\nL2,01/02/2025,01/04/2026\n")
    data, report = load_event_data(own)
    assert data.conversions.set_index("lead_id")["converted_at"].to_dict() == {
        "L1": pd.Timestamp("2026-03-13", tz="UTC"), "L2": pd.Timestamp("2026-04-01", tz="UTC")}


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


def test_a_conversion_dated_before_its_lead_was_created_is_kept_and_reported(leads_csv, make_file):
    """A lead entered again after its account became a customer, or two exports in different time zones: the
    conversion stays as it is (the lead was never open, so it is no example and is not scored), and the
    report says so instead of the lead silently never counting."""
    conversions = make_file("conversions.csv", "lead_id,converted_at\nL1,2024-02-28\nL2,2024-04-01\n"
                                               "L3,2024-03-03T11:00:00Z\n")

    data, report = load_event_data(leads_csv, conversions=conversions)

    assert len(data.conversions) == 3
    assert report.conversions_before_creation == 2
    assert report.conversions_before_creation_sample == ["L1", "L3"]
    assert "Conversions dated before their lead was created: 2 (e.g. L1, L3)" in report.to_text()
    assert report.to_dict()["conversions_before_creation"] == 2
    _, on_time = load_event_data(leads_csv, conversions=make_file("ok.csv", "lead_id,converted_at\nL2,2024-04-01\n"))
    assert on_time.conversions_before_creation == 0 and "before their lead" not in on_time.to_text()


def test_training_without_conversions_file_is_fatal(leads_csv, activities_csv):
    with pytest.raises(DataContractError, match=r"no conversions at all: cannot learn what converts .*converted_at"):
        load_event_data(leads_csv, activities_csv, for_training=True)


@pytest.mark.parametrize("header", ["converted_at", "Converted Date", "Won Date", "Became a Customer Date",
                                    "Konvertiert am"])
def test_a_leads_export_with_conversion_dates_trains_without_a_conversions_file(make_file, header):
    """A CRM's one leads export often records when a lead converted: with no conversions file, training
    takes the conversions from it (a bad date is a warning, not a lost lead), and the column is no feature."""
    leads = make_file("leads.csv", f"lead_id,created_at,industry,{header}\nL1,2024-03-01,Software,2024-04-01\n"
                                   f"L2,2024-03-02,Retail,\nL3,2024-03-03,Retail,irgendwann\n")
    conversions = make_file("conversions.csv", "lead_id,converted_at\nL1,2024-04-01\n")

    data, report = load_event_data(leads, for_training=True)
    with_file, _ = load_event_data(leads, conversions=conversions, for_training=True)

    pd.testing.assert_frame_equal(data.conversions, with_file.conversions)
    assert header not in data.leads.columns and "converted_at" not in data.leads.columns
    assert report.files["conversions"] == f"{leads} ({header})"
    [warning] = report.warnings
    assert (warning.row, warning.field) == (3, header) and "conversion not used" in warning.reason
    scoring, _ = load_event_data(leads)  # scoring reads them too, to leave the converted leads out
    pd.testing.assert_frame_equal(scoring.conversions, data.conversions)
    assert len(scoring.leads) == 3


def test_a_close_date_in_a_leads_export_is_not_read_as_a_conversion(make_file):
    """"Close Date" is as often a deal's expected close, in the future, as the day it was won."""
    leads = make_file("leads.csv", "lead_id,created_at,Close Date\nL1,2024-03-01,2024-04-01\n")
    with pytest.raises(DataContractError, match="no conversions at all"):
        load_event_data(leads, for_training=True)


def test_training_with_no_usable_conversion_is_fatal_and_says_why(leads_csv, make_file):
    conversions = make_file("conversions.csv", "lead_id,converted_at\nX9,2024-04-01\n")

    with pytest.raises(DataContractError, match=r"no conversions at all.*conversions\.csv.*lead_id"):
        load_event_data(leads_csv, conversions=conversions, for_training=True)


@pytest.mark.parametrize(("conversions", "says"), [
    ("lead_id,converted_at\nL1,2024-04-01\nL2,2024-04-02\nL3,2024-04-03\n",
     r"every one of the 3 leads converted: nothing to learn what does not; export all leads"),
    ("lead_id,converted_at\nL1,2024-02-01\nL2,2024-02-02\n",
     r"no lead converted while it was open: all 2 conversions are dated before their lead was created \(e\.g\. L1, "
     r"L2\)"),
])
def test_a_history_with_one_outcome_only_stops_training_and_says_which(make_file, conversions, says):
    """A model fitted where every lead converted (a customers-only export) says 1 for every lead, and one where
    no lead converted while open (conversions dated before creation: another CRM, another time zone) says 0."""
    leads = make_file("leads.csv", "lead_id,created_at\nL1,2024-03-01\nL2,2024-03-02\nL3,2024-03-03\n")
    with pytest.raises(DataContractError, match=says):
        load_event_data(leads, conversions=make_file("conversions.csv", conversions), for_training=True)
    data, _ = load_event_data(leads, conversions=make_file("conversions.csv", conversions))  # scoring: read
    assert len(data.leads) == 3
