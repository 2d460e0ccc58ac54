"""Specification of the activities file (features/loading/activities.py): which rows are kept, which are
rejected and why, and what the report counts.
"""

from __future__ import annotations

import pytest

from features.loading import DataContractError, load_event_data


def test_activities_a_marketing_tool_keys_by_e_mail_are_joined_to_the_lead_with_that_address(make_file):
    """Without a lead_id column, an activities export keyed by e-mail address (as marketing tools write it)
    is joined to the one lead with that address; an address of no lead or of several is rejected, and the
    report never holds an address."""
    leads = make_file("leads.csv", "lead_id,created_at,email\nL1,2024-03-01,Anna@Firma.de\nL2,2024-03-01,x@y.de\n"
                                   "L3,2024-03-01,x@y.de\n")
    activities = make_file("activities.csv", "E-Mail,occurred_at,activity_type\n anna@firma.de ,2024-03-05,"
                                             "Email Opened\nx@y.de,2024-03-05,page_view\nnobody@z.de,2024-03-05,"
                                             "page_view\n")

    data, report = load_event_data(leads, activities)

    assert data.activities[["lead_id", "activity_type"]].values.tolist() == [["L1", "email_open"]]
    assert [(i.row, i.field, i.reason) for i in report.rejected] == [
        (2, "E-Mail", "several leads with this e-mail address"), (3, "E-Mail", "no lead with this e-mail address")]
    assert "@" not in report.to_text() and "@" not in str(report.to_dict())
    assert report.ignored_columns["activities"] == []


def test_missing_required_activity_column_is_fatal_and_names_file_and_column(leads_csv, make_file):
    activities = make_file("activities.csv", "lead_id,occurred_at,subject\nL1,2024-03-04,page_view\n")

    with pytest.raises(DataContractError, match=r"activities\.csv.*'activity_type'"):
        load_event_data(leads_csv, activities)


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
        L1,2024-03-05T09:00:00Z,Chat Started
        L1,2024-03-06T09:00:00Z,Chat Started
        L2,2024-03-05T09:00:00Z,chat started
        L2,2024-03-06T09:00:00Z,Webinar Attended
        L2,2024-03-07T09:00:00Z,Demo angefragt
        """,
    )

    data, report = load_event_data(leads_csv, activities)

    assert data.activities["activity_type"].tolist() == ["page_view", "chat_started", "chat_started", "chat_started",
                                                         "webinar_attendance", "demo_request"]
    assert report.unknown_activity_types == {"chat_started": 3}
    # named as the export writes it most often, so that the user finds the value in the CRM
    assert report.activity_type_spellings == {"chat_started": "Chat Started"}
    assert any("Chat Started (3)" in note for note in report.type_notes())


def test_training_stops_when_almost_no_activity_names_a_lead_of_the_leads_file(make_file):
    """Activities keyed by another system's ids would silently train a model that never saw what leads did."""
    leads = make_file("leads.csv", "lead_id,created_at\nA1,2024-03-01\nA2,2024-03-01\n")
    rows = "".join(f"B{i},2024-03-05,page_view\n" for i in range(150))
    activities = make_file("activities.csv", "lead_id,occurred_at,activity_type\n" + rows)
    conversions = make_file("conversions.csv", "lead_id,converted_at\nA1,2024-04-01\n")

    with pytest.raises(DataContractError, match=r"150 of 150 activity rows name no lead of .*leads\.csv \(e\.g\. "
                                                r"B0, B1, B2\): do the two files write lead ids the same way\?"):
        load_event_data(leads, activities, conversions, for_training=True)
    data, _ = load_event_data(leads, activities, conversions)  # scoring a few leads of a bigger history: fine
    assert data.activities.empty


def test_an_unknown_lead_id_is_shown_as_written_unless_it_is_an_e_mail_address(leads_csv, make_file):
    """A rejected activity names the id it carried, so that the CRM admin can find it; an id that is somebody's
    e-mail address is personal data and is shown as "(an e-mail address)" instead (only the rejected rows' ids
    are looked at: a history has millions)."""
    activities = make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-05,email_open
        X9,2024-03-06,email_open
        eve@gamma.io,2024-03-07,email_open
        L1,2024-03-08,page_view
        """,
    )

    data, report = load_event_data(leads_csv, activities)

    assert data.activities["lead_id"].tolist() == ["L1", "L1"]
    shown = {issue.row: (issue.reason, issue.value) for issue in report.rejected}
    assert shown == {2: ("lead_id not in leads", "X9"), 3: ("lead_id not in leads", "(an e-mail address)")}
