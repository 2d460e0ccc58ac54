"""What loading did with every input row: the data report a data scientist reads first.

Every data row of every file is either kept or named in :attr:`DataReport.rejected` with its file, 1-based
row number and the column at fault (``"*"`` when the whole row is at fault). Values that could not be used
but did not cost the row are set to missing and named in :attr:`DataReport.warnings`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from features.contract import LEAD_ID, OTHER_ACTIVITY

#: ``RowIssue.field`` when the whole row is at fault rather than one column.
WHOLE_ROW = "*"


class DataContractError(ValueError):
    """The input cannot be used at all: a required column is missing, a file is empty or unreadable, or
    (training only) there is nothing to learn from (no conversions, a label with one class)."""


@dataclass(frozen=True)
class RowIssue:
    """One input row that was rejected, or kept with a value set to missing."""

    file: str  #: the file name as the caller gave it
    row: int  #: 1-based data row number (the header is not counted), so the user can find the row
    field: str  #: the column at fault, as named in the file; ``"*"`` for the whole row
    reason: str  #: e.g. ``"duplicate lead_id (first seen in row 12)"``
    value: str | None  #: the offending value as text, when there is one
    lead_id: str | None  #: the row's lead id, when it has one

    def describe(self) -> str:
        """One line a person can act on: where, which column, why."""
        shown = self.value is None or repr(self.value) in self.reason
        value = "" if shown else f" [value {_shorten(str(self.value))!r}]"
        return f"{self.file} row {self.row}, {self.field}: {self.reason}{value}"


#: How the reason of an activity row that repeats an earlier one begins.
EXACT_DUPLICATE = "exact duplicate of row"


@dataclass
class DataReport:
    """What loading did with every input row and column: the first thing a data scientist reads."""

    rows_read: dict[str, int] = field(default_factory=dict)  #: data rows per table
    rows_kept: dict[str, int] = field(default_factory=dict)
    rejected: list[RowIssue] = field(default_factory=list)  #: rows not used at all, one issue per row
    warnings: list[RowIssue] = field(default_factory=list)  #: rows used, with a value set to missing
    unknown_lead_activities: int = 0  #: activity rows whose lead is not among the kept leads
    unknown_lead_ids_sample: list[str] = field(default_factory=list)
    duplicate_activity_rows: int = 0  #: exact repeats (same lead, time, type): export artefacts
    #: conversions dated before their lead's ``created_at``: the lead is never open, so never an example
    conversions_before_creation: int = 0
    #: per table, rows whose lead was found by the whole number its id writes (``00123`` as ``123``)
    ids_found_by_number: dict[str, int] = field(default_factory=dict)
    conversions_before_creation_sample: list[str] = field(default_factory=list)
    unknown_activity_types: dict[str, int] = field(default_factory=dict)  #: kept; features say "other"
    #: each unknown type as the export writes it most often (``chat_started`` → ``Chat Started``): the value to
    #: look for in the CRM, or to map
    activity_type_spellings: dict[str, str] = field(default_factory=dict)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  #: present but not used
    extra_columns: list[str] = field(default_factory=list)  #: declared extra fit columns found
    missing_rates: dict[str, dict[str, float]] = field(default_factory=dict)  #: after cleaning
    files: dict[str, str] = field(default_factory=dict)  #: table name → the file it was read from
    #: how an outcome column's values were read (flat mode with ``converted`` values), one line
    label_reading: str = ""
    file_notes: list[str] = field(default_factory=list)  #: how a file was read ("x.csv: read as Windows-1252 …")
    #: per table, the file's headers read as a contract column under another name ("Created Date" → created_at)
    columns_read_as: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the order the leads file's slashed dates were read in (``mdy``: month first, ``dmy``), None when not slashed
    date_order: str | None = None
    #: amounts written in another currency than the contract's euros (read as written, not converted)
    currency_notes: list[str] = field(default_factory=list)
    #: the declared extra columns of numbers read with a decimal comma (as their values showed, else as a
    #: ``;``-separated file is read: German)
    decimal_comma_columns: list[str] = field(default_factory=list)

    def rejected_per_table(self) -> dict[str, int]:
        """Rejected rows per table (``rows_read == rows_kept + rejected`` holds for each table)."""
        counts = Counter(issue.file for issue in self.rejected)
        return {table: counts.get(name, 0) for table, name in self.files.items()}

    def to_dict(self, max_issues: int | None = None) -> dict[str, Any]:
        """A JSON-serialisable copy; ``max_issues`` caps the listed issues (the counts stay complete)."""
        result: dict[str, Any] = {
            "files": dict(self.files),
            "rows_read": dict(self.rows_read),
            "rows_kept": dict(self.rows_kept),
            "rows_rejected": self.rejected_per_table(),
            "rejected_count": len(self.rejected),
            "warning_count": len(self.warnings),
            "rejected": [asdict(issue) for issue in self.rejected[:max_issues]],
            "warnings": [asdict(issue) for issue in self.warnings[:max_issues]],
            "unknown_lead_activities": self.unknown_lead_activities,
            "unknown_lead_ids_sample": list(self.unknown_lead_ids_sample),
            "duplicate_activity_rows": self.duplicate_activity_rows,
            "conversions_before_creation": self.conversions_before_creation,
            "ids_found_by_number": dict(self.ids_found_by_number),
            "conversions_before_creation_sample": list(self.conversions_before_creation_sample),
            "unknown_activity_types": dict(self.unknown_activity_types),
            "activity_type_spellings": dict(self.activity_type_spellings),
            "ignored_columns": {table: list(cols) for table, cols in self.ignored_columns.items()},
            "extra_columns": list(self.extra_columns),
            "missing_rates": {table: dict(rates) for table, rates in self.missing_rates.items()},
            "label_reading": self.label_reading,
            "file_notes": list(self.file_notes),
            "columns_read_as": {table: dict(names) for table, names in self.columns_read_as.items()},
            "date_order": self.date_order,
            "currency_notes": list(self.currency_notes),
            "decimal_comma_columns": list(self.decimal_comma_columns),
        }
        return result

    def id_notes(self) -> list[str]:
        """What a user should hear about how the tables' lead ids met: rows found by the number their id
        writes (the files write ids differently, and it worked), rows naming no lead at all."""
        lines = [f"{self.files.get(table, table)}: lead found by the number its id writes for {_rows(count)} "
                 f"('00123' or '123.0' as '123'): the files write lead ids differently"
                 for table, count in self.ids_found_by_number.items() if count]
        by_address = self.unknown_lead_ids_sample and all(i.startswith("(") for i in self.unknown_lead_ids_sample)
        if self.unknown_lead_activities and by_address:  # keyed by e-mail: placeholders, never the addresses
            lines.append(f"{self.files.get('activities', 'activities')}: {_rows(self.unknown_lead_activities)} keyed "
                         f"by an e-mail address that no lead of {self.files.get('leads', 'the leads file')} has, or "
                         "several have: not used")
        elif self.unknown_lead_activities:
            sample = ", ".join(self.unknown_lead_ids_sample[:5])
            lines.append(f"{self.files.get('activities', 'activities')}: no lead of "
                         f"{self.files.get('leads', 'the leads file')} for {_rows(self.unknown_lead_activities)} "
                         f"(e.g. {sample}): not used; if the leads file holds every lead, check how the two files "
                         "write lead ids, and whether those leads' rows were rejected (their rows' errors say why)")
        return lines

    def type_notes(self) -> list[str]:
        """The activity types no rule reads as a contract type, most frequent first (kept, counted as other);
        a vendor mapping's sales activities (``sales_call``, ``sales_email`` …: what a rep did, not the lead)
        apart, since they are known, not unknown."""
        common = sorted(self.unknown_activity_types.items(), key=lambda item: (-item[1], item[0]))
        notes = []
        for title, names in (("Unknown activity types", [c for c in common if not c[0].startswith("sales_")]),
                             ("Sales activities (what a rep did)", [c for c in common if c[0].startswith("sales_")])):
            if names:
                shown = ", ".join(f"{self.activity_type_spellings.get(name, name)} ({count:,})"
                                  for name, count in names[:10])
                rest = [self.activity_type_spellings.get(name, name) for name, _ in names[10:]]
                more = (f" and {len(rest):,} more: {', '.join(rest[:40])}{', …' if len(rest) > 40 else ''}"
                        if rest else "")
                notes.append(f"{title} (kept, counted as '{OTHER_ACTIVITY}'): {shown}{more}")
        return notes

    def unread_activity_notes(self) -> list[str]:
        """Activity rows not used for a reason other than their lead id (an unreadable time, no type): how
        many per column, with the first such row. (Rows naming no lead are :meth:`id_notes`.)"""
        name = self.files.get("activities")
        id_headers = {LEAD_ID} | {h for h, c in self.columns_read_as.get("activities", {}).items() if c == LEAD_ID}
        unread = list({issue.row: issue for issue in self.rejected  # once a row (chunks may share a row)
                       if issue.file == name and issue.field not in id_headers
                       and not issue.reason.startswith(EXACT_DUPLICATE)}.values())  # a duplicate's first row is used
        if not unread:
            return []
        counts = ", ".join(f"{column}: {count:,}" for column, count in Counter(i.field for i in unread).most_common())
        return [f"{name}: {_rows(len(unread))} not used ({counts}), their leads are scored without them; "
                f"the first: {min(unread, key=lambda issue: issue.row).describe()}"]

    def scoring_notes(self) -> list[str]:
        """What a batch run tells its user beside the score file: how the lead ids met, activity rows not
        read, unknown types."""
        return (self.id_notes() + self.unread_activity_notes() + self.unread_conversion_notes() + self.type_notes()
                + self.currency_notes)

    def unread_conversion_notes(self) -> list[str]:
        """Conversion rows not used (a lead it names is not in the leads file, an e-mail no lead or several leads
        have, an unreadable date): their leads are scored as still open, which the user should hear of."""
        name = self.files.get("conversions")
        unread = list({issue.row: issue for issue in self.rejected if issue.file == name}.values())
        if not unread:
            return []
        return [f"{name}: {_rows(len(unread))} not used, so the leads they meant are scored as open; the first: "
                f"{min(unread, key=lambda issue: issue.row).describe()}"]

    def to_text(self, max_issues: int = 5, max_missing: int = 8) -> str:
        """A short human-readable summary: rows per table, what was rejected and why, what was ignored."""
        lines = ["Data report"]
        rejected = self.rejected_per_table()
        for table, read in self.rows_read.items():
            kept = self.rows_kept.get(table, 0)
            source = self.files.get(table, "?")
            lines.append(
                f"  {table:<12} {source}: {read:,} rows read, {kept:,} kept, {rejected.get(table, 0):,} rejected"
            )
        lines.extend(f"  {note}" for note in [*self.file_notes, *self.currency_notes])
        read_as = {table: names for table, names in self.columns_read_as.items() if names}
        if read_as:
            lines.append("Columns read as the contract's: " + "; ".join(
                f"{table} " + ", ".join(f"{header!r} as {column}" for header, column in names.items())
                for table, names in read_as.items()))
        lines.extend(self.id_notes())
        lines.append(f"Rejected rows: {len(self.rejected):,}")
        lines.extend(_issue_lines(self.rejected, max_issues))
        if self.warnings:
            lines.append(f"Rows kept with a value set to missing: {len(self.warnings):,}")
            lines.extend(_issue_lines(self.warnings, max_issues))
        if self.duplicate_activity_rows:
            lines.append(f"Duplicate activity rows (dropped): {self.duplicate_activity_rows:,}")
        if self.conversions_before_creation:
            sample = ", ".join(self.conversions_before_creation_sample[:5])
            lines.append(f"Conversions dated before their lead was created: {self.conversions_before_creation:,} "
                         f"(e.g. {sample}): such a lead is never open, so it is never a training example and is "
                         "not scored; if many are, check that both exports use the same time zone")
        lines.extend(self.type_notes())
        ignored = {table: cols for table, cols in self.ignored_columns.items() if cols}
        if ignored:
            shown = "; ".join(f"{table}: {', '.join(cols)}" for table, cols in ignored.items())
            lines.append(f"Ignored columns: {shown}")
        if self.extra_columns:
            lines.append(f"Extra columns used: {', '.join(self.extra_columns)}")
        if self.label_reading:
            lines.append(self.label_reading)
        rates = [
            (rate, f"{table}.{column}")
            for table, columns in self.missing_rates.items()
            for column, rate in columns.items()
            if rate > 0
        ]
        if rates:
            top = sorted(rates, key=lambda item: (-item[0], item[1]))[:max_missing]
            lines.append("Highest missing rates: " + ", ".join(f"{name} {rate:.0%}" for rate, name in top))
        return "\n".join(lines)



def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _issue_lines(issues: list[RowIssue], limit: int) -> list[str]:
    if not issues:
        return []
    lines = [f"    {issue.describe()}" for issue in issues[:limit]]
    if len(issues) > limit:
        by_column = Counter((issue.file, issue.field) for issue in issues)
        summary = ", ".join(f"{file} {column}: {count:,}" for (file, column), count in by_column.most_common(5))
        lines.append(f"    … {len(issues) - limit:,} more; by column: {summary}")
    return lines
