"""Conversions: when a lead became an opportunity, from a conversions file or from the leads export itself.

A conversions file is a timed table (:mod:`features.loading.timed`); a row of a lead that is not among the
kept leads is rejected, and so is any conversion of a lead after its earliest one. A leads export may record
conversions itself (a conversion date column, with or without a flag): :func:`derived_conversions`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features import values
from features.contract import CONVERSION_COLUMNS, CONVERTED_AT, CREATED_AT, LEAD_ID
from features.loading.files import RawTable
from features.loading.lead_ids import UNKNOWN_ID_SAMPLE, shown_ids_at, unknown_lead
from features.loading.ledger import RowLedger, each, field_name, missing_rates
from features.loading.report import DataReport
from features.loading.timed import after, file_moments, in_the_future, open_timed_table, read_as
from features.mappings import MappingRef
from features.vendors import CONVERSION_FLAG


def conversion_moments(lead_ids: pd.Index | pd.Series, conversions: pd.DataFrame) -> pd.Series:
    """Each lead's conversion moment as ``conversions`` records it (NaT: none), in the order of ``lead_ids``
    and on their index (a Series') or as their index (an Index). A lead is *open* at ``t`` when this is NaT
    or after ``t``: the one rule training's labels, monitoring and the score file use. ``conversions`` holds
    one row per lead, as :attr:`EventData.conversions` does."""
    moments = conversions.set_index(LEAD_ID)[CONVERTED_AT].reindex(lead_ids)
    return pd.Series(moments.array, index=lead_ids.index if isinstance(lead_ids, pd.Series) else lead_ids)


def note_conversions_before_creation(leads: pd.DataFrame, conversions: pd.DataFrame, report: DataReport) -> None:
    """Count the conversions dated before their lead's creation (kept as they are: the lead was never open).
    A CRM shows them when a lead is entered again after its account became a customer, or when the two
    exports are written in different time zones; the user should hear of them, not find them missing."""
    early = (conversion_moments(leads[LEAD_ID], conversions) < leads[CREATED_AT]).to_numpy()
    report.conversions_before_creation = int(early.sum())
    report.conversions_before_creation_sample = leads.loc[early, LEAD_ID].head(UNKNOWN_ID_SAMPLE).tolist()


def derived_conversions(
    frame: pd.DataFrame, rows: RowLedger, ids: pd.Series, sources: dict[str, tuple[str, ...]], name: str,
    report: DataReport, not_after: datetime | None = None, order: str | None = None, zone: str | None = None,
) -> pd.DataFrame:
    """Conversions recorded in a leads export (Salesforce ``ConvertedDate``, HubSpot's "Became an Opportunity
    Date", a ``converted_at`` column): a kept lead with a usable date converted then. ``order``: the order the
    file's slashed creation dates showed (``dmy``/``mdy``), for conversion dates that show none."""
    converted, bad, shown = file_moments(frame[CONVERTED_AT], order, zone)
    date_field = field_name(sources, CONVERTED_AT)
    rows.warn(bad, date_field, each(shown, lambda value: f"unparseable timestamp {value!r}: conversion not used"),
              shown)
    late = after(converted, not_after)
    rows.warn(late, date_field, in_the_future(shown, converted, not_after, "conversion not used"), shown)
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


def load_conversions(
    path: str | Path | RawTable, mapping: MappingRef, known_ids: pd.Series, rejected_ids: dict[str, int],
    report: DataReport, not_after: datetime | None = None, lead_emails: pd.Series | None = None,
) -> pd.DataFrame:
    """The kept conversions, one per lead (its first); a conversions export without lead ids (a CRM's deals keyed
    by the person's e-mail) is joined by address as activities are."""
    table = open_timed_table(path, mapping, "conversions", CONVERSION_COLUMNS, CONVERTED_AT, known_ids,
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
    table.account(report, "conversions", len(conversions))
    report.ignored_columns["conversions"] = [c for c in frame.columns
                                             if c not in CONVERSION_COLUMNS and c not in table.sources]
    report.missing_rates["conversions"] = missing_rates(conversions)
    return conversions


def one_outcome(leads: pd.DataFrame, conversions: pd.DataFrame, report: DataReport) -> str:
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


def no_conversions_message(conversions: str | Path | None, derivable: bool, report: DataReport) -> str:
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
