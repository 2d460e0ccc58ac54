"""The rulebook's moments: ISO 8601, dotted and slashed dates, named months, Unix and spreadsheet times, zone
names, as integer microseconds since the epoch (see :mod:`features.values` for the rules)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from features.values.cells import FEW_VALUES, Column, map_distinct, text, text_column
from features.values.words import _UMLAUTS

NOT_ISO = "expected ISO 8601 or DD.MM.YYYY"
#: Why a slashed date was not read (see :mod:`features.values`).
SLASHED_UNREAD = ("month or day first? Slashed dates are read in the order their column (a file's column, a "
                  "request's values of the field) shows by a number over 12; else write ISO 8601 or DD.MM.YYYY")
#: Why a Unix time is not read: it lies outside 2000–2100 (see :mod:`features.values`).
UNIX_UNREAD = ("expected ISO 8601, DD.MM.YYYY, Unix time (10 digits: seconds, 13: milliseconds) or a spreadsheet's "
               "day number (5 digits), 2000 to 2100")


#: The text :func:`moments` shows for a typed moment (a Parquet timestamp, a ``datetime``): it was not written.
TYPED_MOMENT = "(timestamp)"

NOT_A_MOMENT = np.iinfo(np.int64).min
"""What :func:`moments` gives for a missing or unparseable moment (NaT's integer)."""

_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")
#: A number of up to four digits is no moment, though ISO 8601 reads ``3000`` as a year: a footer's count
#: (``Total,3000``) or a year alone says no day.
_YEAR_ONLY = re.compile(r"\d{1,4}")


def moments(values: Sequence[object] | Column, exported: bool = False, order: str | None = None,
            ) -> tuple[np.ndarray, np.ndarray, pd.Series | list[str | None]]:
    """Moments as int64 microseconds since the epoch (UTC), whether each present value is unparseable, and
    the values as text (for messages: a Series for a column, a list for a list). Missing and unparseable values
    give :data:`NOT_A_MOMENT`. ``exported``: the values are a file's column, whose slashed dates are read in the
    order it shows and whose dates may name the month (see :mod:`features.values`); ``order`` (``dmy`` or
    ``mdy``): the order another column of the same file showed, for a column that shows none itself (a sparse
    conversion date beside the creation dates).

    Typed timestamps (Parquet) need no parsing (a naive one means UTC); text goes through pandas' ISO 8601
    parser, with digits beyond microseconds dropped (nanoseconds would limit the range to 1677–2262)."""
    if not isinstance(values, pd.Series | pd.api.extensions.ExtensionArray | np.ndarray):
        micro, bad, listed, texts, shift = _listed_moments(list(values))
        if exported and bad.any():
            micro, bad = _exported(texts, micro, bad, order)
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
        micro, bad = _exported(texts, micro, bad, order)
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
    first (see :mod:`features.values`); an ISO file pays nothing."""
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


def column_order(texts: pd.Series | Sequence[str | None], fallback: str | None = None) -> str | None:
    """The order a column's slashed dates show (:func:`slashed_order`), else ``fallback``: the order the
    creation dates of a leads file, or of a request's leads, are read in, which their activities and
    conversions fall back on where their own dates show none."""
    if not isinstance(texts, pd.Series):  # a request's few values: pandas' steps cost ~0.1 ms, 5 % of a request
        listed = [t for t in texts if isinstance(t, str) and "/" in t]
        return (slashed_order(pd.Series(listed, dtype=object)) if listed else None) or fallback
    slashed = texts[texts.str.contains("/", regex=False, na=False).to_numpy(dtype=bool)]
    return (slashed_order(slashed) if len(slashed) else None) or fallback


def _exported(shown: pd.Series, micro: np.ndarray, bad: np.ndarray, order: str | None = None,
              ) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with the forms only an exported column (a file's, or a request's values of one field)
    is read in, not a moment given alone: dotted and slashed dates with a two-digit year (a CRM's dates are this
    century's), slashed dates, named months."""
    texts = pd.Series(shown, dtype=object).copy()
    texts[bad] = texts[bad].str.replace(_SHORT_YEAR, r"\g<1>20\g<3>", regex=True)
    micro, bad = _day_first(texts, micro, bad)
    micro, bad = _slashed(texts, micro, bad, order) if bad.any() else (micro, bad)
    return _month_named(texts, micro, bad) if bad.any() else (micro, bad)


#: Moments written as a count (see :mod:`features.values`): Unix time in seconds (10 digits) or milliseconds (13)
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
    """``micro`` and ``bad`` with Unix times and spreadsheet day numbers read (see :mod:`features.values`); a
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
    """``micro`` and ``bad`` with dates that name their month read (see :mod:`features.values`): the month's
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


def _slashed(shown: pd.Series, micro: np.ndarray, bad: np.ndarray, fallback: str | None = None,
             ) -> tuple[np.ndarray, np.ndarray]:
    """``micro`` and ``bad`` with a column's slashed dates read in the order the column shows, else in
    ``fallback`` (the order its file showed elsewhere; see the module docstring); values in other forms, and
    every slashed date when neither shows it, stay unread."""
    where = np.flatnonzero(bad)
    texts = pd.Series(shown).iloc[where].astype(object).reset_index(drop=True)
    order = slashed_order(texts) or fallback
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


#: A moment's own offset or zone written after it: ``Z``, ``+01:00``, ``+0100``, a zone name (:data:`_ZONE_HOURS`),
#: or a Unix time (seconds or milliseconds since 1970 are UTC by definition).
_OWN_ZONE = re.compile(r"(?:[Zz]|[+-]\d\d:?\d\d|\b(?:" + "|".join(_ZONE_HOURS) + r"))\s*$|^\d{9,}(?:\.\d+)?$",
                       re.IGNORECASE)


def in_time_zone(micro: np.ndarray, bad: np.ndarray, shown: pd.Series | list[str | None], zone: str | None,
                 ) -> np.ndarray:
    """``micro`` with the moments written without an offset of their own read as local times of ``zone`` (an
    IANA name such as ``Europe/Berlin``: a German CRM writes ``31.12.2025 23:30`` in Berlin time, not UTC), as
    UTC. A local time that occurs twice (the hour summer time ends) is read as standard time; one that does not
    occur (the hour it begins) as the moment after the gap. Typed moments (Parquet) are kept as they are."""
    if zone is None or not len(micro):
        return micro
    texts = pd.Series(shown, dtype=object).astype("string")
    local = (~bad & (micro != NOT_A_MOMENT) & texts.notna().to_numpy()
             & ~texts.str.contains(_OWN_ZONE, regex=True).fillna(True).to_numpy(dtype=bool)
             & (texts != TYPED_MOMENT).fillna(False).to_numpy(dtype=bool))
    if not local.any():
        return micro
    wall = pd.DatetimeIndex(micro[local].astype("datetime64[us]"))
    placed = wall.tz_localize(zone, ambiguous=np.zeros(len(wall), dtype=bool), nonexistent="shift_forward")
    out = micro.copy()
    out[local] = placed.tz_convert("UTC").as_unit("us").asi8
    return out


def given_moment(text: str) -> datetime:
    """A moment a person typed (a command's ``--as-of``): ISO 8601 (``2026-06-30``, ``2026-06-30T08:00+02:00``,
    ``…Z``) or a German date (``30.06.2026``, ``30.06.2026 08:00``). Without an offset it stays naive: the caller
    places it in the model's zone (:meth:`scoring.options.ScoringOptions.resolved`). ValueError otherwise."""
    shown = text.strip()
    try:
        return datetime.fromisoformat(shown)
    except ValueError:
        pass
    for form in _DAY_FIRST_FORMATS:
        try:
            return datetime.strptime(shown, form)
        except ValueError:
            continue
    raise ValueError(f"{text!r}: expected ISO 8601 (2026-06-30, 2026-06-30T08:00:00+02:00) or DD.MM.YYYY [HH:MM]")


def moment_us(value: object) -> int:
    """One moment (a ``datetime``, ``pd.Timestamp`` or ISO 8601 text) as microseconds; ValueError if it is none."""
    if isinstance(value, datetime) and not pd.isna(value):
        return _datetime_us(value)
    micro, bad, _ = moments([value])
    if bad[0] or micro[0] == NOT_A_MOMENT:
        raise ValueError(f"{value!r} is not a moment ({NOT_ISO})")
    return int(micro[0])


def unparseable_moment(shown: str) -> str:
    if _SLASHED.fullmatch(shown):
        return f"unparseable timestamp {shown!r} ({SLASHED_UNREAD})"
    if re.fullmatch(r"\s*(?:\d{9,14}|\d{4,6}(?:\.\d+)?)\s*", shown):
        return f"unparseable timestamp {shown!r} ({UNIX_UNREAD})"
    return f"unparseable timestamp {shown!r} ({NOT_ISO})"
