"""The rulebook's cells: whether a value is missing, the text it holds, the number a lead id writes, and the
column form of a scalar rule (see :mod:`features.values` for the rules)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd

from features.contract import MISSING_MARKERS

#: Longest raw text a category is read from; a longer value is cut first (bounds work and cache memory).
MAX_TEXT_CHARS = 256
#: Longest :func:`snake` category (cut after a whole word).
MAX_CATEGORY_CHARS = 64

MISSING_REQUIRED = "missing required value"
_LONGEST_MARKER = max(len(marker) for marker in MISSING_MARKERS)
_CACHE_SIZE = 65536
#: Up to this many values (a request's leads) a plain loop costs less than hashing a column (14 % of a request).
#: See benchmarks/DECISIONS.md R9.
FEW_VALUES = 64

Column = np.ndarray | pd.api.extensions.ExtensionArray | pd.Series
"""A raw column: Python objects, plain numbers, or a pandas (e.g. Arrow string) array."""


#: Typed numbers: Python's and NumPy's, and decimals (a warehouse's ``NUMERIC(18,2)`` in a Parquet export).
_REAL = (numbers.Real, Decimal)


def _float(value: numbers.Real | Decimal) -> float:
    """A typed number as a float (a decimal's NaN, signalling or not, as NaN)."""
    return math.nan if isinstance(value, Decimal) and value.is_nan() else float(value)


def is_missing(value: object) -> bool:
    """Whether a CRM cell means "nobody answered" (see :mod:`features.values`). Never raises."""
    if value is None:
        return True
    if isinstance(value, str):
        stripped = value.strip()
        return len(stripped) <= _LONGEST_MARKER and stripped.lower() in MISSING_MARKERS
    try:
        result = pd.isna(value)
    except Exception:  # an exotic object pandas cannot inspect is a present value
        return False
    return isinstance(result, bool | np.bool_) and bool(result)


def text(value: object) -> str | None:
    """The text a cell holds, stripped; ``None`` when it is missing (see :mod:`features.values`)."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, _REAL):
        number_ = _float(value)
        if not math.isfinite(number_):
            return None
        return str(int(number_)) if number_.is_integer() else repr(number_)
    if isinstance(value, datetime | pd.Timestamp | date):  # a date (SQL ``DATE``, Parquet ``date32``): midnight
        return str(value)
    return None  # bytes, containers and other objects carry no text


def text_column(values: Column) -> pd.Series:
    """:func:`text` of every value, as pandas' text column (missing as NaN).

    Arrow-backed text (what the loader reads) is stripped and compared with the markers column-wise; any
    other column applies :func:`text` once per distinct value."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, pd.StringDtype):
        stripped = series.str.strip()
        missing = stripped.str.lower().isin(MISSING_MARKERS) | stripped.isna()
        return stripped.mask(missing).astype("str")
    return pd.Series(map_distinct(series, text), index=series.index, dtype="str")


#: An id that writes a whole number: zero-padded, or with a decimal zero as a spreadsheet or pandas writes it.
_ID_NUMBER = r"^0*(\d+)(?:\.0*)?$"


def id_numbers(ids: pd.Series) -> pd.Series:
    """The whole number each lead id (as :func:`text_column` reads it) writes, ``00123`` and ``123.0`` as
    ``123``; missing for any other id. An id not found as written is looked for by this number, since one
    export may keep an id's leading zeros or write it as a decimal where the other writes the plain number."""
    texts = ids.astype("str")
    numbered = texts.str.fullmatch(_ID_NUMBER).to_numpy(dtype=bool, na_value=False)
    return texts.str.replace(_ID_NUMBER, r"\1", regex=True).where(numbered)


def map_distinct(values: Column, rule: Callable[[object], object], dtype: np.dtype | type = object) -> np.ndarray:
    """``rule`` applied to each distinct value of a column (missing values included): the column form of a
    scalar rule, with exactly its results, as an array of ``dtype`` (a rule giving numbers: a numeric one)."""
    array = values.array if isinstance(values, pd.Series) else values
    if len(array) <= FEW_VALUES:
        return _array([rule(v) for v in np.asarray(array, dtype=object)], dtype)
    try:
        codes, uniques = pd.factorize(array, use_na_sentinel=True)
    except TypeError:  # an unhashable value (a list from JSON …): one call per value
        return _array([rule(v) for v in np.asarray(array, dtype=object)], dtype)
    if isinstance(uniques, pd.api.extensions.ExtensionArray) or uniques.dtype != object:
        uniques = np.asarray(uniques, dtype=object)
    mapped = _array([rule(v) for v in uniques] + [rule(None)], dtype)
    return mapped[codes]  # code -1 (missing) picks the trailing rule(None)


def _array(items: list[object], dtype: np.dtype | type = object) -> np.ndarray:
    if dtype is not object:
        return np.asarray(items, dtype=dtype)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out
