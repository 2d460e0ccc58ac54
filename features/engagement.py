"""Engagement signals: what a lead did, how recently, how often, and whether it is rising.

One NumPy implementation serves every caller. A batch of a million leads and a single lead scored
online both arrive here as three aligned integer arrays (which lead, when, what), so the online path
cannot drift from the training path: it *is* the training path, called with ``n_leads=1``.

Point in time: only activities with ``occurred_at <= as_of`` are looked at. Windows are half-open,
``(as_of - w days, as_of]`` for whole numbers of days ``w``, decided on integer microseconds of age (an
activity is inside when its age in completed days is below ``w``), so boundaries are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from features.config import DAY_US, ENGAGEMENT_TYPES, FeatureConfig

_TYPE_CODE: dict[str, int] = {name: code for code, name in enumerate(ENGAGEMENT_TYPES)}
OTHER_CODE = _TYPE_CODE["other"]

_BLOCK = 1 << 16
"""Activities per block of the pass over the whole history: its temporaries (~0.5 MB each) stay in the CPU cache."""


@dataclass(frozen=True)
class ActivityArrays:
    """Activities as aligned arrays.

    ``lead_index`` is the row of the lead in the lead table being scored (0 … n_leads-1),
    ``occurred_us`` the time in microseconds since the epoch (UTC), ``type_code`` the position of the
    activity type in :data:`features.config.ENGAGEMENT_TYPES` (unknown types are ``other``).
    """

    lead_index: np.ndarray
    occurred_us: np.ndarray
    type_code: np.ndarray

    def __len__(self) -> int:
        return len(self.lead_index)


def type_code_of(activity_type: object) -> int:
    """The engagement-type code of a raw activity type; anything not in the contract counts as ``other``."""
    if isinstance(activity_type, str):
        code = _TYPE_CODE.get(activity_type)
        if code is None:
            code = _TYPE_CODE.get(activity_type.strip().lower().replace(" ", "_").replace("-", "_"), OTHER_CODE)
        return code
    return OTHER_CODE


def type_codes(activity_types: object) -> np.ndarray:
    """Vectorised :func:`type_code_of`: each distinct raw value is mapped once (hash-based factorize;
    Arrow text is dictionary-encoded chunk by chunk, without a Python object or an int64 code per row)."""
    dtype = getattr(activity_types, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        parts = [_arrow_type_codes(chunk) for chunk in pa.chunked_array(pa.array(activity_types)).chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    codes, uniques = pd.factorize(activity_types, use_na_sentinel=True)
    return _codes_of_distinct(list(uniques))[codes]  # code -1 (missing) picks the trailing "other"


def _arrow_type_codes(chunk: pa.Array) -> np.ndarray:
    encoded = chunk.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    return _codes_of_distinct(distinct)[encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)]


def _codes_of_distinct(distinct: list[object]) -> np.ndarray:
    """The type code of each distinct raw value, and one more entry, ``other``, for missing values."""
    mapped = np.fromiter((type_code_of(v) for v in distinct), dtype=np.int16, count=len(distinct))
    return np.append(mapped, np.int16(OTHER_CODE))


@dataclass(frozen=True)
class _Tables:
    """What a :class:`FeatureConfig` means per activity type and window, derived once per configuration."""

    trend_days: int
    active_days: int
    horizon_us: int  # activities younger than this can be inside some window
    high_intent: np.ndarray  # per type code: high intent?
    flag_kind: np.ndarray  # per type code: unsubscribe or bounce?
    weight: np.ndarray  # per type code: weight in the decayed score
    half_life_us: np.ndarray  # per type code: half-life in µs
    window_names: tuple[tuple[int, tuple[str, ...]], ...]  # per window: its length and its columns, by type code


def _tables(config: FeatureConfig) -> _Tables:
    """The derived tables of ``config``, cached on its (frozen) values: one lead scored online would otherwise
    spend a tenth of its engagement time rebuilding them."""
    key = (config.windows_days, config.trend_days, config.active_days_window, config.high_intent,
           tuple(config.weights.items()), tuple(config.half_lives.items()))
    tables = _TABLES.get(key)
    if tables is None:
        if len(_TABLES) >= 64:  # a process sees a handful of configurations; a test suite may see more
            _TABLES.clear()
        tables = _TABLES[key] = _derive_tables(config)
    return tables


_TABLES: dict[tuple[object, ...], _Tables] = {}


def _derive_tables(config: FeatureConfig) -> _Tables:
    n_types = len(ENGAGEMENT_TYPES)
    windows = [_whole_days(w) for w in config.windows_days]
    trend_days = _whole_days(config.trend_days)
    active_days = _whole_days(config.active_days_window)
    high_intent = np.zeros(n_types, dtype=bool)
    high_intent[[_TYPE_CODE[t] for t in config.high_intent]] = True
    flag_kind = np.zeros(n_types, dtype=bool)
    flag_kind[[_TYPE_CODE["email_unsubscribe"], _TYPE_CODE["email_bounce"]]] = True
    weight = np.array([config.weights[t] for t in ENGAGEMENT_TYPES], dtype=np.float64)
    half_life_us = np.array([config.half_lives[t] for t in ENGAGEMENT_TYPES], dtype=np.float64) * DAY_US
    for table in (high_intent, flag_kind, weight, half_life_us):  # shared by every later call: read-only
        table.flags.writeable = False
    return _Tables(
        trend_days=trend_days,
        active_days=active_days,
        horizon_us=max(*windows, 90, 30, 2 * trend_days, active_days) * DAY_US,
        high_intent=high_intent,
        flag_kind=flag_kind,
        weight=weight,
        half_life_us=half_life_us,
        window_names=tuple((_whole_days(w), tuple(f"n_{name}_{w}d" for name in ENGAGEMENT_TYPES))
                           for w in config.windows_days),
    )


def _whole_days(days: int) -> int:
    """A window length in whole days; windows are compared on day numbers, which is exact only for whole days."""
    if int(days) != days:
        raise ValueError(f"engagement windows are whole days, got {days!r}")
    return int(days)


def _distinct_days(lead: np.ndarray, day: np.ndarray, n_leads: int, days: int) -> np.ndarray:
    """Per lead, how many distinct day numbers in ``[0, days)`` occur among ``(lead, day)`` pairs.

    Marks each (lead, day) cell of an ``n_leads × days`` table and counts the marked cells per lead (no sort).
    """
    days = max(days, 0)
    keep = day < days
    marks = np.zeros(n_leads * days, dtype=bool)
    marks[lead[keep].astype(np.int64) * days + day[keep]] = True
    return np.bincount(np.flatnonzero(marks) // days, minlength=n_leads) if days else np.zeros(n_leads, np.int64)


def engagement_features(
    activities: ActivityArrays,
    n_leads: int,
    as_of_us: int,
    created_us: np.ndarray,
    config: FeatureConfig,
) -> dict[str, np.ndarray]:
    """Engagement signals of ``n_leads`` leads as of ``as_of_us``, one float64 array per signal.

    ``created_us`` holds each lead's ``created_at`` (µs) for the lead's age. A lead without activities
    gets zero counts and missing (NaN) recency: "never" is not "long ago". Window lengths are whole days.

    Two passes. The first walks the whole history in blocks of :data:`_BLOCK` activities (so that its
    temporaries stay in the CPU cache and memory does not grow with the history) and keeps what needs
    every activity: the decayed score, the latest activity, the latest high-intent activity, earlier
    evaluations, unsubscribes and bounces; it also collects the few activities young enough for any
    window, with their age in whole days. The second pass computes the window signals from those.
    """
    n_types = len(ENGAGEMENT_TYPES)
    tables = _tables(config)
    trend_days, active_days, high_intent = tables.trend_days, tables.active_days, tables.high_intent
    flag_kind, weight, half_life_us = tables.flag_kind, tables.weight, tables.half_life_us

    # pass 1: the whole history, block by block
    # a lead's score and latest activity side by side: the two updates per activity touch one cache line
    record = np.zeros((n_leads, 2), dtype=np.int64)
    score = record[:, 0].view(np.float64)  # all-zero bits are 0.0
    last = record[:, 1]
    last.fill(-1)
    last_high = np.full(n_leads, -1, dtype=np.int64)
    earlier = np.zeros(n_leads, dtype=np.int64)
    unsubscribed = np.zeros(n_leads, dtype=bool)
    bounced = np.zeros(n_leads, dtype=bool)
    recent_lead, recent_kind, recent_day = [], [], []
    for start in range(0, len(activities), _BLOCK):
        lead = activities.lead_index[start:start + _BLOCK]
        when = activities.occurred_us[start:start + _BLOCK]
        kind = activities.type_code[start:start + _BLOCK]
        if when.max() > as_of_us:  # activities after the moment are invisible
            seen = when <= as_of_us
            lead, when, kind = lead[seen], when[seen], kind[seen]
        # weight · 2^(-age / half-life), summed per lead in input order (the same sums as one bincount)
        decayed = (when - as_of_us) / half_life_us[kind]
        np.exp2(decayed, out=decayed)
        decayed *= weight[kind]
        np.add.at(score, lead, decayed)
        np.maximum.at(last, lead, when)
        age_us = as_of_us - when
        high = high_intent[kind]
        np.maximum.at(last_high, lead[high], when[high])
        # an earlier evaluation that ended without a purchase: "not now" for a while
        np.add.at(earlier, lead[high & (age_us >= 90 * DAY_US) & (age_us < 365 * DAY_US)], 1)
        flagged = np.flatnonzero(flag_kind[kind])  # unsubscribes and bounces are rare: one pass over kind
        if flagged.size:
            unsubscribed[lead[flagged[kind[flagged] == _TYPE_CODE["email_unsubscribe"]]]] = True
            bounced[lead[flagged[kind[flagged] == _TYPE_CODE["email_bounce"]]]] = True
        young = age_us < tables.horizon_us
        recent_lead.append(lead[young])
        recent_kind.append(kind[young])
        recent_day.append(age_us[young] // DAY_US)
    lead = np.concatenate(recent_lead) if recent_lead else np.zeros(0, dtype=np.int64)
    kind = np.concatenate(recent_kind) if recent_kind else np.zeros(0, dtype=np.int16)
    day = np.concatenate(recent_day) if recent_day else np.zeros(0, dtype=np.int64)
    del recent_lead, recent_kind, recent_day

    # pass 2: windows, on the young activities only. age < w days ⇔ whole days of age < w (w whole).
    out: dict[str, np.ndarray] = {}
    key = kind.astype(np.int64) * n_leads + lead  # one contiguous row of counts per activity type
    for window, names in tables.window_names:
        inside = key[day < window]
        # counted as float64 directly (weights of 1.0: exact below 2**53), no int64 table converted afterwards
        counts = np.bincount(inside, weights=np.ones(len(inside)), minlength=n_types * n_leads)
        counts = counts.astype(np.float64, copy=False)  # (empty input gives integer zeros)
        out.update(zip(names, counts.reshape(n_types, n_leads), strict=True))  # one row (a view) per type
        del counts, inside

    out["days_since_last_activity"] = np.where(last >= 0, (as_of_us - last) / DAY_US, np.nan)
    out["days_since_last_high_intent"] = np.where(last_high >= 0, (as_of_us - last_high) / DAY_US, np.nan)
    month = np.flatnonzero(day < 30)
    month = month[high_intent[kind[month]]]
    out["high_intent_days_30d"] = _distinct_days(lead[month], day[month], n_leads, 30).astype(np.float64)
    out["n_high_intent_90_365d"] = earlier.astype(np.float64)
    active = _distinct_days(lead, day, n_leads, active_days)
    out[f"active_days_{config.active_days_window}d"] = active.astype(np.float64)

    latest = np.bincount(lead[day < trend_days], minlength=n_leads)
    before = np.bincount(lead[(day >= trend_days) & (day < 2 * trend_days)], minlength=n_leads)
    out[f"activity_trend_{config.trend_days}d"] = np.log2((latest + 1.0) / (before + 1.0))
    out["engagement_score"] = score

    opens = out["n_email_open_90d"] if "n_email_open_90d" in out else _count_90d(lead, kind, day, n_leads, "email_open")
    clicks = (
        out["n_email_click_90d"] if "n_email_click_90d" in out else _count_90d(lead, kind, day, n_leads, "email_click")
    )
    # counts are whole numbers: dividing by at least 1 changes nothing where there were opens
    out["email_click_rate_90d"] = np.where(opens > 0, np.minimum(clicks / np.maximum(opens, 1.0), 1.0), np.nan)
    out["unsubscribed"] = unsubscribed.astype(np.float64)
    out["bounced"] = bounced.astype(np.float64)
    out["lead_age_days"] = (as_of_us - np.asarray(created_us, dtype=np.int64)) / DAY_US
    return out


def _count_90d(lead: np.ndarray, kind: np.ndarray, day: np.ndarray, n_leads: int, activity: str) -> np.ndarray:
    """Count of one activity type in the last 90 days (used when 90 days is not a configured window)."""
    inside = (day < 90) & (kind == _TYPE_CODE[activity])
    return np.bincount(lead[inside], minlength=n_leads).astype(np.float64)
