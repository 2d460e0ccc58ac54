"""The one feature path: contract tables (or one lead's JSON) → the model's input columns, as of a moment.

``build_features`` serves training snapshots and nightly batch scoring; ``build_lead_features`` serves
one lead scored online. Both convert their input to the same arrays and call the same
:func:`features.engagement.engagement_features` and :func:`features.fit.fit_features`; a test holds
them equal to the last digit for hundreds of generated leads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from features.catalogue import Catalogue, build_catalogue
from features.config import FeatureConfig
from features.contract import ACTIVITY_TYPE, CREATED_AT, LEAD_ID, OCCURRED_AT
from features.engagement import ActivityArrays, engagement_features, type_code_of, type_codes
from features.fit import FIT_INPUTS, fit_features
from features.ids import lead_rows

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

Columns = dict[str, np.ndarray]


def timestamp_us(value: datetime | pd.Timestamp | str) -> int:
    """A moment as integer microseconds since the epoch; a moment without an offset means UTC (the contract)."""
    if isinstance(value, str):
        value = pd.Timestamp(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _US


def timestamps_us(values: Sequence[object]) -> np.ndarray:
    """:func:`timestamp_us` of each value, as int64. Moments with an offset (what the API's schema gives)
    take one subtraction each; anything else (text, or no offset) goes through :func:`timestamp_us`."""
    try:
        return np.array([(value - _EPOCH) // _US for value in values], dtype=np.int64)  # type: ignore[operator]
    except TypeError:  # text, or a moment without an offset
        return np.fromiter((timestamp_us(value) for value in values), dtype=np.int64,  # type: ignore[arg-type]
                           count=len(values))


def series_us(values: pd.Series) -> np.ndarray:
    """A UTC timestamp column as int64 microseconds (the loader guarantees datetime64[us, UTC])."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = pd.to_datetime(values, utc=True, format="ISO8601")
    return values.dt.as_unit("us").array.asi8


_TWO_CORES = 200_000
"""From this many leads on, the fit signals are computed on a second thread while the activities are turned
into arrays: the lead-id lookup (NumPy or Arrow, unless the loader's rows are given) and the type codes run
in native code that releases the GIL, so the second core does real work (1M leads: ~5.0 s → ~3.2–4.0 s)."""


def activity_arrays(activities: pd.DataFrame, lead_ids: pd.Index, rows: np.ndarray | None = None) -> ActivityArrays:
    """Activities of the given leads as arrays; activities of other leads are left out.

    ``rows``: each activity's row in ``lead_ids`` (-1: none of them) when the caller already knows it, as
    the loader does after checking every activity's lead; it is checked against the ids on a sample."""
    index = lead_rows(activities[LEAD_ID], lead_ids) if rows is None else _checked_rows(rows, activities, lead_ids)
    occurred_us = series_us(activities[OCCURRED_AT])
    type_code = type_codes(activities[ACTIVITY_TYPE])
    known = index >= 0
    if known.all():  # the usual case: no copies
        return ActivityArrays(lead_index=index, occurred_us=occurred_us, type_code=type_code)
    return ActivityArrays(lead_index=index[known], occurred_us=occurred_us[known], type_code=type_code[known])


_ROWS_CHECKED = 1_000


def _checked_rows(rows: np.ndarray, activities: pd.DataFrame, lead_ids: pd.Index) -> np.ndarray:
    """``rows`` once a spread sample of them is seen to name the activities' own leads: rows that belong to
    another frame (or to the activities before a filter) fail here instead of mixing up leads."""
    if len(rows) != len(activities):
        raise ValueError(f"{len(rows):,} activity lead rows for {len(activities):,} activities")
    sample = np.unique(np.linspace(0, len(rows) - 1, num=min(len(rows), _ROWS_CHECKED)).astype(np.int64))
    given = rows[sample]
    named = given >= 0
    ids = activities[LEAD_ID].iloc[sample].to_numpy(dtype=object)
    if len(rows) and (given.max() >= len(lead_ids) or not np.array_equal(lead_ids.to_numpy()[given[named]],
                                                                          ids[named])):
        raise ValueError("the activity lead rows given do not name the activities' lead ids")
    return rows


def _renumbered(lead_index: np.ndarray, existing: np.ndarray) -> np.ndarray:
    """Rows among all leads → rows among the ``existing`` ones (a boolean mask over all leads); -1 for the
    rows of leads that do not exist (yet)."""
    position = np.full(len(existing), -1, dtype=np.int32)
    position[existing] = np.arange(np.count_nonzero(existing), dtype=np.int32)
    return position[lead_index]


def feature_columns(
    fit: Columns,
    created_us: np.ndarray,
    activities: ActivityArrays,
    as_of_us: int,
    config: FeatureConfig,
    catalogue: Catalogue,
) -> Columns:
    """The shared core: fit columns + activity arrays → every catalogue feature, in catalogue order.

    Fit signals do not depend on the moment (a title is a title), so callers compute them once with
    :func:`features.fit.fit_features` and may reuse them across snapshots.
    """
    computed = engagement_features(activities, len(created_us), as_of_us, created_us, config)
    computed.update(fit)
    return {name: computed[name] for name in catalogue.names}


def to_frame(columns: Columns, index: pd.Index) -> pd.DataFrame:
    """Feature columns as a DataFrame; categories stay ``object`` with ``None`` for missing (as online).

    The arrays become the frame's columns as they are (one block each, not copied into one 2-D block):
    a million leads' features are not held twice."""
    return pd.DataFrame({name: pd.Series(values, index=index, dtype=object if values.dtype == object else None,
                                         copy=False)
                         for name, values in columns.items()}, index=index, copy=False)


def _fit_of_frame(leads: pd.DataFrame, config: FeatureConfig) -> Columns:
    lead_columns = {name: _fit_input(leads[name]) for name in (*FIT_INPUTS, *config.extra_columns)
                    if name in leads.columns}
    return fit_features(lead_columns, len(leads), config)


def _fit_input(column: pd.Series) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """A lead column as :func:`features.fit.fit_features` takes it: text stays in its (Arrow) array, so it
    is hashed without a Python object per row; plain numbers as NumPy; anything else as Python objects."""
    if isinstance(column.dtype, pd.StringDtype):
        return column.array
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fi":
        return column.to_numpy()
    return column.to_numpy(dtype=object)


def _arrays_and_fit(leads: pd.DataFrame, activities: pd.DataFrame | None, lead_ids: pd.Index,
                    config: FeatureConfig, rows: np.ndarray | None = None) -> tuple[ActivityArrays, Columns]:
    """The activities as arrays and the fit signals, side by side on two threads for many leads."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        fit = pool.submit(_fit_of_frame, leads, config) if len(leads) >= _TWO_CORES else None
        arrays = activity_arrays(activities, lead_ids, rows) if activities is not None and len(activities) else \
            _no_activities()
        return arrays, fit.result() if fit else _fit_of_frame(leads, config)


def snapshot_features(
    leads: pd.DataFrame,
    activities: pd.DataFrame | None,
    as_ofs: Sequence[pd.Timestamp],
    config: FeatureConfig | None = None,
    catalogue: Catalogue | None = None,
) -> Iterator[tuple[pd.Timestamp, pd.DataFrame]]:
    """``build_features`` at several moments, sharing the parsing and the fit signals between them.

    Yields ``(as_of, features)`` with exactly what ``build_features(leads, activities, as_of)`` returns.
    """
    config = config or FeatureConfig()
    catalogue = catalogue or build_catalogue(config)
    created_us = series_us(leads[CREATED_AT])
    lead_ids = pd.Index(leads[LEAD_ID].to_numpy(dtype=object))
    arrays, fit = _arrays_and_fit(leads, activities, lead_ids, config)
    for as_of in as_ofs:
        as_of_us = timestamp_us(as_of)
        exists = created_us <= as_of_us
        existing = np.flatnonzero(exists)
        moved = _renumbered(arrays.lead_index, exists)  # the activities of existing leads, onto their rows
        keep = moved >= 0
        subset = ActivityArrays(moved[keep], arrays.occurred_us[keep], arrays.type_code[keep])
        columns = feature_columns({k: v[existing] for k, v in fit.items()}, created_us[existing], subset,
                                  as_of_us, config, catalogue)
        yield as_of, to_frame(columns, pd.Index(lead_ids[existing], name=LEAD_ID))


def build_features(
    leads: pd.DataFrame,
    activities: pd.DataFrame | None,
    as_of: datetime | pd.Timestamp | str,
    config: FeatureConfig | None = None,
    catalogue: Catalogue | None = None,
    activity_rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Features of every lead that existed at ``as_of``, using only what was known at ``as_of``.

    Leads created after ``as_of`` are not in the result; activities after ``as_of`` are ignored.
    The result is indexed by ``lead_id`` in the order of ``leads``; its columns follow the catalogue.
    ``activity_rows``: each activity's row in ``leads`` when the caller knows it
    (:attr:`features.loading.EventData.activity_rows`), which saves looking every activity's lead up again.
    """
    config = config or FeatureConfig()
    catalogue = catalogue or build_catalogue(config)
    as_of_us = timestamp_us(as_of)
    created_us = series_us(leads[CREATED_AT])
    existing = created_us <= as_of_us
    if not existing.all():
        leads = leads.loc[existing]
        activity_rows = None if activity_rows is None else _renumbered(activity_rows, existing)
    lead_ids = pd.Index(leads[LEAD_ID].to_numpy(dtype=object))
    arrays, fit = _arrays_and_fit(leads, activities, lead_ids, config, activity_rows)
    columns = feature_columns(fit, created_us[existing], arrays, as_of_us, config, catalogue)
    return to_frame(columns, pd.Index(lead_ids, name=LEAD_ID))


def build_lead_features(
    lead: Mapping[str, object],
    activities: Sequence[Mapping[str, object]],
    as_of: datetime | pd.Timestamp | str,
    config: FeatureConfig,
    catalogue: Catalogue,
) -> Columns:
    """Features of one lead from its record and its activity list, as length-1 columns (the online path)."""
    return build_records_features([lead], [activities], as_of, config, catalogue)


def build_records_features(
    leads: Sequence[Mapping[str, object]],
    activities: Sequence[Sequence[Mapping[str, object]]],
    as_of: datetime | pd.Timestamp | str,
    config: FeatureConfig,
    catalogue: Catalogue,
) -> Columns:
    """Features of leads given as records (an API request), each with its own activity list.

    No DataFrame is built: for one lead a DataFrame costs more than the whole feature computation.
    ``created_at`` and ``occurred_at`` may be datetimes or ISO strings.
    """
    as_of_us = timestamp_us(as_of)
    sizes = [len(acts) for acts in activities]
    total = sum(sizes)
    flat = [a for acts in activities for a in acts]
    arrays = ActivityArrays(
        lead_index=np.repeat(np.arange(len(leads), dtype=np.int64), sizes),
        occurred_us=timestamps_us([a[OCCURRED_AT] for a in flat]),
        type_code=np.fromiter((type_code_of(a[ACTIVITY_TYPE]) for a in flat), dtype=np.int16, count=total),
    )
    lead_columns = {name: np.array([lead.get(name) for lead in leads], dtype=object)
                    for name in (*FIT_INPUTS, *config.extra_columns)}
    created = timestamps_us([lead[CREATED_AT] for lead in leads])
    fit = fit_features(lead_columns, len(leads), config)
    return feature_columns(fit, created, arrays, as_of_us, config, catalogue)


def _no_activities() -> ActivityArrays:
    empty = np.zeros(0, dtype=np.int64)
    return ActivityArrays(empty, empty, np.zeros(0, dtype=np.int16))
