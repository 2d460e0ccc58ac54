"""Event mode: the ``leads``, ``activities`` and ``conversions`` files, checked against the contract.

Every value is read by the rules of :mod:`features.values`, the same rules an API request's lead is read
by (:mod:`features.records`). What costs a row (one :class:`~features.loading.report.RowIssue` each, the
first failing check wins): in every table, a CSV row with more fields than the header, an empty row, a
missing required value, an unparseable timestamp; in ``leads``, a ``lead_id`` seen in an earlier kept row;
in ``activities``, a lead that is not among the kept leads (also counted in
:attr:`~features.loading.report.DataReport.unknown_lead_activities`) and an exact repeat of an earlier row
(same lead, moment and activity type; counted in ``duplicate_activity_rows``); in ``conversions``, a lead
that is not among the kept leads and any conversion of a lead after its earliest one. An amount that is
negative or not a number is set to missing with a warning; the row stays.

Strings are stripped and otherwise kept as the CRM wrote them: recognising synonyms (``Webformular``,
``Germany``) is the job of :mod:`features.profile`. Activity types are read as their snake form
(:func:`features.values.activity_type`); types outside the contract are kept, reported and counted as
``other``.

This module reads the leads file and puts the three together; the activities and conversions files are read
by :mod:`features.loading.activities` and :mod:`features.loading.conversions`, through what both share
(:mod:`features.loading.timed`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features import values
from features.contract import (
    ACTIVITY_COLUMNS,
    ACTIVITY_TYPE,
    CONVERSION_COLUMNS,
    CONVERTED_AT,
    CREATED_AT,
    LEAD_COLUMNS,
    LEAD_ID,
    NUMERIC_LEAD_COLUMNS,
    OCCURRED_AT,
    REQUIRED_LEAD_COLUMNS,
)
from features.loading.activities import activities_of_other_leads, load_activities
from features.loading.conversions import (
    derived_conversions,
    load_conversions,
    no_conversions_message,
    note_conversions_before_creation,
    one_outcome,
)
from features.loading.files import RawTable, read_raw
from features.loading.ledger import (
    RowLedger,
    each,
    empty_rows,
    field_name,
    missing_rates,
    reject_duplicates,
    require_columns,
)
from features.loading.report import WHOLE_ROW, DataContractError, DataReport
from features.loading.timed import TIMESTAMP_DTYPE, after, file_moments, in_the_future, read_as
from features.mappings import MappingRef, apply_mapping, mapping_spec, time_zone
from features.vendors import CONVERSION_FLAG


@dataclass
class EventData:
    """The three event-mode tables, cleaned: ids ``str``, timestamps ``datetime64[us, UTC]``."""

    #: contract lead columns present in the file (+ declared extras) and ``source_row`` (1-based row
    #: number in the leads file), one row per kept lead, in file order
    leads: pd.DataFrame
    #: ``lead_id``, ``occurred_at``, ``activity_type`` (snake form; unknown types kept) for known leads
    activities: pd.DataFrame
    #: ``lead_id``, ``converted_at``: the earliest conversion per known lead (empty when none given)
    conversions: pd.DataFrame
    #: each activity's row in ``leads`` (int32), found while checking that its lead exists
    activity_rows: np.ndarray | None = None


def load_event_data(
    leads: str | Path | RawTable,
    activities: str | Path | RawTable | None = None,
    conversions: str | Path | RawTable | None = None,
    *,
    mapping: MappingRef = None,
    extra_columns: Sequence[str] = (),
    extra_numeric: Sequence[str] | None = None,
    for_training: bool = False,
    not_after: datetime | None = None,
    date_order: str | None = None,
) -> tuple[EventData, DataReport]:
    """Load the event-mode tables, validate them against the contract, and report on every row.

    ``mapping`` (``"salesforce"``, ``"hubspot"`` or a mapping file, :func:`features.mappings.mapping_spec`)
    renames vendor columns first. With no conversions file, conversions come from the leads export itself
    when it records them (a mapping's conversion column, or a leads column named ``converted_at`` or as CRMs
    name it: ``Converted Date``, ``Won Date``, ``Became a Customer Date``, ``Konvertiert am``;
    :data:`features.mappings.HEADER_SYNONYMS`): training learns from them, scoring leaves out the leads
    converted by ``as_of``. ``extra_columns`` are lead columns
    outside the contract to keep as fit features; ``extra_numeric`` names those among them a trained model
    reads as numbers (None: decided from the file, numbers when every value is one). ``for_training``
    demands at least one conversion (there is nothing to learn otherwise). A row dated after ``not_after``
    (training passes the moment it starts) is a typo, ``2205`` for ``2025``: it is rejected, naming the value,
    since one such date would make the history reach centuries ahead. Slashed dates are read in the order the
    leads file's creation dates show (a number over 12), in every table; where they show none, in ``date_order``
    (``mdy`` or ``dmy``: the order a model's training files showed, :attr:`DataReport.date_order`), which a
    note then names. A table may also be given as a
    :class:`~features.loading.files.RawTable` already read (some rows of a file, with their row numbers):
    the Spark engine loads each partition of leads with their activities this way, by these same rules.
    """
    mapping_spec(mapping)  # an unknown name or a bad mapping file stops here, before any file is read
    report = DataReport()
    if zone := time_zone(mapping):
        report.file_notes.append(f"times written without an offset are read as {zone} time (the mapping's timezone)")
    derive = conversions is None
    lead_frame, derived, rejected_ids = _load_leads(leads, mapping, extra_columns, extra_numeric, derive, report,
                                                    not_after, date_order)
    known_ids = lead_frame[LEAD_ID]

    if activities is not None:
        activity_frame, activity_rows = load_activities(activities, mapping, known_ids, rejected_ids, report,
                                                        lead_frame.get("email"), not_after)
    else:
        activity_frame, activity_rows = _empty_frame(ACTIVITY_COLUMNS), np.zeros(0, dtype=np.int32)

    if conversions is not None:
        conversion_frame = load_conversions(conversions, mapping, known_ids, rejected_ids, report, not_after,
                                            lead_frame.get("email"))
    elif derived is not None:
        conversion_frame = derived
    else:
        conversion_frame = _empty_frame(CONVERSION_COLUMNS)

    if for_training and conversion_frame.empty:
        raise DataContractError(no_conversions_message(conversions, derived is not None, report))
    if for_training and (other_leads := activities_of_other_leads(report)):
        raise DataContractError(other_leads)
    note_conversions_before_creation(lead_frame, conversion_frame, report)
    if for_training and (only_one := one_outcome(lead_frame, conversion_frame, report)):
        raise DataContractError(only_one)
    return EventData(lead_frame, activity_frame, conversion_frame, activity_rows), report


def _load_leads(
    path: str | Path | RawTable, mapping: MappingRef, extra_columns: Sequence[str], extra_numeric: Sequence[str] | None,
    derive: bool, report: DataReport, not_after: datetime | None = None, date_order: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, int]]:
    """Leads table, the conversions recorded in it (when ``derive`` and the vendor mapping provides
    them), and rejected lead id → its row."""
    raw = read_raw(path)
    name = raw.name
    frame, sources = apply_mapping(raw.frame, mapping, "leads")
    report.columns_read_as["leads"] = read_as(sources)
    require_columns(frame, name, "leads", REQUIRED_LEAD_COLUMNS, mapping, raw.notes)
    extras = _check_extra_columns(frame, name, extra_columns, sources)
    if frame.empty:
        raise DataContractError(f"{name}: the leads file has a header but no rows")

    rows = RowLedger(name, len(frame), raw.numbers())
    rows.reject_malformed(raw.malformed)
    rows.reject(empty_rows(frame), WHOLE_ROW, "empty row")
    ids = values.text_column(frame[LEAD_ID])
    rows.ids = ids
    rows.reject(ids.isna(), field_name(sources, LEAD_ID), values.MISSING_REQUIRED)
    created, bad_created, created_text = file_moments(frame[CREATED_AT], date_order, time_zone(mapping))
    created_field = field_name(sources, CREATED_AT)
    report.date_order = _file_order(created_text, date_order, name, report)
    rows.reject(created_text.isna(), created_field, values.MISSING_REQUIRED)
    rows.reject(bad_created, created_field, each(created_text, values.unparseable_moment), created_text)
    rows.reject(after(created, not_after), created_field, in_the_future(created_text, created, not_after),
                created_text)
    reject_duplicates(rows, ids, field_name(sources, LEAD_ID), "lead_id")

    columns: dict[str, pd.Series] = {LEAD_ID: ids, CREATED_AT: created}
    for column in LEAD_COLUMNS:
        if column in columns or column not in frame.columns:
            continue
        if column in NUMERIC_LEAD_COLUMNS:
            raw_amounts = frame[column]
            amounts, problems = values.amounts(raw_amounts)
            problem = pd.Series(problems, index=frame.index, dtype=object)
            rows.warn(problem.notna(), field_name(sources, column), each(problem, str), each(raw_amounts, values.text))
            columns[column] = pd.Series(amounts, index=frame.index)
            if not pd.api.types.is_numeric_dtype(raw_amounts):  # a typed number is written in no currency
                report.currency_notes.extend(_foreign_currency(values.text_column(raw_amounts),
                                                               field_name(sources, column), name))
        else:
            columns[column] = values.text_column(frame[column])
    columns["source_row"] = pd.Series(rows.numbers.astype("int64", copy=False), index=frame.index)

    derived = None
    if derive and CONVERTED_AT in frame.columns:
        # a sparse conversion date may show no slashed order of its own: the creation dates' is the file's
        derived = derived_conversions(frame, rows, ids, sources, name, report, not_after, report.date_order,
                                      time_zone(mapping))

    keep = rows.keep
    leads = pd.DataFrame(columns)[keep].reset_index(drop=True)
    decimal_comma = raw.separator == ";"
    for column in extras:
        kept = frame.loc[keep, column].reset_index(drop=True)
        comma = values.decimal_comma_column(kept, decimal_comma)  # the mark its values show, else the file's
        numeric = (column in extra_numeric if extra_numeric is not None
                   else values.numeric_column(kept, comma))  # decided on the rows that are used
        extra = (pd.Series(values.map_distinct(kept, functools.partial(values.number, decimal_comma=comma)),
                           dtype="float64") if numeric else values.text_column(kept))
        if numeric and comma:
            report.decimal_comma_columns.append(column)
        leads.insert(leads.columns.get_loc("source_row"), column, extra)
    rejected_ids = {issue.lead_id: issue.row for issue in reversed(rows.rejected) if issue.lead_id is not None}
    used = set(LEAD_COLUMNS) | set(extras) | ({CONVERTED_AT, CONVERSION_FLAG} if derived is not None else set())
    report.files["leads"] = name
    report.file_notes.extend(f"{name}: {note}" for note in raw.notes)
    report.rows_read["leads"] = len(frame)
    report.rows_kept["leads"] = len(leads)
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(sorted(rows.warnings, key=lambda issue: issue.row))
    report.ignored_columns["leads"] = [column for column in frame.columns if column not in used]
    report.extra_columns = list(extras)
    report.missing_rates["leads"] = missing_rates(leads.drop(columns="source_row"))
    return leads, derived, rejected_ids


def _check_extra_columns(
    frame: pd.DataFrame, name: str, extra_columns: Sequence[str], sources: dict[str, tuple[str, ...]]
) -> list[str]:
    extras: list[str] = []
    for column in extra_columns:
        mapped_to = [target for target, vendor in sources.items() if column in vendor]
        if column in LEAD_COLUMNS or mapped_to:
            target = mapped_to[0] if mapped_to else column
            raise DataContractError(
                f"{name}: declared extra column {column!r} is already read as {target!r}; it cannot also be an extra"
            )
        if column not in frame.columns:
            raise DataContractError(f"{name}: declared extra column {column!r} is missing from the leads file")
        if column not in extras:
            extras.append(column)
    return extras


def _file_order(created_text: pd.Series, date_order: str | None, name: str, report: DataReport) -> str | None:
    """The order the leads file's slashed creation dates show, else ``date_order`` (noted when it is used)."""
    if not (pd.api.types.is_object_dtype(created_text) or pd.api.types.is_string_dtype(created_text)):
        return date_order  # typed moments (Parquet): no text to show an order
    shown = values.column_order(created_text)
    if shown is None and date_order is not None and created_text.str.contains("/", regex=False, na=False).any():
        first = "month" if date_order == "mdy" else "day"
        report.file_notes.append(f"{name}: no slashed date shows its order (no number over 12): read {first} first, "
                                 "as the model's training files wrote them")
    return shown or date_order


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty activities/conversions table with the clean dtypes."""
    dtypes = {LEAD_ID: "str", OCCURRED_AT: TIMESTAMP_DTYPE, CONVERTED_AT: TIMESTAMP_DTYPE, ACTIVITY_TYPE: "str"}
    return pd.DataFrame({column: pd.Series(dtype=dtypes[column]) for column in columns})


def _foreign_currency(shown: pd.Series, field: str, name: str) -> list[str]:
    """A note when amounts are written in another currency than the contract's euros: they are read as written
    (``$1,250,000`` as 1,250,000), so a revenue band in a reason would name € for dollars."""
    written = pd.Series(values.map_distinct(shown, values.currency), index=shown.index, dtype=object)
    foreign = written.notna() & (written != "EUR")
    if not foreign.any():
        return []
    codes = ", ".join(sorted(set(written[foreign])))
    return [f"{name}: {int(foreign.sum()):,} {field} values are written in {codes} (e.g. {shown[foreign].iloc[0]!r}): "
            "read as euros, the contract's unit, without conversion; convert them in the export, or the revenue "
            "bands of reasons name € for them"]
