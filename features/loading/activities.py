"""The activities file: what each lead did and when, as the contract's activity types.

Beyond the checks of every timed table (:mod:`features.loading.timed`), a row is rejected when its lead is
not among the kept leads (counted in :attr:`~features.loading.report.DataReport.unknown_lead_activities`) or
when it repeats an earlier row exactly (same lead, moment and activity type; counted in
``duplicate_activity_rows``). Activity types are read as their snake form
(:func:`features.values.activity_type`); types outside the contract are kept, reported and counted as
``other``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features import values
from features.contract import ACTIVITY_COLUMNS, ACTIVITY_DETAIL, ACTIVITY_TYPE, LEAD_ID, OCCURRED_AT
from features.loading.files import RawTable
from features.loading.lead_ids import UNKNOWN_ID_SAMPLE, shown_ids, shown_ids_at, unknown_lead
from features.loading.ledger import field_name, missing_rates
from features.loading.report import EXACT_DUPLICATE, WHOLE_ROW, DataReport
from features.loading.timed import open_timed_table, read_as
from features.mappings import MappingRef


def load_activities(
    path: str | Path | RawTable, mapping: MappingRef, known_ids: pd.Series, rejected_ids: dict[str, int],
    report: DataReport, lead_emails: pd.Series | None = None, not_after: datetime | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The kept activities, and each one's row among the kept leads (``EventData.activity_rows``); an
    activities export without lead ids is joined by e-mail address (:func:`~features.loading.lead_ids.ids_by_email`)."""
    table = open_timed_table(path, mapping, "activities", ACTIVITY_COLUMNS, OCCURRED_AT, known_ids, lead_emails,
                             not_after, report.date_order)
    report.columns_read_as["activities"] = read_as(table.sources)
    frame, rows, ids = table.frame, table.rows, table.ids
    type_codes, type_names = _activity_types(values.with_detail(frame[ACTIVITY_TYPE], frame.get(ACTIVITY_DETAIL)))
    rows.reject(type_codes < 0, field_name(table.sources, ACTIVITY_TYPE), values.MISSING_REQUIRED)

    unknown = rows.reject(table.lead_codes < 0, table.id_field, unknown_lead(ids, rejected_ids), shown_ids_at(ids))
    kept = np.flatnonzero(rows.keep)
    repeat, first = repeated_rows(table.times.array.asi8[kept], table.lead_codes[kept], type_codes[kept])
    first_row = dict(zip(kept[repeat].tolist(), rows.numbers[kept[first]].tolist(), strict=True))
    duplicate = np.zeros(len(frame), dtype=bool)
    duplicate[kept[repeat]] = True

    def naming_the_first(positions: np.ndarray) -> list[str]:
        return [f"{EXACT_DUPLICATE} {first_row[p]} (same lead, time, type)" for p in positions.tolist()]

    rows.reject(duplicate, WHOLE_ROW, naming_the_first)

    keep = rows.keep
    activities = pd.DataFrame({
        LEAD_ID: ids[keep].reset_index(drop=True),
        OCCURRED_AT: table.times[keep].reset_index(drop=True),
        ACTIVITY_TYPE: pd.Series(type_names.take(type_codes[keep]), dtype="str"),
    })
    is_other = ~np.array([values.is_contract_activity(name) for name in type_names], dtype=bool)
    unknown_types = activities.loc[is_other[type_codes[keep]], ACTIVITY_TYPE]
    table.account(report, "activities", len(activities))
    report.unknown_lead_activities = int(unknown.sum())
    report.unknown_lead_ids_sample = shown_ids(ids[unknown]).drop_duplicates().head(UNKNOWN_ID_SAMPLE).tolist()
    report.duplicate_activity_rows = int(duplicate.sum())
    report.unknown_activity_types = {str(k): int(v) for k, v in unknown_types.value_counts().items()}
    if len(unknown_types):  # as written: the most frequent spelling of each
        written = frame[ACTIVITY_TYPE].iloc[np.flatnonzero(keep)[unknown_types.index.to_numpy()]].to_numpy()
        spelled = pd.DataFrame({"name": unknown_types.to_numpy(),
                                "written": pd.Series(written, dtype="str").str.strip()}).value_counts()
        report.activity_type_spellings = dict(spelled.reset_index().drop_duplicates("name")[["name", "written"]]
                                              .itertuples(index=False, name=None))
    used = {header for headers in table.sources.values() for header in headers}  # e.g. the e-mail key
    report.ignored_columns["activities"] = [c for c in frame.columns if c not in ACTIVITY_COLUMNS and c not in used
                                            and c not in table.sources]
    report.missing_rates["activities"] = missing_rates(activities)
    return activities, table.lead_codes[keep].astype(np.int32)


def _activity_types(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each row's activity type (:func:`features.values.activity_type`) as a code (-1 where missing) and
    the names the codes stand for; the rule is applied once per distinct raw value (an export has millions
    of rows and a few dozen types)."""
    raw_codes, raw_types = pd.factorize(series)
    names = pd.Series([values.activity_type(value) for value in raw_types], dtype="str")
    name_codes, type_names = pd.factorize(names)
    codes = np.where(raw_codes < 0, -1, name_codes[raw_codes]) if len(name_codes) else np.full(len(series), -1)
    return codes, type_names


def repeated_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows equal to an earlier row in every column, in row order, and for each the row of the first
    of its equals (positions into the columns)."""
    # equal rows have equal mixed keys (different rows rarely do): only rows whose key repeats are compared in
    # full, which halves the time of hashing every column of a 19M-row history (40 % of loading it)
    key = np.zeros(len(columns[0]), dtype=np.uint64)
    for column in columns:
        key = key * np.uint64(0x9E3779B97F4A7C15) + column.astype(np.uint64)  # wraps around: only a filter
    maybe = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
    frame = pd.DataFrame({f"c{i}": column[maybe] for i, column in enumerate(columns)})
    equal = frame.duplicated(keep=False).to_numpy()
    candidates = maybe[equal]
    if not candidates.size:
        return candidates, candidates
    group = frame[equal].groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    first = candidates[np.unique(group, return_index=True)[1]][group]  # groups are numbered in order of appearance
    repeated = first != candidates
    return candidates[repeated], first[repeated]


#: Activity rows from which a file counts as one of other leads when almost none of them names a lead.
SOME_ACTIVITIES = 100


def activities_of_other_leads(report: DataReport) -> str:
    """Why training stops when almost no activity row (under 1 %, of at least :data:`SOME_ACTIVITIES`) names
    a lead of the leads file: the two files write lead ids differently, or are not of the same CRM; a model
    trained so would learn nothing of what leads did. Empty when the files fit together."""
    read, unknown = report.rows_read.get("activities", 0), report.unknown_lead_activities
    if read < SOME_ACTIVITIES or read - unknown >= 0.01 * read:
        return ""
    sample = ", ".join(report.unknown_lead_ids_sample[:3])
    return (f"{report.files.get('activities')}: {unknown:,} of {read:,} activity rows name no lead of "
            f"{report.files.get('leads')} (e.g. {sample}): do the two files write lead ids the same way? Export "
            "both from the same CRM, or train without --activities")
