"""Load CRM exports (CSV or Parquet) into clean frames, and account for every input row in a report.

Two shapes of input, both described in ``../shared/DATA_CONTRACT.md``:

* **event mode** (:func:`load_event_data`): ``leads`` + ``activities`` + ``conversions`` tables, in the
  contract's vocabulary or in a vendor's (``mapping="salesforce"`` / ``"hubspot"``, see
  :mod:`features.mappings`);
* **flat mode** (:func:`load_flat_table`): one row per lead with a 0/1 outcome column.

Principle: nothing is dropped silently. Every data row of every file is either kept or named in
:attr:`DataReport.rejected` with its file, 1-based row number and the column at fault (``"*"`` when the
whole row is at fault: an empty row, or a CSV row with more fields than the header). Values that could not
be used but did not cost the row (``employee_count`` ``"viele"``) are set to missing and named in
:attr:`DataReport.warnings`. Problems that make the whole input unusable raise :class:`DataContractError`
with the file and the column in the message.

Reading rules
-------------
* Row numbers count data records, the header not included: row 1 is the first record after the header.
  It equals "line number - 1" unless a quoted value spans several lines.
* CSV: UTF-8 (a byte-order mark is tolerated); the separator (``,`` or ``;``) is detected from the header
  line; every value is read as text and converted here. A row with *fewer* fields than the header reads
  the missing trailing fields as empty (as spreadsheet programs do); a row with *more* fields is rejected.
  A header field that is empty (a trailing separator, as in the x_education export) names no column: it
  is ignored and reported.
* Missing values: empty cells and the markers in :data:`features.contract.MISSING_MARKERS` (``Select``,
  ``NA``, ``k.A.``, …; compared case-insensitively after stripping) become missing.
* Timestamps: ISO 8601 (``2024-03-01T10:00:00Z``, ``2024-03-01T10:00:00+02:00``,
  ``2024-03-01 10:00:00``, ``2024-03-01``). No offset means UTC; an offset is converted to UTC. Result
  dtype ``datetime64[us, UTC]``. Day-first forms such as ``01.03.2024`` are **not** guessed (is
  ``02.03.2024`` in February or March?): such a value is unparseable.
* Contract amounts (``employee_count``, ``annual_revenue``) accept German and English grouping, because
  CRM report exports format numbers in the user's locale:

  - spaces, no-break spaces and apostrophes inside the number are ignored (``1 234``, ``1'234``), as is
    a leading or trailing ``€``/``EUR``;
  - with both ``.`` and ``,`` present, the last one is the decimal mark (``1.234.567,89`` and
    ``1,234,567.89`` are both 1234567.89);
  - with one kind only, it is a **thousands separator** when it groups digits in threes behind a first
    group of 1–3 digits that does not start with 0 (``1.234``, ``1,234``, ``12.345.678``), otherwise the
    decimal mark (``1.5``, ``1,5``, ``0.234``, ``1234.567``). So ``1.234`` is one thousand two hundred
    and thirty-four, never 1.234: a head count or a EUR revenue with three decimals is not plausible,
    a German export writing thousands with a dot is common. (A CSV written by :func:`write_table`
    prints floats with ``.`` and no grouping, so only amounts with exactly three decimals are affected.)
  - a negative value, or text that is not a number (``viele``, ``50-100``), becomes missing with a
    warning.
* Other numbers (declared extra columns in event mode, feature columns in flat mode) are read plainly:
  ``.`` as decimal mark, no grouping, exponent allowed; in a ``;``-separated file (the German Excel
  convention) a decimal comma is accepted too. A column is numeric when every non-missing value is such a
  number and none has a leading zero (``01067`` is a postal code, not 1067); otherwise it is text.
* What costs a row (one :class:`RowIssue` each, first failing check wins): in every table, a CSV row
  with more fields than the header, an empty row, a missing required value, an unparseable timestamp;
  in ``leads``, a ``lead_id`` seen in an earlier kept row; in ``activities``, a lead that is not among
  the kept leads (also counted in :attr:`DataReport.unknown_lead_activities`) and an exact repeat of an
  earlier row (counted in :attr:`DataReport.duplicate_activity_rows`); in ``conversions``, a lead that
  is not among the kept leads and any conversion of a lead after its earliest one. In flat mode: a
  missing or duplicate id and, when training, a missing or unparseable label or time.
* Strings are stripped and otherwise kept as the CRM wrote them: recognising synonyms (``Webformular``,
  ``Germany``) is the job of :mod:`features.normalise`, not of the loader. Two exceptions: the value maps
  of a vendor mapping (:mod:`features.mappings`), and ``activity_type``, which is lower-cased and
  stripped, a spelling that is a contract type in snake case (``Page View``) becoming that type; other
  activity types are kept and counted.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from features.contract import (
    ACTIVITY_COLUMNS,
    ACTIVITY_TYPE,
    ACTIVITY_TYPES,
    CONVERSION_COLUMNS,
    CONVERTED_AT,
    CREATED_AT,
    LEAD_COLUMNS,
    LEAD_ID,
    MISSING_MARKERS,
    NUMERIC_LEAD_COLUMNS,
    OCCURRED_AT,
    OTHER_ACTIVITY,
    REQUIRED_LEAD_COLUMNS,
)
from features.ids import lead_rows
from features.mappings import CONVERSION_FLAG, MAPPINGS, apply_mapping, lower_snake

__all__ = [
    "DataContractError",
    "DataReport",
    "EventData",
    "FlatData",
    "RowIssue",
    "load_event_data",
    "load_flat_table",
    "read_table",
    "write_table",
]

TIMESTAMP_DTYPE = "datetime64[us, UTC]"
#: ``RowIssue.field`` when the whole row is at fault rather than one column.
WHOLE_ROW = "*"
#: How many unknown lead ids the report quotes as examples.
UNKNOWN_ID_SAMPLE = 10

_TRUE = frozenset({"1", "1.0", "true", "yes", "ja"})
_FALSE = frozenset({"0", "0.0", "false", "no", "nein"})
_MISSING_REQUIRED = "missing required value"


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
    unknown_activity_types: dict[str, int] = field(default_factory=dict)  #: kept; features say "other"
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  #: present but not used
    extra_columns: list[str] = field(default_factory=list)  #: declared extra fit columns found
    missing_rates: dict[str, dict[str, float]] = field(default_factory=dict)  #: after cleaning
    files: dict[str, str] = field(default_factory=dict)  #: table name → the file it was read from

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
            "unknown_activity_types": dict(self.unknown_activity_types),
            "ignored_columns": {table: list(cols) for table, cols in self.ignored_columns.items()},
            "extra_columns": list(self.extra_columns),
            "missing_rates": {table: dict(rates) for table, rates in self.missing_rates.items()},
        }
        return result

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
        lines.append(f"Rejected rows: {len(self.rejected):,}")
        lines.extend(_issue_lines(self.rejected, max_issues))
        if self.warnings:
            lines.append(f"Rows kept with a value set to missing: {len(self.warnings):,}")
            lines.extend(_issue_lines(self.warnings, max_issues))
        if self.unknown_lead_activities:
            sample = ", ".join(self.unknown_lead_ids_sample[:5])
            lines.append(f"Activities for unknown leads (skipped): {self.unknown_lead_activities:,} (e.g. {sample})")
        if self.duplicate_activity_rows:
            lines.append(f"Duplicate activity rows (dropped): {self.duplicate_activity_rows:,}")
        if self.unknown_activity_types:
            common = sorted(self.unknown_activity_types.items(), key=lambda item: (-item[1], item[0]))
            shown = ", ".join(f"{name} ({count:,})" for name, count in common[:10])
            lines.append(f"Unknown activity types (kept, counted as '{OTHER_ACTIVITY}'): {shown}")
        ignored = {table: cols for table, cols in self.ignored_columns.items() if cols}
        if ignored:
            shown = "; ".join(f"{table}: {', '.join(cols)}" for table, cols in ignored.items())
            lines.append(f"Ignored columns: {shown}")
        if self.extra_columns:
            lines.append(f"Extra columns used: {', '.join(self.extra_columns)}")
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


@dataclass
class EventData:
    """The three event-mode tables, cleaned: ids ``str``, timestamps ``datetime64[us, UTC]``."""

    #: contract lead columns present in the file (+ declared extras) and ``source_row`` (1-based row
    #: number in the leads file), one row per kept lead, in file order
    leads: pd.DataFrame
    #: ``lead_id``, ``occurred_at``, ``activity_type`` (normalised; unknown types kept) for known leads
    activities: pd.DataFrame
    #: ``lead_id``, ``converted_at``: the earliest conversion per known lead (empty when none given)
    conversions: pd.DataFrame
    #: each activity's row in ``leads`` (int32), found while checking that its lead exists; the feature
    #: pipeline takes it instead of looking millions of lead ids up again (None: not known)
    activity_rows: np.ndarray | None = None


@dataclass
class FlatData:
    """A flat (one row per lead) table split into what the model sees and what it must not."""

    #: every column except label/id/time/dropped ones; float64 when all values are numbers, else str
    features: pd.DataFrame
    label: np.ndarray | None  #: 0/1 int8 (1 = converted); None when there is no usable label column
    ids: pd.Series  #: the id column as str, or the 1-based row number as str when none is given
    times: pd.Series | None  #: the time column as ``datetime64[us, UTC]``, when one is given
    source_row: np.ndarray  #: 1-based input row numbers of the kept rows


# --------------------------------------------------------------------------------------------------
# Reading and writing files


@dataclass
class _RawTable:
    """A file as read, before any contract rule: values are text for CSV, native types for Parquet."""

    name: str
    frame: pd.DataFrame
    separator: str | None
    unnamed: list[str]  #: columns whose header field was empty
    malformed: dict[int, str]  #: 0-based position → why the row could not be split into fields


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``.csv`` (every value as text; separator detected) or ``.parquet`` file as it is.

    Raises :class:`DataContractError` for another extension, a missing, empty, unreadable or non-UTF-8
    file, a header naming a column twice, or a CSV row with more fields than the header (the loaders
    reject such rows one by one instead; this plain reader has no report to put them in).
    """
    raw = _read_raw(path)
    if raw.malformed:
        position, reason = next(iter(raw.malformed.items()))
        more = f" ({len(raw.malformed) - 1} more such rows)" if len(raw.malformed) > 1 else ""
        raise DataContractError(f"{raw.name}: row {position + 1}: {reason}{more}")
    return raw.frame


def _read_raw(path: str | Path, picklists: Sequence[str] = ()) -> _RawTable:
    """Read a file as it is. ``picklists`` name text columns with few distinct values (activity types):
    Parquet delivers them dictionary-encoded, as pandas categories, which spares hashing millions of
    values to find their few distinct ones; CSV reads them as text like every other column."""
    name = str(path)
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise DataContractError(f"{name}: unsupported file type {suffix or '(none)'!r}; use .csv or .parquet")
    if not file.is_file():
        raise DataContractError(f"{name}: file not found")
    if suffix == ".parquet":
        return _read_parquet(file, name, picklists)
    return _read_csv(file, name)


def _read_parquet(file: Path, name: str, picklists: Sequence[str] = ()) -> _RawTable:
    try:
        schema = pq.read_schema(file)
        text = {field.name for field in schema if field.type in (pa.string(), pa.large_string())}
        dictionary = [column for column in picklists if column in text]
        frame = pd.read_parquet(file, read_dictionary=dictionary or None)
    except (OSError, ValueError) as exc:
        raise DataContractError(f"{name}: cannot read Parquet file: {exc}") from exc
    header = [str(column) for column in frame.columns]
    frame.columns = _name_columns(header, name)
    unnamed = [column for column, raw in zip(frame.columns, header, strict=True) if not raw.strip()]
    return _RawTable(name, frame.reset_index(drop=True), None, unnamed, {})


def _read_csv(file: Path, name: str) -> _RawTable:
    separator = _detect_separator(file, name)
    try:
        frame = pd.read_csv(
            file,
            sep=separator,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
        malformed: dict[int, str] = {}
    except UnicodeDecodeError as exc:
        raise DataContractError(f"{name}: not UTF-8 text ({exc.reason}); export it as UTF-8") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataContractError(f"{name}: empty file (no header row)") from exc
    except pd.errors.ParserError:
        frame, malformed = _read_csv_row_by_row(file, name, separator)
    except OSError as exc:
        raise DataContractError(f"{name}: cannot read file: {exc}") from exc
    header = [str(value) for value in frame.iloc[0]]
    if not any(value.strip() for value in header):
        raise DataContractError(f"{name}: the first line is empty; expected a header row")
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = _name_columns(header, name)
    unnamed = [column for column, raw in zip(frame.columns, header, strict=True) if not raw.strip()]
    return _RawTable(name, frame, separator, unnamed, malformed)


def _detect_separator(file: Path, name: str) -> str:
    """``;`` when the header line splits into more fields on ``;`` than on ``,``; else ``,``."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            head = handle.read(65536)
    except UnicodeDecodeError as exc:
        raise DataContractError(f"{name}: not UTF-8 text ({exc.reason}); export it as UTF-8") from exc
    except OSError as exc:
        raise DataContractError(f"{name}: cannot read file: {exc}") from exc
    if not head.strip():
        raise DataContractError(f"{name}: empty file (no header row)")
    widths = {sep: len(next(csv.reader(io.StringIO(head), delimiter=sep), [])) for sep in (",", ";")}
    return ";" if widths[";"] > widths[","] else ","


def _read_csv_row_by_row(file: Path, name: str, separator: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """The slow path for a CSV whose rows do not all fit the header: such rows become malformed rows
    (reported and rejected by the loaders) instead of stopping the whole file."""
    malformed: dict[int, str] = {}
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=separator, strict=True)
            try:
                records = list(reader)
            except csv.Error as exc:
                raise DataContractError(f"{name}: cannot parse CSV near line {reader.line_num}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataContractError(f"{name}: not UTF-8 text ({exc.reason}); export it as UTF-8") from exc
    width = len(records[0])
    for position, record in enumerate(records[1:]):
        if len(record) > width:
            malformed[position] = (
                f"row has {len(record)} fields, the header has {width} (an unquoted '{separator}' in a value?)"
            )
            record.clear()
        record.extend([""] * (width - len(record)))
    return pd.DataFrame(records, dtype="str"), malformed


def _name_columns(header: list[str], name: str) -> list[str]:
    """Stripped header names; empty ones become ``(unnamed column N)``; a repeated name is fatal."""
    columns = [
        value.strip() if value.strip() else f"(unnamed column {position})"
        for position, value in enumerate(header, start=1)
    ]
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise DataContractError(f"{name}: column {column!r} appears more than once in the header")
        seen.add(column)
    return columns


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV (UTF-8, ``,``) or Parquet, by the extension of ``path``, atomically.

    The data goes to a temporary file in the same folder, which replaces ``path`` only once complete;
    if writing fails, ``path`` is untouched and the temporary file is removed.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: unsupported file type {suffix or '(none)'!r}; use .csv or .parquet")
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    handle_fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if suffix == ".csv":
            with os.fdopen(handle_fd, "w", encoding="utf-8", newline="") as text_handle:
                df.to_csv(text_handle, index=False)
                text_handle.flush()
                os.fsync(text_handle.fileno())
        else:
            with os.fdopen(handle_fd, "wb") as binary_handle:
                df.to_parquet(binary_handle, index=False)
                binary_handle.flush()
                os.fsync(binary_handle.fileno())
        os.chmod(temporary, mode)  # mkstemp creates 0600; the result should read like any other file
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------------------------------
# Value cleaning


def _text(series: pd.Series) -> pd.Series:
    """Values as stripped ``str`` with missing markers turned into missing (NaN)."""
    if isinstance(series.dtype, pd.StringDtype):
        text = series
    elif pd.api.types.is_bool_dtype(series):
        text = series.map({True: "true", False: "false"})
    elif pd.api.types.is_float_dtype(series):
        text = _each_distinct(series, _format_float)
    elif pd.api.types.is_integer_dtype(series) or isinstance(series.dtype, pd.DatetimeTZDtype):
        text = _each_distinct(series, str)
    else:
        text = series.map(lambda value: value if pd.isna(value) or isinstance(value, str) else str(value))
    text = text.astype("str").str.strip()
    return text.mask(text.str.lower().isin(MISSING_MARKERS)).astype("str")


def _each_distinct(series: pd.Series, render: Callable[[Any], str]) -> pd.Series:
    """``render`` applied to each distinct value only (missing values stay missing), as an object column.
    For numbers and timestamps, where equal values render alike; not for mixed Python objects (1 == True)."""
    codes, uniques = pd.factorize(series)
    rendered = np.array([render(value) for value in uniques] + [np.nan], dtype=object)
    return pd.Series(rendered[codes], index=series.index)  # code -1 (missing) takes the trailing NaN


def _format_float(value: float) -> str | float:
    """A float as the text a CSV would hold: ``12`` for 12.0 (ids, counts), ``1.5`` otherwise."""
    if pd.isna(value):
        return value
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _timestamps(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse to UTC: (timestamps, unparseable mask, the values as text for messages)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        # typed timestamps (Parquet) need no parsing; rendering millions of them as text only for error
        # messages that cannot occur would cost more than the rest of the load
        parsed = series if isinstance(series.dtype, pd.DatetimeTZDtype) else series.dt.tz_localize("UTC")
        parsed = parsed.dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)
        marker = pc.if_else(pa.array(parsed.isna().to_numpy()), pa.scalar(None, pa.large_string()), "(timestamp)")
        text = pd.Series(pd.array(marker, dtype="str"), index=series.index)
        return parsed, pd.Series(False, index=series.index), text
    text = _text(series)
    # Nanosecond digits would push pandas to nanosecond resolution, whose range ends in 2262. Only values
    # with a '.' can have them (most exports write whole seconds), so only those go through the regex.
    trimmed = text
    fraction = text.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False)
    if fraction.any():
        trimmed = text.copy()
        trimmed[fraction] = text[fraction].str.replace(r"(\.\d{6})\d+", r"\1", regex=True)
    parsed = pd.to_datetime(trimmed, format="ISO8601", utc=True, errors="coerce").astype(TIMESTAMP_DTYPE)
    return parsed, text.notna() & parsed.isna(), text


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_COMMA_NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_LEADING_ZERO = re.compile(r"[+-]?0\d", re.ASCII)
_CURRENCY = re.compile(r"^(?:€|eur)|(?:€|eur)$", re.IGNORECASE)


def _amount(text: str) -> float | None:
    """Parse a contract amount by the grouping rules in the module docstring; None if not a number."""
    value = _CURRENCY.sub("", text.strip())
    value = re.sub(r"[\s'\u00a0\u202f]", "", value)
    sign = -1.0 if value.startswith("-") else 1.0
    value = value.lstrip("+-")
    if not value or not value[0].isascii():
        return None
    if "." in value and "," in value:
        decimal = "." if value.rfind(".") > value.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, fraction = value.rsplit(decimal, 1)
        if not (_is_grouped(whole, thousands) and fraction.isascii() and fraction.isdigit()):
            return None
        return sign * float(f"{whole.replace(thousands, '')}.{fraction}")
    mark = "." if "." in value else "," if "," in value else None
    if mark is None:
        return sign * float(value) if _PLAIN_NUMBER.fullmatch(value) else None
    if _is_grouped(value, mark):
        return sign * float(value.replace(mark, ""))
    plain = value.replace(",", ".")
    return sign * float(plain) if value.count(mark) == 1 and _PLAIN_NUMBER.fullmatch(plain) else None


def _is_grouped(value: str, mark: str) -> bool:
    """``1.234`` / ``12,345,678``: a first group of 1–3 digits (not starting with 0), then groups of 3."""
    return re.fullmatch(rf"[1-9]\d{{0,2}}(?:{re.escape(mark)}\d{{3}})+", value, re.ASCII) is not None


def _amounts(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Contract amounts: (float64 values, negative mask, unparseable mask, text), negatives set missing.

    ``text`` is the value as an issue quotes it, in the rows an issue can name: every row of a text
    column; only the negative rows of a numeric column (a number is never unparseable), so a million
    numbers are not rendered as text for messages that cannot occur."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        negative = values < 0
        text = _text(series[negative]).reindex(series.index)
        return values.mask(negative), negative, pd.Series(False, index=series.index), text
    text = _text(series)
    lookup = {value: _amount(value) for value in text.dropna().unique()}
    values = text.map(lookup).astype("float64")
    unparseable = text.notna() & values.isna()
    negative = values < 0
    return values.mask(negative), negative, unparseable, text


def _generic(series: pd.Series, decimal_comma: bool) -> pd.Series:
    """A column of unknown meaning: float64 when every non-missing value is a plain number, else str."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    text = _text(series)
    values = text.dropna().unique()
    patterns = (_PLAIN_NUMBER, _COMMA_NUMBER) if decimal_comma else (_PLAIN_NUMBER,)
    numeric = all(
        any(pattern.fullmatch(value) for pattern in patterns) and not _LEADING_ZERO.match(value) for value in values
    )
    if not numeric:
        return text
    return text.str.replace(",", ".", regex=False).astype("float64")


def _flags(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """0/1 labels from 0/1, true/false, yes/no, ja/nein: (float 1.0/0.0/NaN, unparseable mask, text)."""
    text = _text(series)
    lowered = text.str.lower()
    values = pd.Series(np.nan, index=series.index, dtype="float64")
    values[lowered.isin(_TRUE)] = 1.0
    values[lowered.isin(_FALSE)] = 0.0
    return values, text.notna() & values.isna(), text


def _activity_types(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Activity types, lower-cased and stripped, a value whose snake-case form is a contract type becoming
    that type: a code per row (-1 where missing) and the distinct types the codes stand for.

    Only the distinct values are cleaned (an export has millions of rows and a few dozen types)."""
    raw_codes, text = _distinct_text(series)
    known = set(ACTIVITY_TYPES)
    cleaned = []
    for value in text.tolist():
        if not isinstance(value, str):
            cleaned.append(None)
            continue
        snake = lower_snake(value)
        cleaned.append(snake if snake in known else value.lower())
    type_codes, types = pd.factorize(pd.Series(cleaned, dtype="str"))
    codes = np.where(raw_codes < 0, -1, type_codes[raw_codes]) if type_codes.size else np.full(len(series), -1)
    return codes, pd.Series(types, dtype="str")


def _distinct_text(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The values as :func:`_text` makes them, as a code per row (-1 where missing in the input) and the
    text of each code (missing where :func:`_text` makes it missing)."""
    if isinstance(series.dtype, pd.StringDtype):
        codes, uniques = pd.factorize(series)
        return codes, _text(pd.Series(uniques, dtype=series.dtype))
    if isinstance(series.dtype, pd.CategoricalDtype) and isinstance(series.cat.categories.dtype, pd.StringDtype):
        return series.cat.codes.to_numpy().astype("int64"), _text(pd.Series(series.cat.categories))
    # other dtypes: equal objects may print differently (1, 1.0, True), so clean each value first
    codes, uniques = pd.factorize(_text(series))
    return codes, pd.Series(uniques, dtype="str")


def _empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """True for rows in which every cell is missing or blank (a blank line in a CSV).

    Each column is looked at only in the rows that are blank so far, typed columns first (cheapest), so
    a file without blank rows costs about one column."""
    def typed(series: pd.Series) -> bool:
        return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)

    candidates = np.arange(len(frame))
    for column in sorted(frame.columns, key=lambda name: not typed(frame[name])):
        series = frame[column].iloc[candidates] if candidates.size < len(frame) else frame[column]
        cell = series.isna()
        if not typed(series):
            cell |= series.astype("str").str.strip().eq("")
        candidates = candidates[cell.to_numpy()]
        if candidates.size == 0:
            break
    blank = np.zeros(len(frame), dtype=bool)
    blank[candidates] = True
    return blank


# --------------------------------------------------------------------------------------------------
# Row accounting


#: Why rows were rejected or warned about: one text for all of them, or a function that is given the
#: 0-based positions of the rows (ascending) and returns one text per row, in the same order.
_Reason = str | Callable[[np.ndarray], Sequence[str]]


class _Rows:
    """Which rows of one file are still in play, and the one issue of each row that is not."""

    def __init__(self, file: str, count: int) -> None:
        self.file = file
        self.keep = np.ones(count, dtype=bool)
        self.rejected: list[RowIssue] = []
        self.warnings: list[RowIssue] = []
        self.ids: pd.Series | None = None

    def reject(
        self,
        mask: pd.Series | np.ndarray,
        column: str,
        reason: _Reason,
        values: pd.Series | None = None,
    ) -> np.ndarray:
        """Reject the rows in ``mask`` that are still kept; ``reason`` may depend on the row position."""
        hit = np.asarray(mask, dtype=bool) & self.keep
        self.rejected.extend(self._issues(hit, column, reason, values))
        self.keep &= ~hit
        return hit

    def warn(
        self,
        mask: pd.Series | np.ndarray,
        column: str,
        reason: _Reason,
        values: pd.Series | None = None,
    ) -> None:
        """Record a warning for the kept rows in ``mask`` (the row stays; its value became missing)."""
        hit = np.asarray(mask, dtype=bool) & self.keep
        self.warnings.extend(self._issues(hit, column, reason, values))

    def reject_malformed(self, malformed: dict[int, str]) -> None:
        for position, reason in malformed.items():
            self.rejected.append(RowIssue(self.file, position + 1, WHOLE_ROW, reason, None, None))
            self.keep[position] = False

    def sorted_rejected(self) -> list[RowIssue]:
        return sorted(self.rejected, key=lambda issue: issue.row)

    def _issues(
        self,
        hit: np.ndarray,
        column: str,
        reason: _Reason,
        values: pd.Series | None,
    ) -> list[RowIssue]:
        """One issue per hit row; values, ids and reasons are looked up for those rows only."""
        positions = np.flatnonzero(hit)
        if positions.size == 0:
            return []
        count = positions.size
        texts = reason(positions) if callable(reason) else [reason] * count
        shown = [None] * count if values is None else [_optional_text(v) for v in _values_at(values, positions)]
        leads = [None] * count if self.ids is None else [_optional_text(v) for v in _values_at(self.ids, positions)]
        file = self.file
        return [
            RowIssue(file, row, column, text, value, lead)
            for row, text, value, lead in zip((positions + 1).tolist(), texts, shown, leads, strict=True)
        ]


def _values_at(series: pd.Series, positions: np.ndarray) -> list[Any]:
    """The values of ``series`` at 0-based ``positions``, as Python objects (missing values as NaN/None)."""
    return series.iloc[positions].tolist()


def _each(series: pd.Series, describe: Callable[[Any], str]) -> Callable[[np.ndarray], list[str]]:
    """A reason that depends on the row's value in ``series`` (looked up only for the rows at fault)."""
    return lambda positions: [describe(value) for value in _values_at(series, positions)]


def _optional_text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _reject_duplicates(rows: _Rows, ids: pd.Series, column: str, what: str) -> None:
    """Keep the first kept row of each id; reject each later one, naming the first."""
    kept = ids[rows.keep]
    repeated = kept.duplicated().to_numpy()
    if not repeated.any():
        return
    # name the first rows of the ids that repeat only (a dict over every id would cost more than the rest)
    twins = kept[kept.isin(kept[repeated]).to_numpy()]
    first = twins[~twins.duplicated().to_numpy()]
    first_row = dict(zip(first.tolist(), (first.index.to_numpy() + 1).tolist(), strict=True))
    later = np.zeros(len(ids), dtype=bool)
    later[kept.index[repeated].to_numpy()] = True
    rows.reject(later, column, _each(ids, lambda lead: f"duplicate {what} (first seen in row {first_row[lead]})"), ids)


def _field(sources: dict[str, tuple[str, ...]], column: str) -> str:
    """The column as the user's file names it (``CreatedDate`` for created_at under Salesforce)."""
    return "/".join(sources.get(column, (column,)))


def _missing_rates(frame: pd.DataFrame) -> dict[str, float]:
    if frame.empty:
        return {column: 0.0 for column in frame.columns}
    return {column: round(float(rate), 6) for column, rate in frame.isna().mean().items()}


def _require_columns(frame: pd.DataFrame, name: str, table: str, required: Sequence[str], mapping: str | None) -> None:
    for column in required:
        if column in frame.columns:
            continue
        vendor = MAPPINGS.get(mapping or "", {}).get(table, {}).get("columns", {}).get(column)
        hint = f" (the {mapping} mapping reads it from {' or '.join(map(repr, vendor))})" if vendor else ""
        found = ", ".join(map(repr, list(frame.columns)[:15]))
        raise DataContractError(
            f"{name}: required column {column!r} is missing from the {table} table{hint}; columns found: {found}"
        )


# --------------------------------------------------------------------------------------------------
# Event mode


def load_event_data(
    leads: str | Path,
    activities: str | Path | None = None,
    conversions: str | Path | None = None,
    *,
    mapping: str | None = None,
    extra_columns: Sequence[str] = (),
    for_training: bool = False,
) -> tuple[EventData, DataReport]:
    """Load the event-mode tables, validate them against the contract, and report on every row.

    ``mapping`` (``"salesforce"``, ``"hubspot"``) renames vendor columns first; with a mapping and no
    conversions file, conversions come from the leads export itself. ``extra_columns`` are lead columns
    outside the contract to keep as fit features. ``for_training`` demands at least one conversion
    (there is nothing to learn otherwise).
    """
    if mapping is not None and mapping not in MAPPINGS:
        raise ValueError(f"unknown mapping {mapping!r}; known mappings: {', '.join(sorted(MAPPINGS))}")
    report = DataReport()
    derive = mapping is not None and conversions is None
    lead_frame, derived, rejected_ids = _load_leads(leads, mapping, extra_columns, derive, report)
    known_ids = lead_frame[LEAD_ID]

    if activities is not None:
        activity_frame, activity_rows = _load_activities(activities, mapping, known_ids, rejected_ids, report)
    else:
        activity_frame, activity_rows = _empty_frame(ACTIVITY_COLUMNS), np.zeros(0, dtype=np.int32)

    if conversions is not None:
        conversion_frame = _load_conversions(conversions, mapping, known_ids, rejected_ids, report)
    elif derived is not None:
        conversion_frame = derived
    else:
        conversion_frame = _empty_frame(CONVERSION_COLUMNS)

    if for_training and conversion_frame.empty:
        raise DataContractError(_no_conversions_message(conversions, derived is not None, report))
    return EventData(lead_frame, activity_frame, conversion_frame, activity_rows), report


def _load_leads(
    path: str | Path, mapping: str | None, extra_columns: Sequence[str], derive: bool, report: DataReport
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, int]]:
    """Leads table, the conversions recorded in it (when ``derive`` and the vendor mapping provides
    them), and rejected lead id → its row."""
    raw = _read_raw(path)
    name = raw.name
    frame, sources = apply_mapping(raw.frame, mapping, "leads")
    _require_columns(frame, name, "leads", REQUIRED_LEAD_COLUMNS, mapping)
    extras = _check_extra_columns(frame, name, extra_columns, sources)
    if frame.empty:
        raise DataContractError(f"{name}: the leads file has a header but no rows")

    rows = _Rows(name, len(frame))
    rows.reject_malformed(raw.malformed)
    rows.reject(_empty_rows(frame), WHOLE_ROW, "empty row")
    ids = _text(frame[LEAD_ID])
    rows.ids = ids
    rows.reject(ids.isna(), _field(sources, LEAD_ID), _MISSING_REQUIRED)
    created, bad_created, created_text = _timestamps(frame[CREATED_AT])
    created_field = _field(sources, CREATED_AT)
    rows.reject(created_text.isna(), created_field, _MISSING_REQUIRED)
    rows.reject(bad_created, created_field, _unparseable_timestamp(created_text), created_text)
    _reject_duplicates(rows, ids, _field(sources, LEAD_ID), "lead_id")

    columns: dict[str, pd.Series] = {LEAD_ID: ids, CREATED_AT: created}
    for column in LEAD_COLUMNS:
        if column in columns or column not in frame.columns:
            continue
        if column in NUMERIC_LEAD_COLUMNS:
            values, negative, unparseable, text = _amounts(frame[column])
            rows.warn(unparseable, _field(sources, column), _not_a_number(text), text)
            rows.warn(negative, _field(sources, column), "negative value set to missing", text)
            columns[column] = values
        else:
            columns[column] = _text(frame[column])
    columns["source_row"] = pd.Series(np.arange(1, len(frame) + 1, dtype="int64"), index=frame.index)

    derived = None
    if derive and CONVERTED_AT in frame.columns:
        derived = _derived_conversions(frame, rows, ids, sources, name, report)

    keep = rows.keep
    leads = pd.DataFrame(columns)[keep].reset_index(drop=True)
    for column in extras:
        # numeric or text is decided on the rows that are used, as in flat mode
        values = _generic(frame.loc[keep, column], raw.separator == ";").reset_index(drop=True)
        leads.insert(leads.columns.get_loc("source_row"), column, values)
    rejected_ids = {issue.lead_id: issue.row for issue in reversed(rows.rejected) if issue.lead_id is not None}
    used = set(LEAD_COLUMNS) | set(extras) | ({CONVERTED_AT, CONVERSION_FLAG} if derived is not None else set())
    report.files["leads"] = name
    report.rows_read["leads"] = len(frame)
    report.rows_kept["leads"] = len(leads)
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(sorted(rows.warnings, key=lambda issue: issue.row))
    report.ignored_columns["leads"] = [column for column in frame.columns if column not in used]
    report.extra_columns = list(extras)
    report.missing_rates["leads"] = _missing_rates(leads.drop(columns="source_row"))
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


def _derived_conversions(
    frame: pd.DataFrame,
    rows: _Rows,
    ids: pd.Series,
    sources: dict[str, tuple[str, ...]],
    name: str,
    report: DataReport,
) -> pd.DataFrame:
    """Conversions recorded in a vendor leads export (Salesforce ``ConvertedDate``, HubSpot's
    "Became an Opportunity Date"): a kept lead with a usable date converted then."""
    converted, bad, text = _timestamps(frame[CONVERTED_AT])
    date_field = _field(sources, CONVERTED_AT)
    rows.warn(bad, date_field, _each(text, lambda value: f"unparseable timestamp {value!r}: conversion not used"), text)
    if CONVERSION_FLAG in frame.columns:
        flag, _, _ = _flags(frame[CONVERSION_FLAG])
        rows.warn(
            (flag == 1.0) & text.isna(),
            _field(sources, CONVERSION_FLAG),
            f"marked converted but {date_field} is empty: conversion time unknown, lead counted as not converted",
        )
    usable = rows.keep & converted.notna().to_numpy()
    derived = pd.DataFrame({LEAD_ID: ids[usable], CONVERTED_AT: converted[usable]}).reset_index(drop=True)
    report.files["conversions"] = f"{name} ({date_field})"
    report.rows_read["conversions"] = len(derived)
    report.rows_kept["conversions"] = len(derived)
    report.missing_rates["conversions"] = _missing_rates(derived)
    return derived


@dataclass
class _TimedTable:
    """An activities or conversions file after the checks both share."""

    name: str
    frame: pd.DataFrame
    sources: dict[str, tuple[str, ...]]
    rows: _Rows
    ids: pd.Series
    lead_codes: np.ndarray  #: position of the row's lead among the known leads, -1 when unknown or missing
    id_field: str
    times: pd.Series
    time_field: str
    time_text: pd.Series


def _open_timed_table(
    path: str | Path,
    mapping: str | None,
    table: str,
    columns: Sequence[str],
    time_column: str,
    known_ids: pd.Series,
) -> _TimedTable:
    """Read an activities or conversions file: map, require its columns, and reject the rows every such
    table rejects (malformed, empty, no lead id, missing or unparseable timestamp). ``known_ids`` are the
    kept leads' ids; each row's position among them is looked up here (rejection is the caller's)."""
    # activity types are read as categories only where no vendor mapping merges or translates them
    unmapped = MAPPINGS.get(mapping or "", {}).get(table) is None
    raw = _read_raw(path, picklists=(ACTIVITY_TYPE,) if unmapped and ACTIVITY_TYPE in columns else ())
    frame, sources = apply_mapping(raw.frame, mapping, table)
    _require_columns(frame, raw.name, table, columns, mapping)
    rows = _Rows(raw.name, len(frame))
    rows.reject_malformed(raw.malformed)
    rows.reject(_empty_rows(frame), WHOLE_ROW, "empty row")
    ids, lead_codes = _lead_ids(frame[LEAD_ID], known_ids)
    rows.ids = ids
    id_field = _field(sources, LEAD_ID)
    rows.reject(ids.isna(), id_field, _MISSING_REQUIRED)
    times, bad, text = _timestamps(frame[time_column])
    time_field = _field(sources, time_column)
    rows.reject(text.isna(), time_field, _MISSING_REQUIRED)
    rows.reject(bad, time_field, _unparseable_timestamp(text), text)
    return _TimedTable(raw.name, frame, sources, rows, ids, lead_codes, id_field, times, time_field, text)


def _load_activities(
    path: str | Path,
    mapping: str | None,
    known_ids: pd.Series,
    rejected_ids: dict[str, int],
    report: DataReport,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The kept activities, and each one's row among the kept leads (``EventData.activity_rows``)."""
    table = _open_timed_table(path, mapping, "activities", ACTIVITY_COLUMNS, OCCURRED_AT, known_ids)
    name, frame, rows, ids, id_field, occurred = (table.name, table.frame, table.rows, table.ids, table.id_field,
                                                  table.times)
    type_codes, type_names = _activity_types(frame[ACTIVITY_TYPE])
    rows.reject(type_codes < 0, _field(table.sources, ACTIVITY_TYPE), _MISSING_REQUIRED)

    lead_codes = table.lead_codes
    unknown = rows.reject(lead_codes < 0, id_field, _unknown_lead(ids, rejected_ids), ids)
    kept = None if rows.keep.all() else np.flatnonzero(rows.keep)  # None: every row (no copies)
    repeat, first = _repeats(*(_at(column, kept) for column in (occurred.array.asi8, lead_codes, type_codes)))
    if kept is not None:
        repeat, first = kept[repeat], kept[first]
    first_row = dict(zip(repeat.tolist(), (first + 1).tolist(), strict=True))
    duplicate = np.zeros(len(frame), dtype=bool)
    duplicate[repeat] = True

    def naming_the_first(positions: np.ndarray) -> list[str]:
        return [f"exact duplicate of row {first_row[p]} (same lead, time, type)" for p in positions.tolist()]

    rows.reject(duplicate, WHOLE_ROW, naming_the_first)

    kept = None if rows.keep.all() else np.flatnonzero(rows.keep)  # again: the duplicates are out now
    kept_types = _at(type_codes, kept)
    activities = pd.DataFrame(
        {
            LEAD_ID: _kept_rows(ids, rows.keep),
            OCCURRED_AT: (occurred if kept is None else occurred.iloc[kept]).reset_index(drop=True),
            ACTIVITY_TYPE: pd.Series(type_names.array.take(kept_types)),
        }
    )
    other = ~type_names.isin(ACTIVITY_TYPES).to_numpy()
    unknown_types = activities.loc[other[kept_types], ACTIVITY_TYPE]
    report.files["activities"] = name
    report.rows_read["activities"] = len(frame)
    report.rows_kept["activities"] = len(activities)
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(rows.warnings)
    report.unknown_lead_activities = int(unknown.sum())
    report.unknown_lead_ids_sample = ids[unknown].drop_duplicates().head(UNKNOWN_ID_SAMPLE).tolist()
    report.duplicate_activity_rows = int(duplicate.sum())
    report.unknown_activity_types = {str(k): int(v) for k, v in unknown_types.value_counts().items()}
    report.ignored_columns["activities"] = [c for c in frame.columns if c not in ACTIVITY_COLUMNS]
    report.missing_rates["activities"] = _missing_rates(activities)
    return activities, _at(lead_codes, kept).astype(np.int32)


def _load_conversions(
    path: str | Path,
    mapping: str | None,
    known_ids: pd.Series,
    rejected_ids: dict[str, int],
    report: DataReport,
) -> pd.DataFrame:
    table = _open_timed_table(path, mapping, "conversions", CONVERSION_COLUMNS, CONVERTED_AT, known_ids)
    name, frame, rows, ids, id_field, converted = (table.name, table.frame, table.rows, table.ids, table.id_field,
                                                   table.times)
    time_field, converted_text = table.time_field, table.time_text
    rows.reject(table.lead_codes < 0, id_field, _unknown_lead(ids, rejected_ids), ids)

    clean = pd.DataFrame({LEAD_ID: ids, CONVERTED_AT: converted})
    kept = clean[rows.keep].sort_values(CONVERTED_AT, kind="stable")
    later = kept.duplicated(subset=LEAD_ID, keep="first").to_numpy()
    # the earliest conversion of each lead that has a later one (the rows the reasons name)
    earliest = kept[~later & kept[LEAD_ID].isin(kept.loc[later, LEAD_ID]).to_numpy()]
    earliest_row = dict(zip(earliest[LEAD_ID].tolist(), (earliest.index.to_numpy() + 1).tolist(), strict=True))
    earliest_at = dict(zip(earliest[LEAD_ID].tolist(), earliest[CONVERTED_AT], strict=True))
    repeat = np.zeros(len(frame), dtype=bool)
    repeat[kept.index[later].to_numpy()] = True
    rows.reject(
        repeat,
        time_field,
        _each(
            ids,
            lambda lead: (
                f"lead already converted at {earliest_at[lead].isoformat()} (row {earliest_row[lead]});"
                " the earliest conversion is kept"
            ),
        ),
        converted_text,
    )

    conversions = clean[rows.keep].reset_index(drop=True)
    report.files["conversions"] = name
    report.rows_read["conversions"] = len(frame)
    report.rows_kept["conversions"] = len(conversions)
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(rows.warnings)
    report.ignored_columns["conversions"] = [c for c in frame.columns if c not in CONVERSION_COLUMNS]
    report.missing_rates["conversions"] = _missing_rates(conversions)
    return conversions


def _lead_ids(series: pd.Series, known_ids: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The lead ids as :func:`_text` makes them, and each one's position in ``known_ids`` (-1 when it is
    not there or missing).

    Known ids are already clean text, so a value found among them as it is needs no cleaning: only the
    other rows (unknown, missing or padded ids; few in an export) are cleaned and looked up again. One
    lookup per row instead of cleaning millions of ids and then looking them up."""
    if _arrow_strings(series) is None:
        ids = _text(series)
        return ids, _positions_in(ids, known_ids)
    series = series.astype("str")  # the same text; pandas' default string dtype, as _text returns
    codes = _positions_in(series, known_ids)
    others = np.flatnonzero(codes < 0)
    if others.size == 0:
        return series, codes
    raw = series.iloc[others]
    cleaned = _text(raw)
    codes[others] = _positions_in(cleaned, known_ids)
    if cleaned.equals(raw):
        return series, codes
    ids = series.copy()
    ids.iloc[others] = cleaned
    return ids, codes


def _positions_in(ids: pd.Series, known_ids: pd.Series) -> np.ndarray:
    """For each id, its position in ``known_ids`` (distinct, no missing values); -1 when it is not there or
    missing. Equal ids get equal positions, so the result doubles as a code of the lead."""
    if _arrow_strings(ids) is None or _arrow_strings(known_ids) is None:
        return pd.Index(known_ids).get_indexer(ids).astype("int64")
    return lead_rows(ids, pd.Index(known_ids)).astype("int64")  # the feature pipeline's lookup


def _at(values: np.ndarray, positions: np.ndarray | None) -> np.ndarray:
    """``values`` at ``positions``; all of them, uncopied, for None."""
    return values if positions is None else values[positions]


def _kept_rows(series: pd.Series, keep: np.ndarray) -> pd.Series:
    """The rows of ``series`` where ``keep`` is true, numbered from 0; text columns are filtered by Arrow
    in one sequential pass (pandas would gather them row by row)."""
    if keep.all():
        return series.reset_index(drop=True)
    values = _arrow_strings(series)
    if values is None:
        return series[keep].reset_index(drop=True)
    return pd.Series(pd.array(values.filter(pa.array(keep)), dtype=series.dtype), name=series.name)


def _arrow_strings(series: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data of a pyarrow-backed text column (pandas' default ``str``), else None."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        return pa.chunked_array(pa.array(series))
    return None


#: Rows per hash-table pass in :func:`_repeats`: small enough for the table to stay in the CPU cache.
_BLOCK_ROWS = 1 << 15


def _repeats(times: np.ndarray, *codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows equal to an earlier row (same time, same codes), in row order, and for each the position of
    the first of its equals. ``times`` are int64; ``codes`` non-negative ints (e.g. lead and activity type).

    Only rows sharing a time can be equal. Exports are usually in time order, so rows are compared within
    runs of equal times, in cache-sized blocks; any other order is first sorted by time (stable, so the
    first row of a group stays the first)."""
    count = times.size
    order = None
    if count > 1 and bool((times[1:] < times[:-1]).any()):
        order = np.argsort(times, kind="stable")
        times = times[order]
        codes = tuple(code[order] for code in codes)
    same = times[1:] == times[:-1]
    shared = np.zeros(count, dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    candidates = np.flatnonzero(shared)
    if not candidates.size:
        return candidates, candidates
    shared_times = times[candidates]
    run = np.concatenate(([0], np.cumsum(shared_times[1:] != shared_times[:-1])))  # equal times, equal run
    widths = [int(code.max()) + 1 if code.size else 1 for code in codes]
    if (int(run[-1]) + 1) * int(np.prod(widths, dtype=object)) < 2**63:
        key = run.astype("int64")
        for code, width in zip(codes, widths, strict=True):
            key = key * width + code[candidates]
        group = _group_codes_by_blocks(key, run)
    else:  # too many distinct values to pack into one int64: let pandas group the columns
        columns = {"run": run, **{f"code{i}": code[candidates] for i, code in enumerate(codes)}}
        group = pd.DataFrame(columns).groupby(list(columns), sort=False).ngroup().to_numpy()
    first = candidates[_first_in_group(group)]
    repeated = first != candidates
    rows, firsts = candidates[repeated], first[repeated]
    if order is None:
        return rows, firsts
    rows, firsts = order[rows], order[firsts]
    in_row_order = np.argsort(rows, kind="stable")
    return rows[in_row_order], firsts[in_row_order]


def _group_codes_by_blocks(key: np.ndarray, run: np.ndarray) -> np.ndarray:
    """Codes of equal ``key`` values, numbered in order of first appearance. ``run`` is non-decreasing and
    equal keys have equal runs, so blocks cut at a change of run can be coded one at a time."""
    cuts = np.unique(np.searchsorted(run, run[_BLOCK_ROWS::_BLOCK_ROWS], side="left"))
    bounds = [0, *cuts.tolist(), key.size]
    group = np.empty(key.size, dtype="int64")
    offset = 0
    for begin, end in itertools.pairwise(bounds):
        if begin == end:
            continue
        codes, uniques = pd.factorize(key[begin:end])
        group[begin:end] = codes + offset
        offset += len(uniques)
    return group


def _first_in_group(group: np.ndarray) -> np.ndarray:
    """For codes numbered in order of first appearance, the position of each row's first row."""
    seen = np.maximum.accumulate(group)
    is_first = np.ones(group.size, dtype=bool)
    is_first[1:] = group[1:] > seen[:-1]
    return np.flatnonzero(is_first)[group]


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty activities/conversions table with the clean dtypes."""
    dtypes = {LEAD_ID: "str", OCCURRED_AT: TIMESTAMP_DTYPE, CONVERTED_AT: TIMESTAMP_DTYPE, ACTIVITY_TYPE: "str"}
    return pd.DataFrame({column: pd.Series(dtype=dtypes[column]) for column in columns})


def _no_conversions_message(conversions: str | Path | None, derivable: bool, report: DataReport) -> str:
    base = "no conversions at all: cannot learn what converts"
    if conversions is None and not derivable:
        return f"{base} (no conversions file was given)"
    if conversions is None:
        return f"{base} ({report.files.get('conversions', 'the leads file')} has no usable conversion date)"
    name = str(conversions)
    reasons = Counter(issue.field for issue in report.rejected if issue.file == name)
    detail = ", ".join(f"{count} rejected for {column}" for column, count in reasons.most_common(3))
    read = report.rows_read.get("conversions", 0)
    return f"{base} ({name}: none of its {read} rows is usable{'; ' + detail if detail else ''})"


def _unparseable_timestamp(text: pd.Series) -> _Reason:
    return _each(text, lambda value: f"unparseable timestamp {value!r} (expected ISO 8601)")


def _not_a_number(text: pd.Series) -> _Reason:
    return _each(text, lambda value: f"not a number {value!r}: set to missing")


def _unknown_lead(ids: pd.Series, rejected_ids: dict[str, int]) -> _Reason:
    def reason(lead: str) -> str:
        if lead in rejected_ids:
            return f"lead_id not in leads (its leads row {rejected_ids[lead]} was rejected)"
        return "lead_id not in leads"

    return _each(ids, reason)


# --------------------------------------------------------------------------------------------------
# Flat mode


def load_flat_table(
    path: str | Path,
    *,
    label: str | None,
    id_column: str | None = None,
    time_column: str | None = None,
    drop: Sequence[str] = (),
    for_training: bool = True,
) -> tuple[FlatData, DataReport]:
    """Load a one-row-per-lead table (e.g. the x_education export) for training or scoring.

    ``label`` is the 0/1 outcome column (``0/1``, ``true/false``, ``yes/no``, ``ja/nein``); required for
    training, optional for scoring. ``id_column`` identifies leads (duplicates: later rows rejected),
    ``time_column`` orders them in time, ``drop`` lists columns that must not become features (leaks,
    identifiers). Every other column is a feature. A column to drop that is absent is fatal when training
    (a typo would let a leak through) and fine when scoring (the file to score may lack a training-only
    column).
    """
    raw = _read_raw(path)
    name = raw.name
    frame = raw.frame
    if for_training and label is None:
        raise DataContractError(f"{name}: training needs a label column; none was given")
    for role, column in (("label", label), ("id", id_column), ("time", time_column)):
        if column is None or column in frame.columns:
            continue
        if role == "label" and not for_training:
            continue
        found = ", ".join(map(repr, list(frame.columns)[:15]))
        raise DataContractError(f"{name}: {role} column {column!r} is missing; columns found: {found}")
    for column in drop:
        if column not in frame.columns and for_training:
            raise DataContractError(f"{name}: column {column!r} to drop is missing")
    if frame.empty:
        raise DataContractError(f"{name}: the table has a header but no rows")
    has_label = label is not None and label in frame.columns

    rows = _Rows(name, len(frame))
    rows.reject_malformed(raw.malformed)
    rows.reject(_empty_rows(frame), WHOLE_ROW, "empty row")
    ids = None
    if id_column is not None:
        ids = _text(frame[id_column])
        rows.ids = ids
        rows.reject(ids.isna(), id_column, _MISSING_REQUIRED)

    labels = None
    if has_label:
        assert label is not None
        labels, bad_label, label_text = _flags(frame[label])
        expected = "expected 0/1, true/false, yes/no or ja/nein"
        if for_training:
            rows.reject(label_text.isna(), label, _MISSING_REQUIRED)
            unparseable = _each(label_text, lambda value: f"unparseable label {value!r} ({expected})")
            rows.reject(bad_label, label, unparseable, label_text)

    times = None
    if time_column is not None:
        times, bad_time, time_text = _timestamps(frame[time_column])
        if for_training:
            rows.reject(time_text.isna(), time_column, _MISSING_REQUIRED)
            rows.reject(bad_time, time_column, _unparseable_timestamp(time_text), time_text)
        else:
            rows.warn(bad_time, time_column, _unparseable_timestamp(time_text), time_text)

    if ids is not None and id_column is not None:
        _reject_duplicates(rows, ids, id_column, "id")

    keep = rows.keep
    label_array = None
    if has_label and labels is not None:
        assert label is not None
        kept_labels = labels[keep]
        if for_training:
            classes = sorted(set(kept_labels.astype(int).tolist()))
            if not classes:
                raise DataContractError(f"{name}: label column {label!r} has no usable value in any row")
            if len(classes) < 2:
                raise DataContractError(
                    f"{name}: label column {label!r} has one class only ({classes[0]}) "
                    f"in {int(keep.sum())} usable rows: cannot learn what converts"
                )
            label_array = kept_labels.to_numpy().astype("int8")
        else:
            rows.warn(bad_label, label, _each(label_text, lambda v: f"unparseable label {v!r}: labels not returned"))
            if kept_labels.notna().all():
                label_array = kept_labels.to_numpy().astype("int8")

    roles = {column for column in (label, id_column, time_column) if column is not None}
    excluded = roles | set(drop) | set(raw.unnamed)
    decimal_comma = raw.separator == ";"
    features = pd.DataFrame(
        {column: _generic(frame.loc[keep, column], decimal_comma) for column in frame.columns if column not in excluded}
    ).reset_index(drop=True)
    source_row = np.flatnonzero(keep).astype("int64") + 1
    id_series = ids[keep].reset_index(drop=True) if ids is not None else pd.Series(source_row.astype(str), dtype="str")
    time_series = times[keep].reset_index(drop=True) if times is not None else None

    report = DataReport()
    report.files["table"] = name
    report.rows_read["table"] = len(frame)
    report.rows_kept["table"] = int(keep.sum())
    report.rejected.extend(rows.sorted_rejected())
    report.warnings.extend(sorted(rows.warnings, key=lambda issue: issue.row))
    report.ignored_columns["table"] = [c for c in frame.columns if c in set(drop) | set(raw.unnamed)]
    report.missing_rates["table"] = _missing_rates(features)
    data = FlatData(features, label_array, id_series.rename(id_column), time_series, source_row)
    return data, report


# --------------------------------------------------------------------------------------------------
# Report helpers


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
