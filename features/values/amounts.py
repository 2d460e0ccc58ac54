"""The rulebook's numbers: amounts as CRM reports write them (German and English grouping, currencies, scale
words, ranges), plain numbers and flags (see :mod:`features.values` for the rules)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from features.values.cells import _CACHE_SIZE, _REAL, Column, _float, map_distinct, text, text_column

NEGATIVE = "negative value set to missing"
#: Flags as CRMs and spreadsheets write them; ``wahr``/``falsch`` are German Excel's TRUE and FALSE.
_TRUE = frozenset({"1", "1.0", "true", "yes", "ja", "wahr", "y"})
_FALSE = frozenset({"0", "0.0", "false", "no", "nein", "falsch", "n"})


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_COMMA_NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_LEADING_ZERO = re.compile(r"[+-]?0\d", re.ASCII)
#: A currency written before or after an amount, as multi-currency CRM reports do (``USD 1,500,000.00``,
#: ``CHF 2 Mio``, ``£2m``, Dynamics 365's ``$1,250,000.00``); the amount is taken as written, as ``$20M`` is.
_CURRENCY = re.compile(r"^(?:€|eur|usd|us\$|\$|chf|sfr\.?|gbp|£)\s*|\s*(?:€|eur|usd|\$|chf|sfr\.?|gbp|£)$",
                       re.IGNORECASE)
_INNER_SPACE = re.compile(r"[\s'\u00a0\u202f]")
#: The currency a marker names, as ISO 4217 code.
_CURRENCY_CODES = {"€": "EUR", "eur": "EUR", "usd": "USD", "us$": "USD", "$": "USD", "chf": "CHF", "sfr": "CHF",
                   "sfr.": "CHF", "gbp": "GBP", "£": "GBP"}


def currency(value: object) -> str | None:
    """The ISO code of the currency an amount is written with (``$1,250,000.00`` → ``USD``), or None."""
    shown = text(value)
    match = _CURRENCY.search(shown) if shown else None
    return _CURRENCY_CODES.get(match.group(0).strip().lower()) if match else None


def amount(value: object) -> tuple[float | None, str | None]:
    """A contract amount (``employee_count``, ``annual_revenue``) and, when the value could not be used,
    why (the value is then missing). See :mod:`features.values` for the grouping rules."""
    if isinstance(value, _REAL) and not isinstance(value, bool | np.bool_):
        number_ = _float(value)
        if math.isnan(number_):
            return None, None
        if not math.isfinite(number_):
            return None, not_a_number(text(value) or repr(value))
        return (None, NEGATIVE) if number_ < 0 else (number_, None)
    shown = text(value)
    if shown is None:
        return None, None
    parsed = _grouped_number(shown)
    if parsed is None:
        parsed = _scaled_or_range(shown)
    if parsed is None or not math.isfinite(parsed):
        return None, not_a_number(shown)
    return (None, NEGATIVE) if parsed < 0 else (parsed, None)


#: Scale words of amounts, German and English (``Mio.``: the dot is dropped before looking up).
_SCALES = {"k": 1e3, "tsd": 1e3, "tausend": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mio": 1e6, "million": 1e6,
           "millionen": 1e6, "millions": 1e6, "mrd": 1e9, "milliarde": 1e9, "milliarden": 1e9, "b": 1e9, "bn": 1e9,
           "billion": 1e9, "billions": 1e9}
_SCALED = re.compile(r"(.*\d)\s*([a-z]+)\.?", re.IGNORECASE)
_AMOUNT_RANGE = re.compile(r"(.*?\w\.?)\s*(?:-|–|—|\bbis\b|\bto\b)\s*(\S.*)", re.IGNORECASE)
_OPEN_ABOVE = re.compile(r"(.*\w\.?)\s*(?:\+|or more|und mehr|oder mehr)|"
                         r"(?:über|ueber|more than|over|mehr als|at least|mindestens|ab|>=?|≥)\s*(.+)", re.IGNORECASE)
_OPEN_BELOW = re.compile(r"(?:less than|fewer than|under|below|up to|bis zu|bis|unter|weniger als|<=?|≤)\s*(.+)",
                         re.IGNORECASE)
#: Words around an amount that leave it as it is: what is counted (LinkedIn writes "51-200 employees"), and that
#: it is approximate ("ca. 200", "~150", "200 (est.)").
_COUNTED = re.compile(r"\s*(?:employees?|staff|people|persons?|mitarbeiter(?:innen)?|mitarbeitende|beschäftigte|"
                      r"ma|fte)\.?$", re.IGNORECASE)
_APPROXIMATE = re.compile(r"^(?:ca\.?|circa|approx\.?|approximately|about|around|rund|etwa|~)\s*|"
                          r"\s*\((?:est\.?|estimated|geschätzt)\)$", re.IGNORECASE)
#: LinkedIn's company-size band of one person.
_ONE_PERSON = frozenset({"self-employed", "self employed", "selbstständig", "selbständig"})


@lru_cache(maxsize=_CACHE_SIZE)
def _scaled_or_range(shown: str) -> float | None:
    """An amount with a scale word, counted words or as a range (:func:`range_amount`); ``None`` for anything
    else."""
    value = _APPROXIMATE.sub("", _COUNTED.sub("", shown.strip())).strip()
    if value.casefold() in _ONE_PERSON:
        return 1.0
    if value != shown.strip() and (plain := _grouped_number(value)) is not None:
        return plain
    ranged = range_amount(value)
    if ranged is not None:
        return ranged
    number_, scale = _scaled(value)
    return number_ if scale != 1.0 else None


def range_amount(shown: str) -> float | None:
    """A range's midpoint (a bare lower bound takes the upper one's scale: ``10-50M``), an open range's lower
    bound (``10,001+``, ``über 500``) or, open below, half its upper bound (``< 10``, ``bis 10``: the midpoint
    from 0); ``None`` when the text is none of these (see :mod:`features.values`)."""
    value = _CURRENCY.sub("", shown.strip()).replace("$", "").strip()
    if match := _AMOUNT_RANGE.fullmatch(value):
        (low, low_scale), (high, high_scale) = _scaled(match.group(1)), _scaled(match.group(2))
        if low is not None and high is not None:
            low *= high_scale if low_scale == 1.0 else 1.0
            return (low + high) / 2 if low <= high else None
    if match := _OPEN_ABOVE.fullmatch(value):
        return _scaled(match.group(1) or match.group(2))[0]
    if (match := _OPEN_BELOW.fullmatch(value)) and (bound := _scaled(match.group(1))[0]) is not None:
        return bound / 2
    return None


def _scaled(text_: str) -> tuple[float | None, float]:
    """A number with an optional scale word, as (its value, the scale it was given with)."""
    text_ = _CURRENCY.sub("", text_.strip()).replace("$", "").strip()
    scale = 1.0
    if (match := _SCALED.fullmatch(text_)) and match.group(2).lower() in _SCALES:
        text_, scale = match.group(1), _SCALES[match.group(2).lower()]
    parsed = _grouped_number(text_) if text_ else None
    return (parsed * scale if parsed is not None and parsed >= 0 else None), scale


@lru_cache(maxsize=_CACHE_SIZE)
def _grouped_number(shown: str) -> float | None:
    value = _INNER_SPACE.sub("", _CURRENCY.sub("", shown.strip()))
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


def amounts(values: Column) -> tuple[np.ndarray, list[str | None]]:
    """:func:`amount` of a column: float64 values (NaN where missing) and each row's problem (or None). A column
    of typed numbers (Parquet, SQL) is read column-wise, with the rule's results: a number is itself, missing
    when NaN, and refused when negative or infinite."""
    typed = values.array if isinstance(values, pd.Series) else values  # a text column is not copied to learn so
    # typed numbers column-wise: with _load_leads showing only faulty rows, ~7 % of loading 1M leads (K39)
    if isinstance(typed, np.ndarray | pd.arrays.NumpyExtensionArray) and typed.dtype.kind in "iuf":
        typed = np.asarray(typed)
        numbers_ = typed.astype(np.float64)
        read = np.where(np.isfinite(numbers_) & (numbers_ >= 0), numbers_, np.nan)
        problems: list[str | None] = [None] * len(read)
        for row in np.flatnonzero(np.isinf(numbers_) | (numbers_ < 0)).tolist():
            problems[row] = amount(typed[row].item())[1]
        return read, problems
    pairs = map_distinct(values, amount)
    return (np.array([p[0] if p[0] is not None else np.nan for p in pairs], dtype=np.float64),
            [p[1] for p in pairs])


#: A percent sign after a number (``12.5%``, ``12,5 %``): the number is read as written.
_PERCENT = re.compile(r"\s*%$")


def is_code(shown: str) -> bool:
    """Whether text is a code written with a leading zero (a postcode ``01067``, ``02115``): never a number, and
    a column holding one is a column of codes."""
    return bool(_LEADING_ZERO.match(_PERCENT.sub("", shown)))


def is_number_text(shown: str, decimal_comma: bool = False) -> bool:
    """Whether text is a number of a column of unknown meaning (see :func:`number`)."""
    return _number_text(shown, decimal_comma) is not None


def number(value: object, decimal_comma: bool = False) -> float | None:
    """A number of a column of unknown meaning (declared extra columns, flat tables), or ``None`` when missing
    or not a number. ``decimal_comma``: its column writes a decimal comma, as a German spreadsheet does
    (:func:`decimal_comma_column`; see :mod:`features.values` for the rules)."""
    if isinstance(value, _REAL) and not isinstance(value, bool | np.bool_):
        number_ = _float(value)
        return number_ if math.isfinite(number_) else None
    shown = text(value)
    return None if shown is None else _number_text(shown, decimal_comma)


#: Digits grouped in threes behind a first group of 1–3 digits (not starting with 0), then an optional fraction:
#: ``1,573`` and ``1,234,567.5`` as US spreadsheets write them, ``1.573`` and ``1.234.567,5`` as German ones do.
_GROUPED = {mark: re.compile(rf"[+-]?[1-9]\d{{0,2}}(?:{re.escape(mark)}\d{{3}})+(?:{re.escape(decimal)}\d+)?",
                             re.ASCII) for mark, decimal in ((",", "."), (".", ","))}


@lru_cache(maxsize=_CACHE_SIZE)
def _number_text(shown: str, decimal_comma: bool) -> float | None:
    plain = _PERCENT.sub("", shown)
    grouping, decimal = (".", ",") if decimal_comma else (",", ".")
    if is_code(shown):
        parsed = None
    elif _GROUPED[grouping].fullmatch(plain):
        parsed = float(plain.replace(grouping, "").replace(decimal, "."))
    elif _PLAIN_NUMBER.fullmatch(plain) or (decimal_comma and _COMMA_NUMBER.fullmatch(plain)):
        parsed = float(plain.replace(",", "."))
    else:  # an amount written with its currency: the currency says the marks group digits
        parsed = _grouped_number(shown) if _CURRENCY.search(shown) else None
    return parsed if parsed is not None and math.isfinite(parsed) else None


#: How far a column of unknown meaning may stray from numbers and still be one: spreadsheet error cells
#: (``#VALUE!``) or typos in at most 5 % of its present values are set to missing, with a warning naming each
#: row, rather than turning the whole column into categories.
STRAY_SHARE = 0.05

#: A number as a US spreadsheet writes it (``1,234.5``) and as a German one does (``1.234,5``), without sign.
_STRICT = {False: re.compile(r"(?:\d+|[1-9]\d{0,2}(?:,\d{3})+)(?:\.\d+)?", re.ASCII),
           True: re.compile(r"(?:\d+|[1-9]\d{0,2}(?:\.\d{3})+)(?:,\d+)?", re.ASCII)}


def numeric_column(values: Column, decimal_comma: bool = False, stray_share: float = 0.0) -> bool:
    """Whether a column of unknown meaning holds numbers: every present value is a number (:func:`number`), or
    all but at most ``stray_share`` of them. A value with a leading zero (``02115``) makes it a column of codes."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    counts = text_column(series).value_counts()
    stray = 0
    for shown, count in counts.items():
        if is_code(str(shown)):
            return False
        stray += 0 if is_number_text(str(shown), decimal_comma) else int(count)
    return stray <= stray_share * int(counts.sum())


def decimal_comma_column(values: Column, default: bool) -> bool:
    """Whether a column of unknown meaning writes a decimal comma, as its own values show: a comma when one of
    them reads only so (``9,0``, ``2,25``, ``1.234,5``), a point when one reads only so (``0.77``, ``2.5``,
    ``1,234.5``), else (``1.578``, ``1,573``, ``12`` read both ways) ``default``, the file's convention."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_numeric_dtype(series):
        return default
    return _shown_comma(text_column(series).dropna().unique(), default)


def written_comma(written: Sequence[object], default: bool) -> bool:
    """:func:`decimal_comma_column` of a request's values of one field: only its text shows a mark (a JSON
    number is written in no spreadsheet's convention), else ``default``, the convention the model's training
    file showed for the column. Per value, without pandas: a request holds a few."""
    return _shown_comma({shown for v in written if isinstance(v, str) and (shown := text(v)) is not None}, default)


def _shown_comma(shown_texts: Iterable[object], default: bool) -> bool:
    comma = point = False
    for shown in shown_texts:
        plain = _PERCENT.sub("", _CURRENCY.sub("", str(shown).strip())).lstrip("+-")
        german, american = bool(_STRICT[True].fullmatch(plain)), bool(_STRICT[False].fullmatch(plain))
        comma, point = comma or (german and not american), point or (american and not german)
    return comma if comma != point else default


def flag(value: object) -> float | None:
    """1.0 / 0.0 for ``1/0``, ``true/false``, ``yes/no``, ``y/n``, ``ja/nein``, ``wahr/falsch``; ``None`` otherwise."""
    shown = text(value)
    if shown is None:
        return None
    lowered = shown.lower()
    return 1.0 if lowered in _TRUE else 0.0 if lowered in _FALSE else None


def not_a_number(shown: str) -> str:
    return f"not a number {shown!r}: set to missing"
