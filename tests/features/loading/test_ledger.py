"""Specification of the row ledger (features/loading/ledger.py): every input row is kept or rejected
exactly once, whatever the mix of faults.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.loading import DataReport, load_event_data


def issues_for(report: DataReport, path: Path) -> list:
    return [issue for issue in report.rejected if issue.file == str(path)]


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
