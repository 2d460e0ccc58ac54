"""Reading and writing tables: CSV, Parquet, Excel and JSON in, CSV and Parquet out, nothing lost on the way.

Reading rules: row numbers count data records, the header not included (row 1 is the first record after
the header; it equals "line number - 1" unless a quoted value spans lines). CSV is UTF-8 (a byte-order mark
is tolerated) or, when it is not, Windows-1252, what Excel saves as "CSV" in Western Europe, or UTF-16 behind
its byte-order mark, as Facebook Lead Ads and Google Ads save it (the report says which); its separator
(``,``, ``;`` or tab) is detected from the header line, or taken from Excel's ``sep=;`` line above it;
every value is read as text and interpreted later by :mod:`features.values`. A row with *fewer* fields than
the header reads the missing trailing fields as empty (as spreadsheet programs do); a row with *more* fields
is malformed (rejected by the loaders). A UTF-8 file with a damaged byte is an error, never
read as Windows-1252. A header field that is empty (a trailing separator) names no column: it is ignored and
reported. Excel (``.xlsx``) reads the first sheet, every cell as text, as a CSV export of it would. JSON
(``.json``: an array of records, or an object holding one under ``results``, ``data``, ``records``, ``items``
or ``rows`` as APIs return them; ``.jsonl``/``.ndjson``: a record per line) keeps its values' types, as
Parquet does; a nested object's fields become columns named by their last key where that names one column
(HubSpot's ``properties.createdate`` is ``createdate``), else by their dotted path. A record that is not a
JSON object, or a line that is not JSON, is a malformed row; a JSON Lines row is numbered by its line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.loading.report import DataContractError

READABLE = (".csv", ".parquet", ".xlsx", ".json", ".jsonl", ".ndjson")
WRITABLE = (".csv", ".parquet")


@dataclass
class RawTable:
    """A file as read, before any contract rule: values are text for CSV, native types for Parquet."""

    name: str
    frame: pd.DataFrame
    separator: str | None
    unnamed: list[str]  #: columns whose header field was empty
    malformed: dict[int, str]  #: 0-based position → why the row could not be split into fields
    #: each row's number in its file (1-based, ascending) when the frame holds only some of the file's rows,
    #: as a partition of a distributed read does; None: the frame is the whole file, row i is number i + 1
    rows: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)  #: how the file was read, where a reader should know

    def numbers(self) -> np.ndarray:
        """Each row's number in its file (1-based)."""
        return self.rows if self.rows is not None else np.arange(1, len(self.frame) + 1, dtype=np.int64)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ``.csv`` (every value as text; separator detected), ``.parquet`` or ``.xlsx`` file as it is.

    Raises :class:`DataContractError` for another extension, a missing, empty, unreadable or non-UTF-8
    file, a header naming a column twice, or a CSV row with more fields than the header (the loaders
    reject such rows one by one instead; this plain reader has no report to put them in).
    """
    raw = read_raw(path)
    if raw.malformed:
        position, reason = next(iter(raw.malformed.items()))
        more = f" ({len(raw.malformed) - 1} more such rows)" if len(raw.malformed) > 1 else ""
        raise DataContractError(f"{raw.name}: row {position + 1}: {reason}{more}")
    return raw.frame


def read_raw(path: str | Path | RawTable, picklists: Sequence[str] = ()) -> RawTable:
    """Read a file as it is. ``picklists`` name text columns with few distinct values (activity types):
    Parquet delivers them dictionary-encoded, as pandas categories, which spares hashing millions of
    values to find their few distinct ones; CSV reads them as text like every other column. A
    :class:`RawTable` (rows another reader has read, e.g. one partition of a Spark job) is taken as it is."""
    if isinstance(path, RawTable):
        return path
    name = str(path)
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in READABLE:
        raise DataContractError(f"{name}: unsupported file type {suffix or '(none)'!r}; use .csv, .parquet, .xlsx or "
                                ".json / .jsonl")
    if not file.is_file():
        raise DataContractError(f"{name}: file not found")
    if suffix == ".parquet":
        return _read_parquet(file, name, picklists)
    if suffix == ".xlsx":
        return _read_excel(file, name)
    if suffix != ".csv":
        return _read_json(file, name, lines=suffix != ".json")
    return _read_csv(file, name)


#: The keys under which an API's JSON answer holds its records (HubSpot: ``results``).
_RECORD_LISTS = ("results", "data", "records", "items", "rows")


def _read_json(file: Path, name: str, lines: bool) -> RawTable:
    """The records of a JSON export (see the module docstring), each row numbered by its position in the array
    or its line in the file."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataContractError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start:,}); JSON is UTF-8") from exc
    except OSError as exc:
        raise DataContractError(f"{name}: cannot read file: {exc}") from exc
    if lines:
        numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
        records, numbers = [_json_line(line) for _, line in numbered], [number for number, _ in numbered]
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataContractError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
                                    ) from exc
        held = [key for key in _RECORD_LISTS if isinstance(document, dict) and isinstance(document.get(key), list)]
        if held:
            document = document[held[0]]
        if not isinstance(document, list):
            raise DataContractError(f"{name}: expected an array of records, or an object holding one under "
                                    f"{', '.join(map(repr, _RECORD_LISTS))}")
        records = [(r, None) if isinstance(r, dict) else ({}, "not a JSON object") for r in document]
        numbers = list(range(1, len(records) + 1))
    if not records:
        raise DataContractError(f"{name}: no records")
    frame = pd.json_normalize([record for record, _ in records], sep=".")
    malformed = {position: reason for position, (_, reason) in enumerate(records) if reason}
    frame.columns = _name_columns(_json_headers([str(column) for column in frame.columns]), name)
    return RawTable(name, frame, None, [], malformed, np.asarray(numbers, dtype=np.int64))


def _json_line(line: str) -> tuple[dict[str, object], str | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"not JSON ({exc.msg} at column {exc.colno})"
    return (record, None) if isinstance(record, dict) else ({}, "not a JSON object")


def _json_headers(paths: list[str]) -> list[str]:
    """A nested field's last key where no other column has that name, else its dotted path."""
    last = [path.rsplit(".", 1)[-1] for path in paths]
    return [key if path != key and last.count(key) == 1 and key not in paths else path
            for path, key in zip(paths, last, strict=True)]


def _read_excel(file: Path, name: str) -> RawTable:
    """The first sheet, every cell as the text a CSV export would hold (empty cells empty)."""
    try:
        frame = pd.read_excel(file, sheet_name=0, header=None, dtype=str, na_filter=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise DataContractError(f"{name}: cannot read Excel file ({exc.__class__.__name__}: {exc}); "
                                "save it again as .xlsx or export it as CSV") from exc
    if frame.empty or not any(str(value).strip() for value in frame.iloc[0]):
        raise DataContractError(f"{name}: the first row of the first sheet is empty; expected a header row")
    header = [str(value) for value in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = _name_columns(header, name)
    unnamed = [column for column, raw in zip(frame.columns, header, strict=True) if not raw.strip()]
    return RawTable(name, frame, None, unnamed, {})


def _read_parquet(file: Path, name: str, picklists: Sequence[str] = ()) -> RawTable:
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
    return RawTable(name, frame.reset_index(drop=True), None, unnamed, {})


#: A CSV is read as UTF-8 (a byte-order mark or none), else as Windows-1252, what Excel saves as "CSV" in
#: Western Europe (an umlaut is one byte there, never valid UTF-8 in a word).
_NOT_UTF8 = "read as Windows-1252 text (it is not UTF-8: Excel's \"CSV\" in Western Europe)"
#: A UTF-8 character of two or more bytes: a file holding one is UTF-8 with a damaged byte, never read as
#: Windows-1252 (every "ä" would become "Ã¤").
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
_EXCEL_SEPARATOR_LINE = re.compile(r"sep=(.)\r?\n")


#: What Facebook Lead Ads, Google Ads and Excel's "Unicode Text" save: UTF-16 behind its byte-order mark.
_UTF16 = "read as UTF-16 text (its byte-order mark says so: Facebook Lead Ads and Google Ads save CSV so)"


def _read_csv(file: Path, name: str) -> RawTable:
    with file.open("rb") as handle:
        mark = handle.read(2)
    if mark in (b"\xff\xfe", b"\xfe\xff"):
        try:
            raw = _read_csv_as(file, name, "utf-16")
        except UnicodeDecodeError as exc:
            raise DataContractError(f"{name}: not UTF-16 text after its byte-order mark ({exc.reason} at byte "
                                    f"{exc.start:,}); export it as UTF-8") from exc
        raw.notes.append(_UTF16)
        return raw
    try:
        return _read_csv_as(file, name, "utf-8-sig")
    except UnicodeDecodeError as exc:
        failure = exc
    if not _holds_utf8(file):
        try:
            raw = _read_csv_as(file, name, "cp1252")
        except UnicodeDecodeError:
            pass
        else:
            raw.notes.append(_NOT_UTF8)
            return raw
    raise DataContractError(f"{name}: not UTF-8 text ({failure.reason} at byte {failure.start:,}); export it as "
                            "UTF-8") from failure


def _holds_utf8(file: Path) -> bool:
    """Whether the file holds a UTF-8 character of two or more bytes (read in 16 MB pieces)."""
    with file.open("rb") as handle:
        last = b""
        while piece := handle.read(1 << 24):
            if _UTF8_SEQUENCE.search(last + piece):
                return True
            last = piece[-1:]
    return False


def _read_csv_as(file: Path, name: str, encoding: str) -> RawTable:
    separator, skip = _detect_separator(file, name, encoding)
    try:
        frame = pd.read_csv(
            file,
            sep=separator,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            skiprows=skip,
            encoding=encoding,
        )
        malformed: dict[int, str] = {}
    except pd.errors.EmptyDataError as exc:
        raise DataContractError(f"{name}: empty file (no header row)") from exc
    except pd.errors.ParserError:
        frame, malformed = _read_csv_row_by_row(file, name, separator, encoding, skip)
    except OSError as exc:
        raise DataContractError(f"{name}: cannot read file: {exc}") from exc
    header = [str(value) for value in frame.iloc[0]]
    if not any(value.strip() for value in header):
        raise DataContractError(f"{name}: the first line is empty; expected a header row")
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = _name_columns(header, name)
    unnamed = [column for column, raw in zip(frame.columns, header, strict=True) if not raw.strip()]
    return RawTable(name, frame, separator, unnamed, malformed)


def _detect_separator(file: Path, name: str, encoding: str) -> tuple[str, int]:
    """The separator and the lines before the header: Excel's ``sep=;`` line names it (one line skipped);
    else the one of ``,``, ``;`` and tab that splits the header line into the most fields (``,`` on a tie,
    then ``;``): UTF-16 exports separate by tabs."""
    try:
        with file.open(encoding=encoding, newline="") as handle:
            head = handle.read(65536)
    except OSError as exc:
        raise DataContractError(f"{name}: cannot read file: {exc}") from exc
    if not head.strip():
        raise DataContractError(f"{name}: empty file (no header row)")
    hint = _EXCEL_SEPARATOR_LINE.match(head)
    if hint:
        return hint.group(1), 1
    widths = {sep: len(next(csv.reader(io.StringIO(head), delimiter=sep), [])) for sep in (",", ";", "\t")}
    return max(widths, key=lambda sep: widths[sep]), 0  # the first of the widest: "," before ";" before tab


def _read_csv_row_by_row(file: Path, name: str, separator: str, encoding: str, skip: int,
                         ) -> tuple[pd.DataFrame, dict[int, str]]:
    """The slow path for a CSV whose rows do not all fit the header: such rows become malformed rows
    (reported and rejected by the loaders) instead of stopping the whole file."""
    malformed: dict[int, str] = {}
    with file.open(encoding=encoding, newline="") as handle:
        for _ in range(skip):
            handle.readline()
        reader = csv.reader(handle, delimiter=separator, strict=True)
        try:
            records = list(reader)
        except csv.Error as exc:
            raise DataContractError(f"{name}: cannot parse CSV near line {reader.line_num}: {exc}") from exc
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
    if suffix not in WRITABLE:
        raise DataContractError(f"{path}: cannot write {suffix or 'a file without extension'!r}; "
                                "name the output .csv or .parquet")
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


