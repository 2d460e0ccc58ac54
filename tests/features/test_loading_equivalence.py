"""The loader's row rules hold whatever the order and format of the export (features/loading.py).

The loader finds repeated activities within runs of equal time, looks lead ids up as read and cleans only
the ones it does not find, and reads Parquet activity types dictionary-encoded. These tests check those
paths against the rules written plainly with pandas, on random exports in time order and shuffled, as CSV
and as Parquet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.loading import load_event_data

LEADS = ["L1", "L2", "L3", "L4"]
RAW_IDS = ["L1", "L2", "L3", "L4", " L2 ", "X9", "NA", ""]
TIMES = ["2024-03-04T09:00:00Z", "2024-03-04T09:00:01Z", "2024-03-04T10:00:00+01:00", "2024-03-05T00:00:00Z"]
TYPES = ["page_view", "Page View", "PAGE_VIEW ", "fax", "demo_request", ""]


def _export(tmp_path: Path, rows: pd.DataFrame, suffix: str) -> tuple[Path, Path]:
    leads = pd.DataFrame({"lead_id": LEADS, "created_at": ["2024-03-01T00:00:00Z"] * len(LEADS)})
    if suffix == ".csv":
        leads_path, activities_path = tmp_path / "leads.csv", tmp_path / "activities.csv"
        leads.to_csv(leads_path, index=False)
        rows.to_csv(activities_path, index=False)
    else:
        leads_path, activities_path = tmp_path / "leads.parquet", tmp_path / "activities.parquet"
        leads.to_parquet(leads_path, index=False)
        typed = rows.assign(
            lead_id=rows["lead_id"].mask(rows["lead_id"].eq("")),
            occurred_at=pd.to_datetime(rows["occurred_at"], utc=True),
            activity_type=rows["activity_type"].mask(rows["activity_type"].eq("")),
        )
        typed.to_parquet(activities_path, index=False)
    return leads_path, activities_path


def _expected(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, int]]:
    """The contract's rules written plainly: clean ids and types, drop unknown leads and missing values,
    drop exact repeats (naming the first row, 1-based)."""
    ids = rows["lead_id"].str.strip().replace({"NA": None, "": None})
    times = pd.to_datetime(rows["occurred_at"], utc=True).astype("datetime64[us, UTC]")
    types = rows["activity_type"].str.strip().str.lower().str.replace(" ", "_").replace({"": None})
    clean = pd.DataFrame({"lead_id": ids, "occurred_at": times, "activity_type": types})
    usable = clean[clean["lead_id"].isin(LEADS) & clean["activity_type"].notna()]
    repeated = usable.duplicated(keep="first")
    first = usable.reset_index().groupby(list(usable.columns), sort=False)["index"].transform("first")
    first_row = {int(i) + 1: int(f) + 1 for i, f, r in zip(usable.index, first, repeated, strict=True) if r}
    return usable[~repeated].reset_index(drop=True), first_row


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("in_time_order", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_kept_activities_and_named_duplicates_follow_the_contract(tmp_path, suffix, in_time_order, seed):
    rng = np.random.default_rng(seed)
    count = 400
    rows = pd.DataFrame(
        {
            "lead_id": rng.choice(RAW_IDS, count),
            "occurred_at": rng.choice(TIMES, count),
            "activity_type": rng.choice(TYPES, count),
        }
    )
    if in_time_order:
        order = np.argsort(pd.to_datetime(rows["occurred_at"], utc=True).to_numpy(), kind="stable")
        rows = rows.iloc[order].reset_index(drop=True)
    leads_path, activities_path = _export(tmp_path, rows, suffix)

    data, report = load_event_data(leads_path, activities_path)

    expected, first_row = _expected(rows)
    got = data.activities.assign(activity_type=data.activities["activity_type"].astype(object))
    pd.testing.assert_frame_equal(
        got.astype({"lead_id": object}), expected.astype({"lead_id": object, "activity_type": object})
    )
    duplicates = {issue.row: issue.reason for issue in report.rejected if issue.reason.startswith("exact duplicate")}
    assert duplicates == {
        row: f"exact duplicate of row {first} (same lead, time, type)" for row, first in first_row.items()
    }
    assert report.duplicate_activity_rows == len(first_row)
    # each kept activity's lead row, handed on to the features, is the row of its lead among the kept leads
    np.testing.assert_array_equal(data.activity_rows, pd.Index(data.leads["lead_id"]).get_indexer(got["lead_id"]))
    assert report.rows_read["activities"] == report.rows_kept["activities"] + report.rejected_per_table()["activities"]
    unknown = [issue for issue in report.rejected if issue.reason == "lead_id not in leads"]
    assert {issue.lead_id for issue in unknown} <= {"X9"}
    assert report.unknown_activity_types == ({"fax": int((expected["activity_type"] == "fax").sum())}
                                             if (expected["activity_type"] == "fax").any() else {})


def test_padded_and_missing_lead_ids_in_parquet_are_cleaned_like_csv(tmp_path):
    rows = pd.DataFrame(
        {
            "lead_id": [" L1", "L1", "NA", "", "X9 ", "L2"],
            "occurred_at": ["2024-03-04T09:00:00Z"] * 6,
            "activity_type": ["page_view", "email_open", "page_view", "page_view", "page_view", "Page View"],
        }
    )
    results = []
    for suffix in (".csv", ".parquet"):
        folder = tmp_path / suffix[1:]
        folder.mkdir()
        data, report = load_event_data(*_export(folder, rows, suffix))
        results.append((data.activities, [(i.row, i.field, i.reason, i.lead_id) for i in report.rejected]))

    (csv_frame, csv_issues), (parquet_frame, parquet_issues) = results
    pd.testing.assert_frame_equal(csv_frame, parquet_frame)
    assert csv_issues == parquet_issues
    assert list(csv_frame["lead_id"]) == ["L1", "L1", "L2"]
    assert list(csv_frame["activity_type"]) == ["page_view", "email_open", "page_view"]
    assert csv_issues == [
        (3, "lead_id", "missing required value", None),
        (4, "lead_id", "missing required value", None),
        (5, "lead_id", "lead_id not in leads", "X9"),
    ]
