"""Flat mode: one row per lead with a 0/1 outcome (e.g. the x_education export).

What costs a row: a CSV row with more fields than the header, an empty row, a missing or duplicate id and,
when training, a missing or unparseable label or time, or an outcome not decided yet. Every other column is a
feature: numbers when every present value is a number in the file's convention, or all but a stray 1 % that
become missing with a warning (:func:`features.values.numeric_column`), text otherwise.

The outcome is 0/1, true/false, yes/no or ja/nein, or a status column (a CRM's lead status: Won / Lost /
Open ...) read with the values the user names: ``converted`` values are 1, ``still_open`` values have no
outcome yet and are left out of training (counting them as "not converted" would teach the model that leads
still being worked never convert), every other present value is 0. Values match without case or surrounding
spaces, and the data report says how each was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features import values
from features.loading.files import read_raw
from features.loading.ledger import RowLedger, each, empty_rows, missing_rates, reject_duplicates
from features.loading.report import WHOLE_ROW, DataContractError, DataReport
from features.loading.timed import after, in_the_future, timestamps
from features.mappings import header_key

_OUTCOME_WORDS = "0/1, true/false, yes/no or ja/nein"
_LABEL_VALUES = f"expected {_OUTCOME_WORDS}"
_NAME_THE_VALUES = ("name the values that mean converted (`--converted`, repeatable; `--open` for outcomes not "
                    "decided yet)")


@dataclass
class FlatData:
    """A flat (one row per lead) table split into what the model sees and what it must not."""

    #: every column except label/id/time/dropped ones; float64 when all values are numbers, else str
    features: pd.DataFrame
    label: np.ndarray | None  #: 0/1 int8 (1 = converted); None when there is no usable label column
    ids: pd.Series  #: the id column as str, or the 1-based row number as str when none is given
    #: the time column: ``datetime64[us, UTC]`` for moments, float64 for an ordering key (a lead number)
    times: pd.Series | None
    source_row: np.ndarray  #: 1-based input row numbers of the kept rows
    #: the numeric feature columns written with a decimal comma (as German spreadsheets write them)
    comma_columns: tuple[str, ...] = ()
    #: when scoring a table that has the label column: each kept row's outcome as far as it is known (1.0, 0.0;
    #: NaN where not decided yet or unreadable), for checking served scores against what came true
    outcomes: pd.Series | None = None


@dataclass(frozen=True)
class ReadColumn:
    """A column of unknown meaning as read: its values, which rows held a value that is no number (now missing),
    whether it writes a decimal comma, and a note when it could not be read as the numbers it mostly holds."""

    values: pd.Series
    stray: np.ndarray
    decimal_comma: bool = False
    note: str | None = None


def feature_column(series: pd.Series, decimal_comma: bool, numeric: bool | None = None) -> ReadColumn:
    """A column of unknown meaning: float64 when every present value is a number, or all but a stray few
    (:data:`features.values.STRAY_SHARE`), else text. Its decimal mark is the one its values show, else the
    file's (``decimal_comma``: a ``;``-separated file, as German Excel saves one). ``numeric``: a model's
    knowledge of the column (True: numbers, whatever strays; False: text), None: decided from the values."""
    none = np.zeros(len(series), dtype=bool)
    comma = values.decimal_comma_column(series, decimal_comma)
    if numeric is None:
        numeric = values.numeric_column(series, comma, values.STRAY_SHARE)
        if not numeric:
            return ReadColumn(values.text_column(series), none, note=_mostly_numbers(series, comma))
    if not numeric:
        return ReadColumn(values.text_column(series), none)
    if pd.api.types.is_numeric_dtype(series):
        return ReadColumn(series.astype("float64"), none, comma)
    numbers = pd.Series(values.map_distinct(series, lambda v: values.number(v, comma)), index=series.index,
                        dtype="float64")
    return ReadColumn(numbers, (values.text_column(series).notna() & numbers.isna()).to_numpy(), comma)


def _mostly_numbers(series: pd.Series, comma: bool) -> str | None:
    """Why a column that is mostly numbers is read as text (its values then are categories), or None."""
    shown = values.text_column(series).dropna()
    if shown.empty:
        return None
    read = pd.Series(values.map_distinct(shown, lambda v: values.number(v, comma)), index=shown.index, dtype="float64")
    if read.notna().mean() < 0.8 or any(values.is_code(v) for v in shown.unique()):
        return None
    odd = shown[read.isna()]
    return (f"{len(odd) / len(shown):.0%} of its values are not numbers (e.g. {odd.iloc[0]!r}), more than "
            f"{values.STRAY_SHARE:.0%}: it is read as categories; correct those cells for it to be read as numbers")


def _times(series: pd.Series, decimal_comma: bool) -> tuple[pd.Series, np.ndarray, pd.Series, str]:
    """The time column: an ordering key when every present value is a number (a lead number), else
    moments. Returns the values, the unparseable rows, the text and what the column holds."""
    shown = values.text_column(series)
    if shown.notna().any() and values.numeric_column(series, decimal_comma):
        numbers = pd.Series(values.map_distinct(series, lambda v: values.number(v, decimal_comma)),
                            index=series.index, dtype="float64")
        return numbers, (shown.notna() & numbers.isna()).to_numpy(), shown, "number"
    micro, bad, shown = values.moments(series, exported=True)
    return timestamps(micro, series.index), bad, shown, "moment"


def load_flat_table(
    path: str | Path,
    *,
    label: str | None,
    id_column: str | None = None,
    time_column: str | None = None,
    drop: Sequence[str] = (),
    for_training: bool = True,
    converted: Sequence[str] = (),
    still_open: Sequence[str] = (),
    not_after: datetime | None = None,
    numeric: Sequence[str] | None = None,
) -> tuple[FlatData, DataReport]:
    """Load a one-row-per-lead table for training or scoring.

    ``label`` is the 0/1 outcome column (``0/1``, ``true/false``, ``yes/no``, ``ja/nein``); required for
    training, optional for scoring. ``id_column`` identifies leads (duplicates: later rows rejected),
    ``time_column`` orders them in time (dates, or numbers such as a lead number that grows with time),
    ``drop`` lists columns that must not become features (leaks, identifiers). A column to drop that is
    absent is fatal when training (a typo would let a leak through) and fine when scoring. ``converted`` and
    ``still_open`` read a status column as the outcome (see the module docstring); a value named there that
    the column never holds is fatal (a typo would count every converted lead as not converted). When training,
    a row whose time is a moment after ``not_after`` is rejected: the future, so a typo (``03.04.2205``).
    ``numeric``: when scoring with a model, the columns it reads as numbers (any other value in them becomes
    missing with a warning naming the row); the others are text.
    """
    raw = read_raw(path)
    name, frame = raw.name, raw.frame
    _check_columns(frame, name, label, id_column, time_column, drop, for_training)
    has_label = label is not None and label in frame.columns
    decimal_comma = raw.separator == ";"

    rows = RowLedger(name, len(frame))
    rows.reject_malformed(raw.malformed)
    rows.reject(empty_rows(frame), WHOLE_ROW, "empty row")
    ids = None
    if id_column is not None:
        ids = values.text_column(frame[id_column])
        rows.ids = ids
        rows.reject(ids.isna(), id_column, values.MISSING_REQUIRED)

    labels = label_text = bad_label = None
    reading = ""
    if has_label:
        assert label is not None
        label_text = values.text_column(frame[label])
        labels, is_open, reading = _outcomes(frame[label], label_text, name, label, converted, still_open,
                                             strict=for_training)
        bad_label = label_text.notna() & labels.isna() & ~is_open
        if for_training:
            rows.reject(label_text.isna(), label, values.MISSING_REQUIRED)
            rows.reject(is_open, label, each(label_text, lambda v: f"outcome not decided yet ({v!r}): left out of "
                                                                   "training"), label_text)
            rows.reject(bad_label, label, each(label_text, lambda v: f"unparseable label {v!r} ({_LABEL_VALUES})"),
                        label_text)

    times = None
    if time_column is not None:
        times, bad_time, time_text, kind = _times(frame[time_column], decimal_comma)
        problem = each(time_text, values.unparseable_moment if kind == "moment" else
                       (lambda v: f"not a number {v!r} (the time column holds numbers)"))
        if for_training:
            rows.reject(time_text.isna(), time_column, values.MISSING_REQUIRED)
            rows.reject(bad_time, time_column, problem, time_text)
            if kind == "moment":
                rows.reject(after(times, not_after), time_column, in_the_future(time_text, times, not_after),
                            time_text)
        else:
            rows.warn(bad_time, time_column, problem, time_text)

    if ids is not None and id_column is not None:
        reject_duplicates(rows, ids, id_column, "id")

    keep = rows.keep
    label_array = None
    if has_label and labels is not None:
        assert label is not None
        kept_labels = labels[keep]
        if for_training:
            label_array = _training_labels(kept_labels, name, label, rows, label_text)
        else:
            rows.warn(bad_label, label, each(label_text, lambda v: f"unparseable label {v!r}: labels not returned"))
            if kept_labels.notna().all():
                label_array = kept_labels.to_numpy().astype("int8")

    excluded = {column for column in (label, id_column, time_column) if column is not None} | set(drop) | set(
        raw.unnamed)
    columns, comma_columns, notes, kept_at = {}, [], [], np.flatnonzero(keep)
    for column in (c for c in frame.columns if c not in excluded):
        read = feature_column(frame.loc[keep, column], decimal_comma,
                              None if numeric is None else column in numeric)
        columns[column] = read.values
        comma_columns.extend([column] if read.decimal_comma else [])
        notes.extend([f"{name}: column {column!r}: {read.note}"] if read.note else [])
        if read.stray.any():
            at = np.zeros(len(frame), dtype=bool)
            at[kept_at[read.stray]] = True
            shown = values.text_column(frame[column])
            rows.warn(at, column, each(shown, values.not_a_number), shown)
    features = pd.DataFrame(columns).reset_index(drop=True)
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
    report.missing_rates["table"] = missing_rates(features)
    report.label_reading = reading
    report.file_notes.extend([*(f"{name}: {note}" for note in raw.notes), *notes])
    outcomes = None if for_training or labels is None else labels[keep].reset_index(drop=True)
    return FlatData(features, label_array, id_series.rename(id_column), time_series, source_row,
                    tuple(comma_columns), outcomes), report


def _check_columns(frame: pd.DataFrame, name: str, label: str | None, id_column: str | None, time_column: str | None,
                   drop: Sequence[str], for_training: bool) -> None:
    if for_training and label is None:
        raise DataContractError(f"{name}: training needs a label column; none was given")
    for role, column in (("label", label), ("id", id_column), ("time", time_column)):
        if column is None or column in frame.columns or (role == "label" and not for_training):
            continue
        close = [str(c) for c in frame.columns if header_key(str(c)) == header_key(column)]
        if close:
            raise DataContractError(f"{name}: {role} column {column!r} is missing; did you mean {close[0]!r}? "
                                    "(a flat table's columns are named as written)")
        found = ", ".join(map(repr, list(frame.columns)[:15]))
        raise DataContractError(f"{name}: {role} column {column!r} is missing; columns found: {found}")
    for column in drop:
        if column not in frame.columns and for_training:
            raise DataContractError(f"{name}: column {column!r} to drop is missing")
    if frame.empty:
        raise DataContractError(f"{name}: the table has a header but no rows")


def _outcomes(raw: pd.Series, text: pd.Series, name: str, label: str, converted: Sequence[str],
              still_open: Sequence[str], strict: bool = True) -> tuple[pd.Series, np.ndarray, str]:
    """Each row's outcome (1.0, 0.0, or NaN when missing, unreadable or open), which rows are open, and one
    line saying how the values were read (empty for a plain 0/1 column). ``strict`` (training): a status value
    named that the column never holds is a typo, and fatal; a later table may simply not hold it (yet)."""
    folded = text.str.casefold()
    present = set(folded.dropna())
    unknown = [given for given in (*converted, *still_open) if given.strip().casefold() not in present]
    if unknown and strict:
        raise DataContractError(f"{name}: label column {label!r} never holds {unknown[0]!r}; it holds "
                                f"{_value_counts(text)}")
    yes = {v.strip().casefold() for v in converted}
    wait = {v.strip().casefold() for v in still_open}
    if yes & wait:
        raise DataContractError(f"{name}: {sorted(yes & wait)[0]!r} is named both converted and open")
    if yes:
        labels = pd.Series(np.where(folded.isin(yes), 1.0, 0.0), index=text.index).mask(text.isna())
    else:
        labels = pd.Series(values.map_distinct(raw, values.flag), index=text.index, dtype="float64")
    is_open = folded.isin(wait).to_numpy()
    labels = labels.mask(is_open)
    if not (yes or wait):
        return labels, is_open, ""
    parts = [f"{what}: {_value_counts(text[folded.isin(keys)])}" for what, keys in
             (("converted", yes), ("not decided yet, left out of training", wait)) if keys]
    others = text[text.notna() & ~folded.isin(yes | wait)]
    if yes and len(others):
        parts.append(f"not converted: {_value_counts(others)}")
    return labels, is_open, f"Outcome {label!r} read as " + "; ".join(parts)


def _value_counts(text: pd.Series, shown: int = 6) -> str:
    """'Lost' (4,620), 'Won' (1,135), … : a column's commonest values with their rows."""
    counts = text.value_counts()
    listed = ", ".join(f"{value!r} ({count:,})" for value, count in counts.head(shown).items())
    return listed + (f" and {len(counts) - shown:,} more values" if len(counts) > shown else "")


def _training_labels(kept_labels: pd.Series, name: str, label: str, rows: RowLedger,
                     label_text: pd.Series | None = None) -> np.ndarray:
    """The kept rows' labels; stops when they hold fewer than two classes, saying which check took the rows
    (and, when the values are not 0/1, what the column holds and how to name its values)."""
    classes = sorted(set(kept_labels.dropna().astype(int).tolist()))
    if not classes:
        by_field: dict[str, int] = {}
        for issue in rows.rejected:
            by_field[issue.field] = by_field.get(issue.field, 0) + 1
        why = ", ".join(f"{count:,} rejected for {field}" for field, count in sorted(by_field.items(),
                                                                                   key=lambda kv: -kv[1])[:3])
        hint = ""
        if label_text is not None and label_text.notna().any():
            hint = f"; it holds {_value_counts(label_text)}, not {_OUTCOME_WORDS}: {_NAME_THE_VALUES}"
        raise DataContractError(f"{name}: label column {label!r} has no usable value in any row ({why}){hint}")
    if len(classes) < 2:
        raise DataContractError(f"{name}: label column {label!r} has one class only ({classes[0]}) "
                                f"in {len(kept_labels)} usable rows: cannot learn what converts")
    return kept_labels.to_numpy().astype("int8")
