"""Specification of the data report (features/loading/report.py): its text and its JSON form."""

from __future__ import annotations

import json

from features.loading import DataReport, load_event_data


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


def test_more_than_ten_unknown_activity_types_are_all_named_as_the_export_writes_them() -> None:
    """The note said "and 2 more (data_report.json lists them all)" from `score` and `features`, which write no
    such file: the rest are named, most frequent first."""
    report = DataReport()
    report.unknown_activity_types = {f"type_{i:02d}": 100 - i for i in range(12)}
    report.activity_type_spellings = {f"type_{i:02d}": f"Type {i:02d}" for i in range(12)}
    (note,) = report.type_notes()
    assert note.startswith("Unknown activity types (kept, counted as 'other'): Type 00 (100), Type 01 (99)")
    assert note.endswith("Type 09 (91) and 2 more: Type 10, Type 11")
