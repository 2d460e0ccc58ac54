"""Specification of the data report (features/loading/report.py): its text and its JSON form."""

from __future__ import annotations

import json

from features.loading import load_event_data


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
    assert f"{activities}: no lead of {leads_csv} for 1 row (e.g. X9): not used" in text
    assert "fax (1)" in text
    assert "activities: note" in text
    assert "leads.industry 33%" in text


def test_report_dict_is_json_serialisable(leads_csv, make_file):
    activities = make_file("activities.csv", "lead_id,occurred_at,activity_type\nX9,2024-03-04,page_view\n")
    _, report = load_event_data(leads_csv, activities)

    restored = json.loads(json.dumps(report.to_dict()))

    assert restored["rows_rejected"] == {"leads": 0, "activities": 1}
    assert restored["rejected"][0]["lead_id"] == "X9"
