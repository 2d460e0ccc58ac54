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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features import values
from features.contract import (
    ACTIVITY_COLUMNS,
    ACTIVITY_DETAIL,
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
from features.loading.files import RawTable, read_raw
from features.loading.lead_ids import (
    UNKNOWN_ID_SAMPLE,
    ids_by_email,
    is_email_header,
    lead_ids,
    shown_ids,
    shown_ids_at,
    unknown_lead,
)
from features.loading.ledger import (
    Reason,
    RowLedger,
    each,
    empty_rows,
    field_name,
    missing_rates,
    reject_duplicates,
    require_columns,
)
from features.loading.report import EXACT_DUPLICATE, WHOLE_ROW, DataContractError, DataReport
from features.mappings import MappingRef, apply_mapping, mapping_spec, time_zone
from features.vendors import CONVERSION_FLAG

TIMESTAMP_DTYPE = "datetime64[us, UTC]"


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
        activity_frame, activity_rows = _load_activities(activities, mapping, known_ids, rejected_ids, report,
                                                         lead_frame.get("email"), not_after)
    else:
        activity_frame, activity_rows = _empty_frame(ACTIVITY_COLUMNS), np.zeros(0, dtype=np.int32)

    if conversions is not None:
        conversion_frame = _load_conversions(conversions, mapping, known_ids, rejected_ids, report, not_after,
                                             lead_frame.get("email"))
    elif derived is not None:
        conversion_frame = derived
    else:
        conversion_frame = _empty_frame(CONVERSION_COLUMNS)

    if for_training and conversion_frame.empty:
        raise DataContractError(_no_conversions_message(conversions, derived is not None, report))
    if for_training and (other_leads := _activities_of_other_leads(report)):
        raise DataContractError(other_leads)
    _note_conversions_before_creation(lead_frame, conversion_frame, report)
    if for_training and (one_outcome := _one_outcome(lead_frame, conversion_frame, report)):
        raise DataContractError(one_outcome)
    return EventData(lead_frame, activity_frame, conversion_frame, activity_rows), report


def conversion_moments(lead_ids: pd.Index | pd.Series, conversions: pd.DataFrame) -> pd.Series:
    """Each lead's conversion moment as ``conversions`` records it (NaT: none), in the order of ``lead_ids``
    and on their index (a Series') or as their index (an Index). A lead is *open* at ``t`` when this is NaT
    or after ``t``: the one rule training's labels, monitoring and the score file use. ``conversions`` holds
    one row per lead, as :attr:`EventData.conversions` does."""
    moments = conversions.set_index(LEAD_ID)[CONVERTED_AT].reindex(lead_ids)
    return pd.Series(moments.array, index=lead_ids.index if isinstance(lead_ids, pd.Series) else lead_ids)


def _note_conversions_before_creation(leads: pd.DataFrame, conversions: pd.DataFrame, report: DataReport) -> None:
    """Count the conversions dated before their lead's creation (kept as they are: the lead was never open).
    A CRM shows them when a lead is entered again after its account became a customer, or when the two
    exports are written in different time zones; the user should hear of them, not find them missing."""
    early = (conversion_moments(leads[LEAD_ID], conversions) < leads[CREATED_AT]).to_numpy()
    report.conversions_before_creation = int(early.sum())
    report.conversions_before_creation_sample = leads.loc[early, LEAD_ID].head(UNKNOWN_ID_SAMPLE).tolist()


def read_as(sources: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """The file's headers read as a contract column under another name (for the data report)."""
    return {"/".join(headers): column for column, headers in sources.items() if headers != (column,)}


def timestamps(micro: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Microseconds since the epoch (:func:`features.values.moments`) as a UTC timestamp column."""
    return pd.Series(micro.view("datetime64[us]"), index=index).dt.tz_localize("UTC")


def _after(moments: pd.Series, not_after: datetime | None) -> np.ndarray:
    """Which ``moments`` lie after ``not_after`` (none without it)."""
    if not_after is None:
        return np.zeros(len(moments), dtype=bool)
    return (moments > pd.Timestamp(not_after)).to_numpy(dtype=bool, na_value=False)


def _in_the_future(shown: pd.Series, moments: pd.Series, not_after: datetime | None, outcome: str = "row not used",
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


def _moments(series: pd.Series, order: str | None = None, zone: str | None = None,
             ) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A file's column of moments, slashed dates in ``order`` where it shows none, times without an offset in
    ``zone`` (the mapping's ``timezone``; UTC without one)."""
    micro, bad, shown = values.moments(series, exported=True, order=order)
    return timestamps(values.in_time_zone(micro, bad, shown, zone), series.index), bad, shown


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
    created, bad_created, created_text = _moments(frame[CREATED_AT], date_order, time_zone(mapping))
    created_field = field_name(sources, CREATED_AT)
    report.date_order = _file_order(created_text, date_order, name, report)
    rows.reject(created_text.isna(), created_field, values.MISSING_REQUIRED)
    rows.reject(bad_created, created_field, each(created_text, values.unparseable_moment), created_text)
    rows.reject(_after(created, not_after), created_field, _in_the_future(created_text, created, not_after),
                created_text)
    reject_duplicates(rows, ids, field_name(sources, LEAD_ID), "lead_id")

    columns: dict[str, pd.Series] = {LEAD_ID: ids, CREATED_AT: created}
    for column in LEAD_COLUMNS:
        if column in columns or column not in frame.columns:
            continue
        if column in NUMERIC_LEAD_COLUMNS:
            amounts, problems = values.amounts(frame[column])
            problem = pd.Series(problems, index=frame.index, dtype=object)
            shown = values.text_column(frame[column])
            rows.warn(problem.notna(), field_name(sources, column), each(problem, str), shown)
            columns[column] = pd.Series(amounts, index=frame.index)
            report.currency_notes.extend(_foreign_currency(shown, field_name(sources, column), name))
        else:
            columns[column] = values.text_column(frame[column])
    columns["source_row"] = pd.Series(rows.numbers.astype("int64", copy=False), index=frame.index)

    derived = None
    if derive and CONVERTED_AT in frame.columns:
        # a sparse conversion date may show no slashed order of its own: the creation dates' is the file's
        derived = _derived_conversions(frame, rows, ids, sources, name, report, not_after, report.date_order,
                                       time_zone(mapping))

    keep = rows.keep
    leads = pd.DataFrame(columns)[keep].reset_index(drop=True)
    decimal_comma = raw.separator == ";"
    for column in extras:
        kept = frame.loc[keep, column].reset_index(drop=True)
        numeric = (column in extra_numeric if extra_numeric is not None
                   else values.numeric_column(kept, decimal_comma))  # decided on the rows that are used
        extra = (pd.Series(values.map_distinct(kept, lambda v: values.number(v, decimal_comma)), dtype="float64")
                 if numeric else values.text_column(kept))
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
    slashed = created_text[created_text.str.contains("/", regex=False, na=False)]
    shown = values.slashed_order(slashed) if len(slashed) else None
    if shown is None and len(slashed) and date_order is not None:
        first = "month" if date_order == "mdy" else "day"
        report.file_notes.append(f"{name}: no slashed date shows its order (no number over 12): read {first} first, "
                                 "as the model's training files wrote them")
    return shown or date_order


def _derived_conversions(
    frame: pd.DataFrame, rows: RowLedger, ids: pd.Series, sources: dict[str, tuple[str, ...]], name: str,
    report: DataReport, not_after: datetime | None = None, order: str | None = None, zone: str | None = None,
) -> pd.DataFrame:
    """Conversions recorded in a leads export (Salesforce ``ConvertedDate``, HubSpot's "Became an Opportunity
    Date", a ``converted_at`` column): a kept lead with a usable date converted then. ``order``: the order the
    file's slashed creation dates showed (``dmy``/``mdy``), for conversion dates that show none."""
    converted, bad, shown = _moments(frame[CONVERTED_AT], order, zone)
    date_field = field_name(sources, CONVERTED_AT)
    rows.warn(bad, date_field, each(shown, lambda value: f"unparseable timestamp {value!r}: conversion not used"),
              shown)
    late = _after(converted, not_after)
    rows.warn(late, date_field, _in_the_future(shown, converted, not_after, "conversion not used"), shown)
    converted = converted.mask(late)
    if CONVERSION_FLAG in frame.columns:
        flags = pd.Series(values.map_distinct(frame[CONVERSION_FLAG], values.flag), index=frame.index)
        rows.warn(
            (flags == 1.0) & shown.isna(),
            field_name(sources, CONVERSION_FLAG),
            f"marked converted but {date_field} is empty: conversion time unknown, lead counted as not converted",
        )
    usable = rows.keep & converted.notna().to_numpy()
    derived = pd.DataFrame({LEAD_ID: ids[usable], CONVERTED_AT: converted[usable]}).reset_index(drop=True)
    report.files["conversions"] = f"{name} ({date_field})"
    report.rows_read["conversions"] = len(derived)
    report.rows_kept["conversions"] = len(derived)
    report.missing_rates["conversions"] = missing_rates(derived)
    return derived


@dataclass
class _TimedTable:
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


def _open_timed_table(
    path: str | Path | RawTable, mapping: MappingRef, table: str, columns: Sequence[str], time_column: str,
    known_ids: pd.Series, lead_emails: pd.Series | None = None, not_after: datetime | None = None,
    order: str | None = None,
) -> _TimedTable:
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
    times, bad, shown = _moments(frame[time_column], order, time_zone(mapping))
    time_field = field_name(sources, time_column)
    rows.reject(shown.isna(), time_field, values.MISSING_REQUIRED)
    rows.reject(bad, time_field, each(shown, values.unparseable_moment), shown)
    rows.reject(_after(times, not_after), time_field, _in_the_future(shown, times, not_after), shown)
    return _TimedTable(raw.name, frame, sources, rows, ids, lead_codes, id_field, times, time_field, shown, raw.notes,
                       by_number)


def _load_activities(
    path: str | Path | RawTable, mapping: MappingRef, known_ids: pd.Series, rejected_ids: dict[str, int],
    report: DataReport, lead_emails: pd.Series | None = None, not_after: datetime | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The kept activities, and each one's row among the kept leads (``EventData.activity_rows``); an
    activities export without lead ids is joined by e-mail address (:func:`~features.loading.lead_ids.ids_by_email`)."""
    table = _open_timed_table(path, mapping, "activities", ACTIVITY_COLUMNS, OCCURRED_AT, known_ids, lead_emails,
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
    report.files["activities"] = table.name
    report.file_notes.extend(f"{table.name}: {note}" for note in table.notes)
    report.ids_found_by_number["activities"] = table.by_number
    report.rows_read["activities"] = len(frame)
    report.rows_kept["activities"] = len(activities)
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(rows.warnings)
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


def _load_conversions(
    path: str | Path | RawTable, mapping: MappingRef, known_ids: pd.Series, rejected_ids: dict[str, int],
    report: DataReport, not_after: datetime | None = None, lead_emails: pd.Series | None = None,
) -> pd.DataFrame:
    """The kept conversions, one per lead (its first); a conversions export without lead ids (a CRM's deals keyed
    by the person's e-mail) is joined by address as activities are."""
    table = _open_timed_table(path, mapping, "conversions", CONVERSION_COLUMNS, CONVERTED_AT, known_ids,
                              lead_emails, not_after=not_after, order=report.date_order)
    report.columns_read_as["conversions"] = read_as(table.sources)
    frame, rows, ids = table.frame, table.rows, table.ids
    rows.reject(table.lead_codes < 0, table.id_field, unknown_lead(ids, rejected_ids), shown_ids_at(ids))

    clean = pd.DataFrame({LEAD_ID: ids, CONVERTED_AT: table.times})
    kept = clean[rows.keep].sort_values(CONVERTED_AT, kind="stable")
    later = kept.duplicated(subset=LEAD_ID, keep="first").to_numpy()
    earliest = kept[~later & kept[LEAD_ID].isin(kept.loc[later, LEAD_ID]).to_numpy()]
    earliest_row = dict(zip(earliest[LEAD_ID].tolist(), rows.numbers[earliest.index.to_numpy()].tolist(),
                            strict=True))
    earliest_at = dict(zip(earliest[LEAD_ID].tolist(), earliest[CONVERTED_AT], strict=True))
    repeat = np.zeros(len(frame), dtype=bool)
    repeat[kept.index[later].to_numpy()] = True
    rows.reject(repeat, table.time_field, each(ids, lambda lead: (
        f"lead already converted at {earliest_at[lead].isoformat()} (row {earliest_row[lead]});"
        " the earliest conversion is kept")), table.time_text)

    conversions = clean[rows.keep].reset_index(drop=True)
    report.files["conversions"] = table.name
    report.file_notes.extend(f"{table.name}: {note}" for note in table.notes)
    report.ids_found_by_number["conversions"] = table.by_number
    report.rows_read["conversions"] = len(frame)
    report.rows_kept["conversions"] = len(conversions)
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(rows.warnings)
    report.ignored_columns["conversions"] = [c for c in frame.columns
                                             if c not in CONVERSION_COLUMNS and c not in table.sources]
    report.missing_rates["conversions"] = missing_rates(conversions)
    return conversions


#: Activity rows from which a file counts as one of other leads when almost none of them names a lead.
SOME_ACTIVITIES = 100


def _activities_of_other_leads(report: DataReport) -> str:
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


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty activities/conversions table with the clean dtypes."""
    dtypes = {LEAD_ID: "str", OCCURRED_AT: TIMESTAMP_DTYPE, CONVERTED_AT: TIMESTAMP_DTYPE, ACTIVITY_TYPE: "str"}
    return pd.DataFrame({column: pd.Series(dtype=dtypes[column]) for column in columns})


def _one_outcome(leads: pd.DataFrame, conversions: pd.DataFrame, report: DataReport) -> str:
    """Why training stops when the history shows one outcome only: no lead converted while it was open (every
    conversion is dated before its lead was created), or every lead converted (the export holds customers
    only). A model fitted on either says 0 or 1 for every lead. Empty when both outcomes occur."""
    when = conversion_moments(leads[LEAD_ID], conversions)
    if when.notna().any() and report.conversions_before_creation == when.notna().sum():
        return (f"no lead converted while it was open: all {report.conversions_before_creation:,} conversions are "
                "dated before their lead was created (e.g. "
                f"{', '.join(map(str, report.conversions_before_creation_sample[:3]))}); are the two files of the "
                "same CRM, written in the same time zone?")
    if len(leads) >= 2 and when.notna().all():
        return (f"every one of the {len(leads):,} leads converted: nothing to learn what does not; export all "
                "leads, the open and the lost ones too, not only the customers")
    return ""


def _no_conversions_message(conversions: str | Path | None, derivable: bool, report: DataReport) -> str:
    base = "no conversions at all: cannot learn what converts"
    if conversions is None and not derivable:
        return (f"{base} (no conversions file was given, and the leads file has no conversion date column: give "
                "--conversions, or a leads column converted_at)")
    if conversions is None:
        return f"{base} ({report.files.get('conversions', 'the leads file')} has no usable conversion date)"
    name = str(conversions)
    reasons = Counter(issue.field for issue in report.rejected if issue.file == name)
    detail = ", ".join(f"{count} rejected for {column}" for column, count in reasons.most_common(3))
    read = report.rows_read.get("conversions", 0)
    return f"{base} ({name}: none of its {read} rows is usable{'; ' + detail if detail else ''})"


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
