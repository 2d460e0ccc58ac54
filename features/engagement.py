"""Engagement signals: what a lead did, how recently, how often, and whether it is rising.

One NumPy implementation serves every caller. A batch of a million leads and a single lead scored
online both arrive here as three aligned integer arrays (which lead, when, what), so the online path
cannot drift from the training path: it *is* the training path, called with ``n_leads=1``.

Point in time: only activities with ``occurred_at <= as_of`` are looked at. Windows are half-open,
``(as_of - w days, as_of]`` for whole numbers of days ``w``, decided on integer microseconds of age (an
activity is inside when its age in completed days is below ``w``), so boundaries are exact.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from features import values
from features.config import DAY_US, ENGAGEMENT_TYPES, FeatureConfig

_TYPE_CODE: dict[str, int] = {name: code for code, name in enumerate(ENGAGEMENT_TYPES)}
OTHER_CODE = _TYPE_CODE["other"]

_BLOCK = 1 << 16  # activities per pass over the history: small temporaries, 2.2x faster at 1M (DECISIONS R8)


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

    def take(self, keep: np.ndarray) -> ActivityArrays:
        """The activities at boolean mask ``keep``."""
        return ActivityArrays(self.lead_index[keep], self.occurred_us[keep], self.type_code[keep])


def type_code_of(activity_type: object) -> int:
    """The engagement-type code of a raw activity type (:func:`features.values.activity_type`); a type
    outside the contract counts as ``other``."""
    return _TYPE_CODE.get(values.activity_type(activity_type), OTHER_CODE)


def type_codes(activity_types: values.Column) -> np.ndarray:
    """:func:`type_code_of` of every value, once per distinct value."""
    return values.map_distinct(activity_types, type_code_of, np.int16)


@dataclass(frozen=True)
class _Tables:
    """What a :class:`FeatureConfig` means per activity type and window, derived once per configuration."""

    trend_days: int
    active_days: int
    horizon_us: int  # activities younger than this can be inside some window
    high_intent: np.ndarray  # per type code: high intent?
    weight: np.ndarray  # per type code: weight in the decayed score
    half_life_us: np.ndarray  # per type code: half-life in µs
    window_names: tuple[tuple[int, tuple[str, ...]], ...]  # per window: its length and its columns, by type code


def _tables(config: FeatureConfig) -> _Tables:
    """The derived tables of ``config``, made once per configuration (a request would rebuild them per lead)."""
    key = tuple((name, tuple(value.items()) if isinstance(value, dict) else value)
                for name, value in vars(config).items())
    return _derive_tables_cached(key)


@functools.lru_cache(maxsize=64)
def _derive_tables_cached(key: tuple[tuple[str, object], ...]) -> _Tables:
    settings = {name: dict(value) if name in ("weights", "half_lives") else value for name, value in key}
    return _derive_tables(FeatureConfig(**settings))  # type: ignore[arg-type]


def _derive_tables(config: FeatureConfig) -> _Tables:
    n_types = len(ENGAGEMENT_TYPES)
    windows = [_whole_days(w) for w in config.windows_days]
    trend_days = _whole_days(config.trend_days)
    active_days = _whole_days(config.active_days_window)
    high_intent = np.zeros(n_types, dtype=bool)
    high_intent[[_TYPE_CODE[t] for t in config.high_intent]] = True
    weight = np.array([config.weights[t] for t in ENGAGEMENT_TYPES], dtype=np.float64)
    half_life_us = np.array([config.half_lives[t] for t in ENGAGEMENT_TYPES], dtype=np.float64) * DAY_US
    for table in (high_intent, weight, half_life_us):  # shared by every later call: read-only
        table.flags.writeable = False
    return _Tables(
        trend_days=trend_days,
        active_days=active_days,
        horizon_us=max(*windows, config.high_intent_days_window, config.click_rate_days, 2 * trend_days,
                       active_days) * DAY_US,
        high_intent=high_intent,
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
    explain: bool = False,
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
    weight, half_life_us = tables.weight, tables.half_life_us
    earliest_us, latest_us = (days * DAY_US for days in config.earlier_evaluation_days)
    intent_days, click_days = config.high_intent_days_window, config.click_rate_days

    # pass 1: the whole history, block by block
    score = np.zeros(n_leads, dtype=np.float64)
    last = np.full(n_leads, -1, dtype=np.int64)
    last_high = np.full(n_leads, -1, dtype=np.int64)
    earlier = np.zeros(n_leads, dtype=np.int64)
    unsubscribed = np.zeros(n_leads, dtype=bool)
    bounced = np.zeros(n_leads, dtype=bool)
    if explain:  # per lead and type: its part of the decayed score and its latest moment (type-major rows)
        type_score = np.zeros(n_types * n_leads)
        type_last = np.full(n_types * n_leads, -1, dtype=np.int64)
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
        if explain:
            cell = kind.astype(np.int64) * n_leads + lead
            np.add.at(type_score, cell, decayed)
            np.maximum.at(type_last, cell, when)
        age_us = as_of_us - when
        high = high_intent[kind]
        np.maximum.at(last_high, lead[high], when[high])
        # an earlier evaluation that ended without a purchase: "not now" for a while
        np.add.at(earlier, lead[high & (age_us >= earliest_us) & (age_us < latest_us)], 1)
        unsubscribed[lead[kind == _TYPE_CODE["email_unsubscribe"]]] = True
        bounced[lead[kind == _TYPE_CODE["email_bounce"]]] = True
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
        counts = np.bincount(inside, minlength=n_types * n_leads).astype(np.float64)
        out.update(zip(names, counts.reshape(n_types, n_leads), strict=True))  # one row (a view) per type
        del counts, inside

    out["days_since_last_activity"] = np.where(last >= 0, (as_of_us - last) / DAY_US, np.nan)
    out["days_since_last_high_intent"] = np.where(last_high >= 0, (as_of_us - last_high) / DAY_US, np.nan)
    month = np.flatnonzero(day < intent_days)
    month = month[high_intent[kind[month]]]
    out[f"high_intent_days_{intent_days}d"] = _distinct_days(lead[month], day[month], n_leads,
                                                             intent_days).astype(np.float64)
    first, last_day = config.earlier_evaluation_days
    out[f"n_high_intent_{first}_{last_day}d"] = earlier.astype(np.float64)
    active = _distinct_days(lead, day, n_leads, active_days)
    out[f"active_days_{config.active_days_window}d"] = active.astype(np.float64)

    latest = np.bincount(lead[day < trend_days], minlength=n_leads)
    before = np.bincount(lead[(day >= trend_days) & (day < 2 * trend_days)], minlength=n_leads)
    out[f"activity_trend_{config.trend_days}d"] = np.log2((latest + 1.0) / (before + 1.0))
    out["engagement_score"] = score

    opens = _count(lead, kind, day, n_leads, "email_open", click_days)
    clicks = _count(lead, kind, day, n_leads, "email_click", click_days)
    # counts are whole numbers: dividing by at least 1 changes nothing where there were opens
    out[f"email_click_rate_{click_days}d"] = np.where(opens > 0, np.minimum(clicks / np.maximum(opens, 1.0), 1.0),
                                                      np.nan)
    out["unsubscribed"] = unsubscribed.astype(np.float64)
    out["bounced"] = bounced.astype(np.float64)
    out["lead_age_days"] = (as_of_us - np.asarray(created_us, dtype=np.int64)) / DAY_US
    if explain:
        out.update(_explain_columns(type_score.reshape(n_types, n_leads), type_last.reshape(n_types, n_leads),
                                    as_of_us, high_intent))
    return out


def explain_names() -> tuple[str, ...]:
    """The columns :func:`engagement_features` adds with ``explain=True``: what a lead's reasons need to say
    what it did (per type: its part of the decayed score, days since its latest), not model inputs."""
    return (*(f"_score_{t}" for t in ENGAGEMENT_TYPES), *(f"_days_since_{t}" for t in ENGAGEMENT_TYPES),
            "_last_high_intent_type", "_last_activity_type")


def _explain_columns(type_score: np.ndarray, type_last: np.ndarray, as_of_us: int, high_intent: np.ndarray,
                     ) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for code, name in enumerate(ENGAGEMENT_TYPES):
        out[f"_score_{name}"] = type_score[code]
        out[f"_days_since_{name}"] = np.where(type_last[code] >= 0, (as_of_us - type_last[code]) / DAY_US, np.nan)
    latest = np.where(high_intent[:, None], type_last, -1)
    which = np.argmax(latest, axis=0)
    out["_last_high_intent_type"] = np.where(latest.max(axis=0) >= 0, which, -1).astype(np.float64)
    out["_last_activity_type"] = np.where(type_last.max(axis=0) >= 0, np.argmax(type_last, axis=0), -1).astype(
        np.float64)
    return out


def _count(lead: np.ndarray, kind: np.ndarray, day: np.ndarray, n_leads: int, activity: str, days: int) -> np.ndarray:
    """Count of one activity type in the last ``days`` days."""
    inside = (day < days) & (kind == _TYPE_CODE[activity])
    return np.bincount(lead[inside], minlength=n_leads).astype(np.float64)
