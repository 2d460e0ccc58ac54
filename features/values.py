"""The rulebook: how leadscore reads one raw CRM value, whatever door it came through.

A file row (the loader), an API request's lead, a webhook's contact and a pyfunc row all go through the
functions here, so the same raw lead gives the same features and the same score everywhere (a property
test feeds generated raw leads through every door and compares). Each rule has a **scalar form**, the
definition, and where a file needs it a **column form** that applies the scalar form once per distinct
value; moments are the one column-only rule (a request's moments are parsed together as one column).

The rules
---------
* **Missing** (:func:`is_missing`): ``None``, NaN, ``pd.NA``, ``NaT``, and text that after stripping and
  lower-casing is a marker of :data:`~features.contract.MISSING_MARKERS` (``""``, ``"Select"``, ``"n/a"``,
  ``"k.A."`` …). ``0`` and ``False`` are present values.
* **Text** (:func:`text`): the cell's text, stripped; a missing value gives ``None``. Numbers are read as
  the text a CSV would hold (``12`` for 12.0, ``1.5``; a typed decimal too), booleans as ``true``/``false``,
  moments and dates as ISO text; bytes, lists and other objects carry no text.
* **Lead ids** (:func:`id_numbers`): the text of the id; one no lead has as written is looked for by the
  whole number it writes (``00123`` and ``123.0`` as ``123``), as exports of one CRM write ids differently.
* **Folding** (:func:`fold_text`, :func:`snake`): for matching, text becomes plain ASCII words: lower case,
  umlauts written out (``ä`` → ``ae``, ``ß`` → ``ss``), other accents dropped, punctuation a space.
  :func:`snake` joins the words with ``_``: ``"Page  View"``, ``"page-view"``, ``"Page View!"`` → ``page_view``.
* **Activity type** (:func:`activity_type`): the snake form of the value, read as the contract type it
  names when it is what tools and German CRMs call one (``Email Opened``, ``Filled Out Form``, ``Demo
  angefragt``: :mod:`features.activity_names`). A contract type (:data:`~features.contract.ACTIVITY_TYPES`)
  is counted as itself; a name unknown as written is read again with its camelCase words apart
  (``DemoRequest``); anything else is kept under its snake form, reported, and counted as ``other``.
* **Amounts** (:func:`amount`; ``employee_count``, ``annual_revenue``): German and English grouping, because
  CRM report exports format numbers in the user's locale: spaces, no-break spaces and apostrophes inside
  the number are ignored, as is a leading or trailing currency (``€``, ``EUR``, ``$``, ``USD``, ``CHF``, ``£``,
  ``GBP``: the amount is taken as written, not converted); with both ``.`` and ``,`` the last one
  is the decimal mark (``1.234.567,89`` = ``1,234,567.89``); with one kind only it is a thousands separator
  when it groups digits in threes behind a first group of 1–3 digits that does not start with 0 (``1.234``
  is 1234, ``1,5`` and ``0.234`` are decimals). As enrichment tools and German CRMs write sizes, a scale
  word multiplies (``10 Mio. €``, ``1,5 Mrd``, ``$20M``, ``500k``), a range is its midpoint (``51-200`` is
  125.5; ``10-50M`` is 30 million), an open range its lower bound (``10,001+``, ``über 500``, ``mehr als
  1000``) and a range open below half its bound (``< 10``, ``bis 10``, ``Less than 1M``: the midpoint from 0).
  Words that say what is counted or that the number is approximate are read past (``51-200 employees``,
  ``1.000-4.999 Mitarbeiter``, ``ca. 200``, ``~150``), and LinkedIn's ``Self-employed`` band is one person. A
  negative value or text that is not a number becomes missing, with a warning that names the field.
* **Plain numbers** (:func:`number`; declared extra columns, flat tables): ``.`` as decimal mark, no
  grouping, an exponent allowed; in a ``;``-separated file a decimal comma too. A leading zero (``01067``)
  marks a code, not a number.
* **Flags** (:func:`flag`): ``1/0``, ``true/false``, ``yes/no``, ``ja/nein``.
* **Moments** (:func:`moments`): ISO 8601 (``2024-03-01T10:00:00Z``, ``…+02:00``, ``2024-03-01 10:00``,
  ``2024-03-01``), or a dotted day-first date as German, Austrian and Swiss exports write it (``01.03.2024``,
  ``1.3.2024 14:30[:15]``: dots put the day first in every locale that writes them); no offset means UTC.
  A file's column (``moments(..., exported=True)``) may also write slashed dates, month first as US exports
  do or day first as British and French ones do (``03/01/2024``, ``3/1/2024 2:30 PM``, ``13/01/2024
  14:30:15``): they are read in the order the column itself shows, day first when one of its values starts
  with a number over 12, month first when one has such a number second. A column that never shows it (or
  shows both) is not guessed, nor is a request's single value: such a value is unparseable. A file's column
  may also name the month, in English or German (``Mar 01, 2024 02:30 PM`` as Zoho writes it,
  ``01-Mar-2024``, ``1 March 2024``, ``1. März 2024 14:30``, with a weekday too: ``Fri, 01 Mar 2024``), its
  dotted and slashed dates may have a two-digit year (``01.03.24``, ``3/1/24``), read as this century's (a
  CRM's dates are). Both doors read Unix time as Intercom or HubSpot's API export it (10 digits are seconds,
  13 milliseconds), a spreadsheet's day number as Excel and Google Sheets hold a date in a cell formatted as a
  number (5 digits, a fraction for the time of day: ``45352.6042`` is 2024-03-01 14:30; days since
  1899-12-30, the 1900 date system), each read so between 2000 and 2100, where the number of digits names the
  unit, and ``UTC`` or ``GMT`` after a moment without an offset (``2024-03-01 14:30:00 UTC`` as BigQuery
  exports it) or one of Europe's zone names, English or German (``CET``/``MEZ`` +1, ``CEST``/``MESZ`` +2,
  ``WET``, ``WEST``, ``EET``, ``EEST``: each one offset); names of zones apart (``CST``, ``IST``) and US zones
  are not guessed. A number of up to four digits is no moment (ISO 8601's year alone: a footer's count,
  ``Total,3000``, would be the year 3000). Moments are integer microseconds since the epoch, UTC.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from features.activity_names import ACTIVITY_SYNONYMS, by_words
from features.contract import ACTIVITY_TYPES, MISSING_MARKERS

#: Longest raw text a category is read from; a longer value is cut first (bounds work and cache memory).
MAX_TEXT_CHARS = 256
#: Longest :func:`snake` category (cut after a whole word).
MAX_CATEGORY_CHARS = 64

MISSING_REQUIRED = "missing required value"
NEGATIVE = "negative value set to missing"
NOT_ISO = "expected ISO 8601 or DD.MM.YYYY"
#: Why a slashed date was not read (see the module docstring).
SLASHED_UNREAD = "month or day first? A file's column is read when one of its dates shows it; else write ISO 8601"
#: Why a Unix time is not read: it lies outside 2000–2100 (see the module docstring).
UNIX_UNREAD = ("expected ISO 8601, DD.MM.YYYY, Unix time (10 digits: seconds, 13: milliseconds) or a spreadsheet's "
               "day number (5 digits), 2000 to 2100")

_LONGEST_MARKER = max(len(marker) for marker in MISSING_MARKERS)
_CACHE_SIZE = 65536
_TRUE = frozenset({"1", "1.0", "true", "yes", "ja"})
_FALSE = frozenset({"0", "0.0", "false", "no", "nein"})
_CONTRACT_TYPES = frozenset(ACTIVITY_TYPES)
#: Up to this many values (a request's leads) a plain loop costs less than hashing a column (14 % of a request).
#: See benchmarks/DECISIONS.md R9.
FEW_VALUES = 64

Column = np.ndarray | pd.api.extensions.ExtensionArray | pd.Series
"""A raw column: Python objects, plain numbers, or a pandas (e.g. Arrow string) array."""


# --------------------------------------------------------------------------------------------------
# Missing values and text


#: Typed numbers: Python's and NumPy's, and decimals (a warehouse's ``NUMERIC(18,2)`` in a Parquet export).
_REAL = (numbers.Real, Decimal)


def _float(value: numbers.Real | Decimal) -> float:
    """A typed number as a float (a decimal's NaN, signalling or not, as NaN)."""
    return math.nan if isinstance(value, Decimal) and value.is_nan() else float(value)


def is_missing(value: object) -> bool:
    """Whether a CRM cell means "nobody answered" (see the module docstring). Never raises."""
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
    """The text a cell holds, stripped; ``None`` when it is missing (see the module docstring)."""
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


# --------------------------------------------------------------------------------------------------
# Folding: text as plain ASCII words for matching


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Letters that Unicode does not decompose into a base letter plus accent.
_SPECIAL_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=_CACHE_SIZE)
def fold(text_: str) -> str:
    """Text (already a ``str``) as plain ASCII words separated by single spaces."""
    folded = unicodedata.normalize("NFKC", text_).casefold().translate(_UMLAUTS).translate(_SPECIAL_LETTERS)
    if not folded.isascii():
        folded = "".join(char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", folded).strip()


def category_text(value: object) -> str | None:
    """:func:`text`, cut to :data:`MAX_TEXT_CHARS`, for values read as a category (booleans carry none)."""
    if isinstance(value, bool | np.bool_):
        return None
    shown = text(value)
    return None if shown is None else shown[:MAX_TEXT_CHARS]


def fold_text(value: object) -> str:
    """A value as plain ASCII words for matching: ``"Geschäftsführer/in"`` → ``"geschaeftsfuehrer in"``;
    ``""`` for a missing value or text without a letter or digit."""
    shown = category_text(value)
    return "" if shown is None else fold(shown)


def snake(value: object) -> str | None:
    """The category name of free text: folded words joined by ``_`` (``"Food & Beverages"`` →
    ``"food_beverages"``), at most :data:`MAX_CATEGORY_CHARS` long (cut after a whole word); ``None`` when
    nothing is left. Idempotent."""
    folded = fold_text(value)
    return snake_of_folded(folded) if folded else None


def snake_of_folded(folded: str) -> str:
    """:func:`snake` of text that is already folded."""
    joined = folded.replace(" ", "_")
    if len(joined) > MAX_CATEGORY_CHARS:
        cut = joined[: MAX_CATEGORY_CHARS + 1]
        joined = cut.rsplit("_", 1)[0] if "_" in cut else joined[:MAX_CATEGORY_CHARS]
    return joined


def activity_type(value: object) -> str | None:
    """The activity type a raw value names: its :func:`snake` form, read as the contract type it stands for
    when it is a known export name (:data:`~features.activity_names.ACTIVITY_SYNONYMS`) or its words say one
    (:func:`~features.activity_names.by_words`); ``None`` when missing."""
    return _activity_type_of_text(value) if type(value) is str else _contract_name(snake(value))


#: Where camelCase text starts a word (``DemoRequest``, ``emailOpen``, ``CTAClick``).
_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@lru_cache(maxsize=_CACHE_SIZE)
def _activity_type_of_text(value: str) -> str | None:
    """Cached: a request repeats a handful of types over its activities. A type unknown as written is read
    again with its camelCase words apart (``DemoRequest``, as tracking tools and APIs name events)."""
    name = _contract_name(snake(value))
    if name is not None and not is_contract_activity(name):
        words = _CAMEL_WORD.sub(" ", value)
        if words != value and is_contract_activity(split := _contract_name(snake(words))):
            return split
    return name


def _contract_name(name: str | None) -> str | None:
    if name is None or name in _CONTRACT_TYPES:
        return name
    return ACTIVITY_SYNONYMS.get(name) or by_words(name) or name


def is_contract_activity(name: str | None) -> bool:
    """Whether an :func:`activity_type` is one of the contract's (else it counts as ``other``)."""
    return name in _CONTRACT_TYPES


# --------------------------------------------------------------------------------------------------
# Numbers


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_COMMA_NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_LEADING_ZERO = re.compile(r"[+-]?0\d", re.ASCII)
#: A currency written before or after an amount, as multi-currency CRM reports do (``USD 1,500,000.00``,
#: ``CHF 2 Mio``, ``£2m``); the amount is taken as written, as ``$20M`` is.
_CURRENCY = re.compile(r"^(?:€|eur|usd|us\$|chf|sfr\.?|gbp|£)\s*|\s*(?:€|eur|usd|chf|sfr\.?|gbp|£)$", re.IGNORECASE)
_INNER_SPACE = re.compile(r"[\s'\u00a0\u202f]")


def amount(value: object) -> tuple[float | None, str | None]:
    """A contract amount (``employee_count``, ``annual_revenue``) and, when the value could not be used,
    why (the value is then missing). See the module docstring for the grouping rules."""
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
    from 0); ``None`` when the text is none of these (see the module docstring)."""
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
    """:func:`amount` of a column: float64 values (NaN where missing) and each row's problem (or None)."""
    pairs = map_distinct(values, amount)
    return (np.array([p[0] if p[0] is not None else np.nan for p in pairs], dtype=np.float64),
            [p[1] for p in pairs])


def is_number_text(shown: str, decimal_comma: bool = False) -> bool:
    """Whether text is a plain number (see :func:`number`); a leading zero marks a code, not a number."""
    if _LEADING_ZERO.match(shown):
        return False
    return bool(_PLAIN_NUMBER.fullmatch(shown) or (decimal_comma and _COMMA_NUMBER.fullmatch(shown)))


def number(value: object, decimal_comma: bool = False) -> float | None:
    """A plain number (declared extra columns, flat tables), or ``None`` when missing or not a number."""
    if isinstance(value, _REAL) and not isinstance(value, bool | np.bool_):
        number_ = _float(value)
        return number_ if math.isfinite(number_) else None
    shown = text(value)
    if shown is None or not is_number_text(shown, decimal_comma):
        return None
    parsed = float(shown.replace(",", "."))
    return parsed if math.isfinite(parsed) else None


def numeric_column(values: Column, decimal_comma: bool = False) -> bool:
    """Whether a column of unknown meaning holds numbers: every present value is a plain number."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    distinct = text_column(series).dropna().unique()
    return all(is_number_text(shown, decimal_comma) for shown in distinct)


def flag(value: object) -> float | None:
    """1.0 / 0.0 for ``1/0``, ``true/false``, ``yes/no``, ``ja/nein``; ``None`` otherwise."""
    shown = text(value)
    if shown is None:
        return None
    lowered = shown.lower()
    return 1.0 if lowered in _TRUE else 0.0 if lowered in _FALSE else None


# --------------------------------------------------------------------------------------------------
# Moments


#: The text :func:`moments` shows for a typed moment (a Parquet timestamp, a ``datetime``): it was not written.
TYPED_MOMENT = "(timestamp)"

NOT_A_MOMENT = np.iinfo(np.int64).min
"""What :func:`moments` gives for a missing or unparseable moment (NaT's integer)."""

_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")
#: A number of up to four digits is no moment, though ISO 8601 reads ``3000`` as a year: a footer's count
#: (``Total,3000``) or a year alone says no day.
_YEAR_ONLY = re.compile(r"\d{1,4}")


def moments(values: Sequence[object] | Column, exported: bool = False,
            ) -> tuple[np.ndarray, np.ndarray, pd.Series | list[str | None]]:
    """Moments as int64 microseconds since the epoch (UTC), whether each present value is unparseable, and
    the values as text (for messages: a Series for a column, a list for a list). Missing and unparseable values
    give :data:`NOT_A_MOMENT`. ``exported``: the values are a file's column, whose slashed dates are read in the
    order it shows and whose dates may name the month (see the module docstring).

    Typed timestamps (Parquet) need no parsing (a naive one means UTC); text goes through pandas' ISO 8601
    parser, with digits beyond microseconds dropped (nanoseconds would limit the range to 1677–2262)."""
    if not isinstance(values, pd.Series | pd.api.extensions.ExtensionArray | np.ndarray):
        micro, bad, listed, texts, shift = _listed_moments(list(values))
        if exported and bad.any():
            micro, bad = _exported(texts, micro, bad)
        return _in_zone(micro, bad, shift), bad, listed
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series if isinstance(series.dtype, pd.DatetimeTZDtype) else series.dt.tz_localize("UTC")
        micro = parsed.dt.tz_convert("UTC").dt.as_unit("us").array.asi8
        # the text for messages: one category, not a string per row (a typed moment is never unparseable)
        shown = pd.Series(pd.Categorical.from_codes(np.where(parsed.isna(), -1, 0), [TYPED_MOMENT]),
                          index=series.index)
        return micro, np.zeros(len(series), dtype=bool), shown
    if series.dtype == object and len(series) and all(isinstance(v, datetime | date) for v in series.array):
        return moments(pd.Series(pd.to_datetime(list(series.array), utc=True), index=series.index))
    shown = text_column(series)
    trimmed = shown.mask(shown.str.fullmatch(_YEAR_ONLY).to_numpy(dtype=bool, na_value=False))
    fraction = trimmed.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False)
    if fraction.any():
        trimmed = trimmed.copy()
        trimmed[fraction] = trimmed[fraction].str.replace(_BEYOND_MICROSECONDS, r"\1", regex=True)
    parsed = pd.to_datetime(trimmed, format="ISO8601", utc=True, errors="coerce")
    micro = pd.Series(parsed).dt.as_unit("us").array.asi8 if len(parsed) else np.zeros(0, dtype=np.int64)
    bad = shown.notna().to_numpy() & (micro == NOT_A_MOMENT)
    texts, micro, bad, shift = _other_forms(shown, micro, bad)
    if exported and bad.any():
        micro, bad = _exported(texts, micro, bad)
    return _in_zone(micro, bad, shift), bad, shown


#: Zone names written after a moment that has no offset of its own, each standing for one offset (hours): UTC
#: and GMT (``2024-03-01 14:30:00 UTC`` as BigQuery exports write it) and Europe's standard and summer times,
#: in English and German (``CET``/``MEZ``, ``CEST``/``MESZ``, ``WET``, ``WEST``, ``EET``, ``EEST``). Names that
#: stand for zones apart (``CST``, ``IST``) are not read.
_ZONE_HOURS = {"utc": 0, "gmt": 0, "wet": 0, "west": 1, "cet": 1, "mez": 1, "cest": 2, "mesz": 2, "eet": 2,
               "eest": 3}
_ZONE_NAMED = re.compile(r"(?<![+-]\d\d:\d\d)(?<![+-]\d{4})(?<![Zz])(?:(?<=\d)|(?<=[AaPp][Mm]))\s*("
                         + "|".join(sorted(_ZONE_HOURS, key=len, reverse=True)) + r")$", re.IGNORECASE)


def _zone_named(shown: pd.Series | list[str | None], micro: np.ndarray, bad: np.ndarray
                ) -> tuple[pd.Series | list[str | None], np.ndarray, np.ndarray, np.ndarray | None]:
    """The texts with a zone name after a moment left off, ``micro`` and ``bad`` with those that ISO 8601 then
    reads (as UTC), and each row's offset of its name in microseconds (None: no name), which :func:`_in_zone`
    takes off once every form has been read; every other text as it was."""
    if not bad.any():
        return shown, micro, bad, None
    where = np.flatnonzero(bad)
    unread = pd.Series(shown, dtype=object).iloc[where]
    found = unread.str.extract(_ZONE_NAMED, expand=False)
    named = np.flatnonzero(found.notna().to_numpy())
    if not named.size:
        return shown, micro, bad, None
    stripped = unread.iloc[named].str.replace(_ZONE_NAMED, "", regex=True).reset_index(drop=True)
    texts = pd.Series(shown, dtype=object).copy()
    texts.iloc[where[named]] = stripped.to_numpy()
    shift = np.zeros(len(micro), dtype=np.int64)
    shift[where[named]] = found.iloc[named].str.lower().map(_ZONE_HOURS).to_numpy(dtype=np.int64) * 3_600_000_000
    micro, bad = _read_in_forms(stripped, where[named], np.arange(named.size), ("ISO8601",), micro, bad)
    return texts, micro, bad, shift


def _in_zone(micro: np.ndarray, bad: np.ndarray, shift: np.ndarray | None) -> np.ndarray:
    """``micro`` with each read moment's zone offset (:func:`_zone_named`) taken off: UTC."""
    if shift is None:
        return micro
    return np.where(~bad & (micro != NOT_A_MOMENT), micro - shift, micro)


def _other_forms(shown: pd.Series | list[str | None], micro: np.ndarray, bad: np.ndarray
                 ) -> tuple[pd.Series | list[str | None], np.ndarray, np.ndarray, np.ndarray | None]:
    """The texts with zone names left off, ``micro`` and ``bad`` with the values ISO 8601 left unread that
    both doors read otherwise: a named zone, dotted day-first dates, Unix time and spreadsheet day numbers (an
    ISO file pays nothing), and the named zones' offsets (:func:`_zone_named`, for :func:`_in_zone`)."""
    if not bad.any():
        return shown, micro, bad, None
    texts, micro, bad, shift = _zone_named(shown, micro, bad)
    micro, bad = _day_first(texts, micro, bad)
    return texts, *(_counted(texts, micro, bad) if bad.any() else (micro, bad)), shift


_DAY_FIRST_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")


def _day_first(shown: pd.Series | list[str | None], micro: np.ndarray, bad: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with the values ISO 8601 left unread that are dotted day-first dates read day
    first (see the module docstring); an ISO file pays nothing."""
    if not bad.any():
        return micro, bad
    where = np.flatnonzero(bad)
    texts = pd.Series(shown).iloc[where].reset_index(drop=True)
    todo = np.flatnonzero(texts.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False))
    return _read_in_forms(texts, where, todo, _DAY_FIRST_FORMATS, micro, bad)


def _read_in_forms(texts: pd.Series, where: np.ndarray, todo: np.ndarray, forms: Sequence[str], micro: np.ndarray,
                   bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` (copies) with ``texts[todo]`` (at rows ``where[todo]``) read by the first of
    ``forms`` that reads each."""
    micro, bad = micro.copy(), bad.copy()
    for form in forms:
        if not todo.size:
            break
        read = pd.to_datetime(texts.iloc[todo], format=form, utc=True, errors="coerce").dt.as_unit("us").array.asi8
        hit = read != NOT_A_MOMENT
        micro[where[todo[hit]]] = read[hit]
        bad[where[todo[hit]]] = False
        todo = todo[~hit]
    return micro, bad


#: A slashed date with an optional time (24-hour, or 12-hour with AM/PM); its first two numbers are groups.
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/\d{4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?")
_SLASHED_FORMATS = {order: tuple(f"{first}/{second}/%Y{clock}" for clock in
                                 (" %I:%M:%S %p", " %I:%M %p", " %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M", ""))
                    for order, first, second in (("mdy", "%m", "%d"), ("dmy", "%d", "%m"))}


def slashed_order(texts: pd.Series) -> str | None:
    """The order a column writes its slashed dates in: ``dmy`` when one of them starts with a number over 12,
    ``mdy`` when one has such a number second; None when none shows it, or both do."""
    parts = texts.str.extract(f"^{_SLASHED.pattern}$").dropna().astype(int)
    day_first, month_first = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
    return None if day_first == month_first else "dmy" if day_first else "mdy"


def _exported(shown: pd.Series, micro: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with the forms only a file's column is read in: dotted and slashed dates with a
    two-digit year (a CRM's dates are this century's), slashed dates, named months."""
    texts = pd.Series(shown, dtype=object).copy()
    texts[bad] = texts[bad].str.replace(_SHORT_YEAR, r"\g<1>20\g<3>", regex=True)
    micro, bad = _day_first(texts, micro, bad)
    micro, bad = _slashed(texts, micro, bad) if bad.any() else (micro, bad)
    return _month_named(texts, micro, bad) if bad.any() else (micro, bad)


#: Moments written as a count (see the module docstring): Unix time in seconds (10 digits) or milliseconds (13)
#: since 1970, and a spreadsheet's day number (5 digits, a fraction for the time of day) since 1899-12-30. Each is
#: read as such only between 2000 and 2100 (a CRM's moments), so that the number of digits names the unit.
_COUNT_MOMENT = re.compile(r"^(?:(\d{10}|\d{13})|(\d{5}(?:\.\d+)?))$")
_UNIX_DIGITS = {10: 1_000_000, 13: 1_000}
_SPAN_US = (946_684_800_000_000, 4_102_444_800_000_000)
_DAY_SECONDS = 86_400
#: Day 0 of the 1900 date system is 1899-12-30 (Excel counts 1900 as a leap year, so that its day 60 is
#: 1900-02-29 and every later day is one ahead of 1899-12-31): 25,569 days before the Unix epoch.
_SPREADSHEET_EPOCH_DAYS = 25_569


def _counted(texts: pd.Series, micro: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with Unix times and spreadsheet day numbers read (see the module docstring); a
    day's fraction is rounded to the second (sheets show seconds, and 7 decimals, as often exported, are only
    good to ~9 ms)."""
    where = np.flatnonzero(bad)
    unread = pd.Series(texts, dtype=object).iloc[where].str.strip()
    found = unread.str.extract(_COUNT_MOMENT)
    unix, days = found[0].notna().to_numpy(), found[1].notna().to_numpy()
    if not (unix.any() or days.any()):
        return micro, bad
    us = np.full(len(unread), NOT_A_MOMENT, dtype=np.int64)
    digits = found[0][unix]
    us[unix] = digits.astype(np.int64).to_numpy() * digits.str.len().map(_UNIX_DIGITS).to_numpy(dtype=np.int64)
    seconds = np.round((found[1][days].astype(float).to_numpy() - _SPREADSHEET_EPOCH_DAYS) * _DAY_SECONDS)
    us[days] = seconds.astype(np.int64) * 10**6
    plausible = (unix | days) & (us >= _SPAN_US[0]) & (us < _SPAN_US[1])
    micro, bad = micro.copy(), bad.copy()
    micro[where[plausible]] = us[plausible]
    bad[where[plausible]] = False
    return micro, bad


#: A dotted or slashed date with a two-digit year (``01.03.24``, ``3/1/24 2:30 PM``).
_SHORT_YEAR = re.compile(r"^(\s*\d{1,2}([./])\d{1,2}\2)(\d{2})(?=$|[ T])")


#: Month names and their abbreviations, English and German (folded: ``maerz``), as ``%b`` reads them.
_MONTHS = {name: english for english, names in (
    ("Jan", "jan january januar jaen jaenner"), ("Feb", "feb february februar"),
    ("Mar", "mar march maerz maer mrz"), ("Apr", "apr april"), ("May", "may mai"), ("Jun", "jun june juni"),
    ("Jul", "jul july juli"), ("Aug", "aug august"), ("Sep", "sep sept september"),
    ("Oct", "oct october okt oktober"), ("Nov", "nov november"), ("Dec", "dec december dez dezember"),
) for name in names.split()}
#: Weekday names, English and German, which a date that names its month may add (``Fri, 01 Mar 2024``).
_WEEKDAYS = frozenset(name for names in ("mon monday tue tues tuesday wed wednesday thu thur thurs thursday",
                                          "fri friday sat saturday sun sunday mo montag di dienstag mi mittwoch",
                                          "do donnerstag fr freitag sa samstag sonnabend so sonntag")
                      for name in names.split())
_DATE_NUMBER = re.compile(r"\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?")
_NAMED_FORMATS = tuple(f"{date}{clock}" for date in ("%d %b %Y", "%b %d %Y")
                       for clock in (" %I:%M:%S %p", " %I:%M %p", " %H:%M:%S", " %H:%M", ""))


def _month_named(shown: pd.Series, micro: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with dates that name their month read (see the module docstring): the month's
    name becomes its English abbreviation, a day's dot, commas and the hyphens of ``01-Mar-2024`` spaces."""
    where = np.flatnonzero(bad)
    texts = pd.Series(shown).iloc[where].astype(object).reset_index(drop=True)
    plain = map_distinct(texts, _plain_month)
    todo = np.flatnonzero(pd.notna(plain))
    if not todo.size:
        return micro, bad
    return _read_in_forms(pd.Series(plain, dtype=object), where, todo, _NAMED_FORMATS, micro, bad)


def _plain_month(text: object) -> str | None:
    """``text`` with its one month name as ``%b`` reads it, and otherwise only numbers, a clock and AM/PM;
    None for any other value."""
    if not isinstance(text, str):
        return None
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)
    words = [word.rstrip(".") for word in folded.replace(",", " ").replace("-", " ").split()]
    words = [word for word in words if word not in _WEEKDAYS]
    if sum(word in _MONTHS for word in words) != 1 or not all(
            word in _MONTHS or word in ("am", "pm") or _DATE_NUMBER.fullmatch(word) for word in words):
        return None
    return " ".join(_MONTHS.get(word, word.upper()) for word in words)


def _slashed(shown: pd.Series, micro: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with a column's slashed dates read in the order the column shows (see the module
    docstring); values in other forms, and every slashed date of a column that does not show it, stay unread."""
    where = np.flatnonzero(bad)
    texts = pd.Series(shown).iloc[where].astype(object).reset_index(drop=True)
    order = slashed_order(texts)
    if order is None:
        return micro, bad
    return _read_in_forms(texts, where, np.arange(len(texts)), _SLASHED_FORMATS[order], micro, bad)


def _listed_moments(listed: list[object]
                    ) -> tuple[np.ndarray, np.ndarray, list[str | None], pd.Series | list[str | None],
                               np.ndarray | None]:
    """:func:`moments` of a request's values: the same rules, read without a pandas step per rule (a request's
    moments are parsed on every call of the API, where each such step costs more than the parsing); and, last,
    the texts :func:`_other_forms` left for a file's forms (:func:`_exported`) with their zones' offsets."""
    if listed and all(isinstance(v, datetime) for v in listed):
        micro = np.array([_datetime_us(v) for v in listed], dtype=np.int64)  # type: ignore[arg-type]
        shown = [TYPED_MOMENT] * len(listed)
        return micro, np.zeros(len(listed), dtype=bool), shown, shown, None
    shown = [text(v) for v in listed]
    trimmed = [None if t is None or (len(t) <= 4 and t.isascii() and t.isdigit())  # no moment: _YEAR_ONLY
               else _BEYOND_MICROSECONDS.sub(r"\1", t) if "." in t else t for t in shown]
    if not trimmed:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), [], [], None
    # a request's few moments: pandas' parser has a fixed cost (~0.2 ms a call) greater than reading them here
    read = [NOT_A_MOMENT if t is None else _plain_iso_us(t) for t in trimmed] if len(trimmed) <= FEW_VALUES else [None]
    if None in read:  # many moments, or a form the plain reading leaves to pandas' ISO 8601 parser
        micro = pd.to_datetime(trimmed, format="ISO8601", utc=True, errors="coerce").as_unit("us").asi8
    else:
        micro = np.array(read, dtype=np.int64)
    bad = np.array([t is not None for t in shown]) & (micro == NOT_A_MOMENT)
    texts, micro, bad, shift = _other_forms(shown, micro, bad)
    return micro, bad, shown, texts, shift


_PLAIN_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?"
                        r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?", re.ASCII)


def _plain_iso_us(shown: str) -> int | None:
    """The most common ISO 8601 forms (``2024-03-01``, ``2024-03-01T10:00[:00[.123456]]`` with ``T`` or a space,
    then ``Z``, ``±hh:mm`` or no offset) as microseconds, exactly as pandas' ISO 8601 parser reads them
    (a property test compares the two); ``None`` for any other text, which pandas then reads."""
    if _PLAIN_ISO.fullmatch(shown) is None:
        return None
    try:
        moment = datetime.fromisoformat(shown)
    except ValueError:  # no such day, time or offset: pandas' parser decides
        return None
    return _datetime_us(moment)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _datetime_us(value: datetime) -> int:
    """A typed moment as microseconds; a naive one means UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _MICROSECOND


def moment_us(value: object) -> int:
    """One moment (a ``datetime``, ``pd.Timestamp`` or ISO 8601 text) as microseconds; ValueError if it is none."""
    if isinstance(value, datetime) and not pd.isna(value):
        return _datetime_us(value)
    micro, bad, _ = moments([value])
    if bad[0] or micro[0] == NOT_A_MOMENT:
        raise ValueError(f"{value!r} is not a moment ({NOT_ISO})")
    return int(micro[0])


# --------------------------------------------------------------------------------------------------
# Messages: the same words for a file row and for a request's lead


def not_a_number(shown: str) -> str:
    return f"not a number {shown!r}: set to missing"


def unparseable_moment(shown: str) -> str:
    if _SLASHED.fullmatch(shown):
        return f"unparseable timestamp {shown!r} ({SLASHED_UNREAD})"
    if re.fullmatch(r"\s*(?:\d{9,14}|\d{4,6}(?:\.\d+)?)\s*", shown):
        return f"unparseable timestamp {shown!r} ({UNIX_UNREAD})"
    return f"unparseable timestamp {shown!r} ({NOT_ISO})"
