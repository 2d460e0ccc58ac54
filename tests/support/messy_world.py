"""The small world with the mess real exports have, for the tests that compare two engines on it: leads without
an id, a padded duplicate id, an unparseable date, leads without activities, activities of unknown leads and
exact duplicate activities; and the same rows as a folder of part files, as Spark reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def messy_leads(leads_file: Path, every: int) -> pd.DataFrame:
    """Every ``every``-th lead of the world (created across its whole history), kept as text (created_at too,
    so that one can be unparseable), with a lead without id, a padded duplicate id and a date that does not
    exist after the 400th."""
    leads = pd.read_csv(leads_file, dtype=str).iloc[::every].reset_index(drop=True)
    broken = pd.DataFrame([
        {**leads.iloc[0].to_dict(), "lead_id": ""},  # no id
        {**leads.iloc[1].to_dict(), "lead_id": f"  {leads.iloc[1]['lead_id']} "},  # the same id, padded
        {**leads.iloc[2].to_dict(), "lead_id": "BAD-DATE", "created_at": "31.02.2024"},
    ])
    return pd.concat([leads.iloc[:400], broken, leads.iloc[400:]], ignore_index=True)


def messy_activities(activities_file: Path, leads: pd.DataFrame, no_activity: int, unknown: int,
                     duplicates: int) -> tuple[pd.DataFrame, list[str], set[str]]:
    """The activities of ``leads`` (moments typed) but none of ``no_activity`` of them, plus ``unknown`` of leads
    not in ``leads`` and ``duplicates`` exact copies; with the ids left without activities and the unknown ids."""
    activities = pd.read_csv(activities_file, dtype=str)
    activities["occurred_at"] = pd.to_datetime(activities["occurred_at"], utc=True, format="ISO8601")
    ids = set(leads["lead_id"])
    no_activity_ids = [i for i in leads["lead_id"].iloc[10:400] if i in set(activities["lead_id"])][:no_activity]
    mine = activities[activities["lead_id"].isin(ids) & ~activities["lead_id"].isin(no_activity_ids)]
    strangers = activities[~activities["lead_id"].isin(ids)].head(unknown)
    messy = pd.concat([mine, strangers, mine.iloc[::97].head(duplicates)], ignore_index=True)
    return messy, no_activity_ids, set(strangers["lead_id"])


def write_parts(frame: pd.DataFrame, folder: Path, parts: int) -> None:
    """``frame`` as ``parts`` Parquet part files in ``folder``, in row order."""
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[part].to_parquet(folder / f"part-{i:02d}.parquet", index=False)
