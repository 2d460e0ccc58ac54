"""Activities and conversions files: what both are checked for, and how a file's moments are read.

Each row names its lead (by ``lead_id``, or by the person's e-mail address where the export has no id) and a
moment. :func:`open_timed_table` reads such a file through its mapping and rejects the rows every such table
rejects: a malformed or empty row, no lead id, a missing or unparseable moment, a moment in the future (a
typo). Which lead each row's id names is looked up here; rejecting unknown leads is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features import values
from features.contract import ACTIVITY_TYPE, LEAD_ID
from features.loading.files import RawTable, read_raw
from features.loading.lead_ids import ids_by_email, is_email_header, lead_ids
from features.loading.ledger import Reason, RowLedger, each, empty_rows, field_name, require_columns
from features.loading.report import WHOLE_ROW, DataReport
from features.mappings import MappingRef, apply_mapping, mapping_spec, time_zone

TIMESTAMP_DTYPE = "datetime64[us, UTC]"


def read_as(sources: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The file's headers read as a contract column under another name (for the data report)."""
    return {"/".join(headers): column for column, headers in sources.items() if headers != (column,)}


def timestamps(micro: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Microseconds since the epoch (:func:`features.values.moments`) as a UTC timestamp column."""
    return pd.Series(micro.view("datetime64[us]"), index=index).dt.tz_localize("UTC")


def after(moments: pd.Series, not_after: datetime | None) -> np.ndarray:
    """Which ``moments`` lie after ``not_after`` (none without it)."""
    if not_after is None:
        return np.zeros(len(moments), dtype=bool)
    return (moments > pd.Timestamp(not_after)).to_numpy(dtype=bool, na_value=False)


def in_the_future(shown: pd.Series, moments: pd.Series, not_after: datetime | None, outcome: str = "row not used",
                  ) -> Reason:
    """Why a moment after ``not_after`` is not used: the future, so a typo. The value as written, or a typed
    moment's ISO form."""
    day = f"{pd.Timestamp(not_after):%Y-%m-%d}" if not_after is not None else ""

    def reason(positions: np.ndarray) -> list[str]:
        written = shown.iloc[positions].astype(object).tolist()
        at = moments.iloc[positions].tolist()
        return [f"{(m.isoformat() if w == values.TYPED_MOMENT else w)!r} lies after {day}, in the future: a typo? "
                f"{outcome}" for w, m in zip(written, at, strict=True)]

    return reason


def file_moments(series: pd.Series, order: str | None = None, zone: str | None = None,
                 ) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A file's column of moments, slashed dates in ``order`` where it shows none, times without an offset in
    ``zone`` (the mapping's ``timezone``; UTC without one)."""
    micro, bad, shown = values.moments(series, exported=True, order=order)
    return timestamps(values.in_time_zone(micro, bad, shown, zone), series.index), bad, shown


@dataclass
class TimedTable:
    """An activities or conversions file after the checks both share."""

    name: str
    frame: pd.DataFrame
    sources: dict[str, tuple[str, ...]]
    rows: RowLedger
    ids: pd.Series
    lead_codes: np.ndarray  #: position of the row's lead among the known leads, -1 when unknown or missing
    id_field: str
    times: pd.Series
    time_field: str
    time_text: pd.Series
    notes: list[str]  #: how the file was read (:attr:`features.loading.files.RawTable.notes`)
    by_number: int = 0  #: rows whose lead was found by the number its id writes (:mod:`~features.loading.lead_ids`)

    def account(self, report: DataReport, table: str, kept: int) -> None:
        """What ``report`` says of this file as ``table``: its name and notes, the rows read and ``kept``, every
        rejected row and warning, and the rows whose lead was found by the number its id writes."""
        report.files[table] = self.name
        report.file_notes.extend(f"{self.name}: {note}" for note in self.notes)
        report.ids_found_by_number[table] = self.by_number
        report.rows_read[table] = len(self.frame)
        report.rows_kept[table] = kept
        report.rejected.extend(self.rows.sorted_rejected())
        report.warnings.extend(self.rows.warnings)


def open_timed_table(
    path: str | Path | RawTable, mapping: MappingRef, table: str, columns: Sequence[str], time_column: str,
    known_ids: pd.Series, lead_emails: pd.Series | None = None, not_after: datetime | None = None,
    order: str | None = None,
) -> TimedTable:
    """Read an activities or conversions file: map, require its columns, and reject the rows every such
    table rejects (malformed, empty, no lead id, missing or unparseable timestamp). ``known_ids`` are the
    kept leads' ids; each row's position among them is looked up here (rejection is the caller's). Without
    a ``lead_id`` column, rows keyed by e-mail address are given the id of the lead with that address
    (``lead_emails``, aligned with ``known_ids``; :func:`~features.loading.lead_ids.ids_by_email`)."""
    # activity types are read as categories only where no vendor mapping merges or translates them
    unmapped = (mapping_spec(mapping) or {}).get(table) is None
    raw = read_raw(path, picklists=(ACTIVITY_TYPE,) if unmapped and ACTIVITY_TYPE in columns else ())
    frame, sources = apply_mapping(raw.frame, mapping, table)
    if LEAD_ID not in frame.columns and lead_emails is not None:
        address = next((c for c in frame.columns if is_email_header(str(c))), None)
        if address is not None:
            frame = frame.assign(**{LEAD_ID: ids_by_email(frame[address], known_ids, lead_emails)})
            sources = {**sources, LEAD_ID: sources.get(address, (address,))}
    require_columns(frame, raw.name, table, columns, mapping, raw.notes)
    rows = RowLedger(raw.name, len(frame), raw.numbers())
    rows.reject_malformed(raw.malformed)
    rows.reject(empty_rows(frame), WHOLE_ROW, "empty row")
    ids, lead_codes, by_number = lead_ids(frame[LEAD_ID], known_ids)
    rows.ids = ids
    id_field = field_name(sources, LEAD_ID)
    rows.reject(ids.isna(), id_field, values.MISSING_REQUIRED)
    # slashed dates showing no order: the leads file's
    times, bad, shown = file_moments(frame[time_column], order, time_zone(mapping))
    time_field = field_name(sources, time_column)
    rows.reject(shown.isna(), time_field, values.MISSING_REQUIRED)
    rows.reject(bad, time_field, each(shown, values.unparseable_moment), shown)
    rows.reject(after(times, not_after), time_field, in_the_future(shown, times, not_after), shown)
    return TimedTable(raw.name, frame, sources, rows, ids, lead_codes, id_field, times, time_field, shown, raw.notes,
                       by_number)
