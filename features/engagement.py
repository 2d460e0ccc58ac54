"""Engagement signals: what a lead did, how recently, how often, and whether it is rising.

One NumPy implementation serves every caller. A batch of a million leads and a single lead scored
online both arrive here as three aligned integer arrays (which lead, when, what), so the online path
cannot drift from the training path: it *is* the training path, called with ``n_leads=1``.

Point in time: only activities with ``occurred_at <= as_of`` are looked at. Windows are half-open,
``(as_of - w days, as_of]``, computed on integer microseconds so boundaries are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.config import DAY_US, ENGAGEMENT_TYPES, FeatureConfig

_TYPE_CODE: dict[str, int] = {name: code for code, name in enumerate(ENGAGEMENT_TYPES)}
OTHER_CODE = _TYPE_CODE["other"]


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
    """Vectorised :func:`type_code_of`: each distinct raw value is mapped once (hash-based factorize)."""
    codes, uniques = pd.factorize(activity_types, use_na_sentinel=True)
    mapped = np.fromiter((type_code_of(v) for v in uniques), dtype=np.int16, count=len(uniques))
    return np.append(mapped, np.int16(OTHER_CODE))[codes]  # code -1 (missing) → other


def _last_time(index: np.ndarray, times: np.ndarray, n_leads: int) -> np.ndarray:
    """Latest timestamp per lead (int64 µs), ``-1`` where the lead has none."""
    last = np.full(n_leads, -1, dtype=np.int64)
    np.maximum.at(last, index, times)
    return last


def engagement_features(
    activities: ActivityArrays,
    n_leads: int,
    as_of_us: int,
    created_us: np.ndarray,
    config: FeatureConfig,
) -> dict[str, np.ndarray]:
    """Engagement signals of ``n_leads`` leads as of ``as_of_us``, one float64 array per signal.

    ``created_us`` holds each lead's ``created_at`` (µs) for the lead's age. A lead without activities
    gets zero counts and missing (NaN) recency: "never" is not "long ago".
    """
    n_types = len(ENGAGEMENT_TYPES)
    seen = activities.occurred_us <= as_of_us
    lead = activities.lead_index[seen].astype(np.int64, copy=False)
    when = activities.occurred_us[seen]
    kind = activities.type_code[seen].astype(np.int64, copy=False)
    key = lead * n_types + kind
    age_us = as_of_us - when

    out: dict[str, np.ndarray] = {}
    for window in config.windows_days:
        inside = age_us < window * DAY_US
        counts = np.bincount(key[inside], minlength=n_leads * n_types).reshape(n_leads, n_types)
        for code, name in enumerate(ENGAGEMENT_TYPES):
            out[f"n_{name}_{window}d"] = counts[:, code].astype(np.float64)

    last = _last_time(lead, when, n_leads)
    out["days_since_last_activity"] = np.where(last >= 0, (as_of_us - last) / DAY_US, np.nan)
    high_codes = np.array([_TYPE_CODE[t] for t in config.high_intent], dtype=np.int64)
    high = np.isin(kind, high_codes)
    last_high = _last_time(lead[high], when[high], n_leads)
    out["days_since_last_high_intent"] = np.where(last_high >= 0, (as_of_us - last_high) / DAY_US, np.nan)

    month = high & (age_us < 30 * DAY_US)
    high_day_key = np.unique(lead[month] * 31 + age_us[month] // DAY_US) // 31
    out["high_intent_days_30d"] = np.bincount(high_day_key, minlength=n_leads).astype(np.float64)
    # an earlier evaluation that ended without a purchase: "not now" for a while
    earlier = high & (age_us >= 90 * DAY_US) & (age_us < 365 * DAY_US)
    out["n_high_intent_90_365d"] = np.bincount(lead[earlier], minlength=n_leads).astype(np.float64)

    window_us = config.active_days_window * DAY_US
    recent = age_us < window_us
    day_key = lead[recent] * (config.active_days_window + 1) + (age_us[recent] // DAY_US)
    distinct = np.unique(day_key) // (config.active_days_window + 1)
    out[f"active_days_{config.active_days_window}d"] = np.bincount(distinct, minlength=n_leads).astype(np.float64)

    trend_us = config.trend_days * DAY_US
    latest = np.bincount(lead[age_us < trend_us], minlength=n_leads)
    before = np.bincount(lead[(age_us >= trend_us) & (age_us < 2 * trend_us)], minlength=n_leads)
    out[f"activity_trend_{config.trend_days}d"] = np.log2((latest + 1.0) / (before + 1.0))

    weight = np.array([config.weights[t] for t in ENGAGEMENT_TYPES], dtype=np.float64)
    half_life_us = np.array([config.half_lives[t] for t in ENGAGEMENT_TYPES], dtype=np.float64) * DAY_US
    decayed = weight[kind] * np.exp2(-age_us / half_life_us[kind])
    out["engagement_score"] = np.bincount(lead, weights=decayed, minlength=n_leads)

    opens = out["n_email_open_90d"] if "n_email_open_90d" in out else _window_count(key, age_us, n_leads, "email_open")
    clicks = (
        out["n_email_click_90d"] if "n_email_click_90d" in out else _window_count(key, age_us, n_leads, "email_click")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["email_click_rate_90d"] = np.where(opens > 0, np.minimum(clicks / opens, 1.0), np.nan)

    ever = np.bincount(key, minlength=n_leads * n_types).reshape(n_leads, n_types)
    out["unsubscribed"] = (ever[:, _TYPE_CODE["email_unsubscribe"]] > 0).astype(np.float64)
    out["bounced"] = (ever[:, _TYPE_CODE["email_bounce"]] > 0).astype(np.float64)
    out["lead_age_days"] = (as_of_us - np.asarray(created_us, dtype=np.int64)) / DAY_US
    return out


def _window_count(key: np.ndarray, age_us: np.ndarray, n_leads: int, activity: str, days: int = 90) -> np.ndarray:
    """Count of one activity type in the last ``days`` days (used when 90 days is not a configured window)."""
    n_types = len(ENGAGEMENT_TYPES)
    inside = (age_us < days * DAY_US) & (key % n_types == _TYPE_CODE[activity])
    return np.bincount(key[inside] // n_types, minlength=n_leads).astype(np.float64)
