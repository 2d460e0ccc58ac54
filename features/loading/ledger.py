"""The row ledger: which rows of one file are still in play, and the one issue of each row that is not.

A loader checks a file column by column (whole columns at a time); each check rejects the rows it finds at
fault among those still kept, or warns about a kept row whose value it set to missing. The first failing
check of a row is the one its :class:`~features.loading.report.RowIssue` names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.loading.report import WHOLE_ROW, DataContractError, RowIssue
from features.mappings import MappingRef, mapping_name, mapping_spec

#: Why rows were rejected or warned about: one text for all of them, or a function that is given the
#: 0-based positions of the rows (ascending) and returns one text per row, in the same order.
Reason = str | Callable[[np.ndarray], Sequence[str]]
#: The value an issue shows for each row: a column aligned with the file's rows, or, where making the whole
#: column costs (a history's millions of lead ids, e-mail addresses masked), a function of the positions as above.
Shown = pd.Series | Callable[[np.ndarray], Sequence[Any]]


class RowLedger:
    """Which rows of one file are still in play, and the one issue of each row that is not."""

    def __init__(self, file: str, count: int, numbers: np.ndarray | None = None) -> None:
        self.file = file
        #: each row's number in its file (1-based), as issues name it
        self.numbers = numbers if numbers is not None else np.arange(1, count + 1, dtype=np.int64)
        self.keep = np.ones(count, dtype=bool)
        self.rejected: list[RowIssue] = []
        self.warnings: list[RowIssue] = []
        self.ids: pd.Series | None = None

    def reject(
        self,
        mask: pd.Series | np.ndarray,
        column: str,
        reason: Reason,
        values: Shown | None = None,
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
        reason: Reason,
        values: Shown | None = None,
    ) -> None:
        """Record a warning for the kept rows in ``mask`` (the row stays; its value became missing)."""
        hit = np.asarray(mask, dtype=bool) & self.keep
        self.warnings.extend(self._issues(hit, column, reason, values))

    def reject_malformed(self, malformed: dict[int, str]) -> None:
        for position, reason in malformed.items():
            self.rejected.append(RowIssue(self.file, int(self.numbers[position]), WHOLE_ROW, reason, None, None))
            self.keep[position] = False

    def sorted_rejected(self) -> list[RowIssue]:
        return sorted(self.rejected, key=lambda issue: issue.row)

    def _issues(
        self,
        hit: np.ndarray,
        column: str,
        reason: Reason,
        values: Shown | None,
    ) -> list[RowIssue]:
        """One issue per hit row; values, ids and reasons are looked up for those rows only."""
        positions = np.flatnonzero(hit)
        if positions.size == 0:
            return []
        count = positions.size
        texts = reason(positions) if callable(reason) else [reason] * count
        picked = [None] * count if values is None else values(positions) if callable(values) else \
            _values_at(values, positions)
        shown = [_optional_text(v) for v in picked]
        leads = [None] * count if self.ids is None else [_optional_text(v) for v in _values_at(self.ids, positions)]
        file = self.file
        return [
            RowIssue(file, row, column, text, value, lead)
            for row, text, value, lead in zip(self.numbers[positions].tolist(), texts, shown, leads, strict=True)
        ]

def _values_at(series: pd.Series, positions: np.ndarray) -> list[Any]:
    """The values of ``series`` at 0-based ``positions``, as Python objects (missing values as NaN/None)."""
    return series.iloc[positions].tolist()


def each(series: pd.Series, describe: Callable[[Any], str]) -> Callable[[np.ndarray], list[str]]:
    """A reason that depends on the row's value in ``series`` (looked up only for the rows at fault)."""
    return lambda positions: [describe(value) for value in _values_at(series, positions)]


def _optional_text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def reject_duplicates(rows: RowLedger, ids: pd.Series, column: str, what: str) -> None:
    """Keep the first kept row of each id; reject each later one, naming the first."""
    kept = ids[rows.keep]
    repeated = kept.duplicated().to_numpy()
    if not repeated.any():
        return
    # name the first rows of the ids that repeat only (a dict over every id would cost more than the rest)
    twins = kept[kept.isin(kept[repeated]).to_numpy()]
    first = twins[~twins.duplicated().to_numpy()]
    first_row = dict(zip(first.tolist(), rows.numbers[first.index.to_numpy()].tolist(), strict=True))
    later = np.zeros(len(ids), dtype=bool)
    later[kept.index[repeated].to_numpy()] = True
    rows.reject(later, column, each(ids, lambda lead: f"duplicate {what} (first seen in row {first_row[lead]})"), ids)

def field_name(sources: dict[str, tuple[str, ...]], column: str) -> str:
    """The column as the user's file names it (``CreatedDate`` for created_at under Salesforce)."""
    return "/".join(sources.get(column, (column,)))


def missing_rates(frame: pd.DataFrame) -> dict[str, float]:
    if frame.empty:
        return {column: 0.0 for column in frame.columns}
    return {column: round(float(rate), 6) for column, rate in frame.isna().mean().items()}


def require_columns(frame: pd.DataFrame, name: str, table: str, required: Sequence[str], mapping: MappingRef,
                    file_notes: Sequence[str] = ()) -> None:
    """Stop with a message naming the file, the column and (under a mapping) the vendor column it is read from,
    with how the file was read (``file_notes``: e.g. which of a workbook's sheets)."""
    for column in required:
        if column in frame.columns:
            continue
        vendor = (mapping_spec(mapping) or {}).get(table, {}).get("columns", {}).get(column)
        if vendor:
            hint = f" (the {mapping_name(mapping)} mapping reads it from {' or '.join(map(repr, vendor))})"
        else:
            hint = " (a vendor's export is read with its mapping: salesforce, hubspot or a .toml file of your own; " \
                   "README: Data)" if mapping is None else ""
        columns = list(frame.columns)
        found = ", ".join(map(repr, columns[:15])) + (f", … ({len(columns)} in all)" if len(columns) > 15 else "")
        read = "".join(f"; {note}" for note in file_notes)
        raise DataContractError(
            f"{name}: required column {column!r} is missing from the {table} table{hint}; columns found: {found}{read}"
        )


def empty_rows(frame: pd.DataFrame) -> np.ndarray:
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


