"""A batch of leads with their activities: the one way into the features, for a file and for a request.

A file becomes a :class:`LeadBatch` after the loader has read it (:meth:`LeadBatch.from_frames`); an API
request, a webhook or a pyfunc row becomes one after :mod:`features.records` has read it by the same rules
of :mod:`features.values`. Either way the feature pipeline sees the same thing: each lead's id, creation
moment and profile fields, and the activities as three aligned integer arrays (which lead, when, what).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features import values
from features.contract import ACTIVITY_TYPE, CREATED_AT, LEAD_ID, OCCURRED_AT
from features.engagement import ActivityArrays, type_codes
from features.ids import lead_rows


@dataclass(frozen=True)
class LeadBatch:
    """Leads and their activities as the feature pipeline reads them.

    ``profile`` holds the lead fields the fit signals are computed from (the contract's text fields as
    :func:`features.values.text` reads them, amounts as float64, declared extra columns), one array per field;
    a field that is absent is all missing. ``activities.lead_index`` is each activity's row in this batch."""

    lead_ids: np.ndarray
    created_us: np.ndarray
    profile: Mapping[str, values.Column] = field(default_factory=dict)
    activities: ActivityArrays = field(default_factory=lambda: no_activities())

    def __len__(self) -> int:
        return len(self.lead_ids)

    @classmethod
    def from_frames(cls, leads: pd.DataFrame, activities: pd.DataFrame | None = None,
                    activity_rows: np.ndarray | None = None, profile_columns: tuple[str, ...] = ()) -> LeadBatch:
        """A batch of contract tables (as the loader returns them, or raw frames with the contract's columns).

        ``activity_rows``: each activity's row in ``leads`` when the caller knows it (the loader does:
        :attr:`features.loading.EventData.activity_rows`), which spares looking every activity's lead up
        again. ``profile_columns``: the lead fields to carry (default: every column but id and moment)."""
        created, bad, _ = values.moments(leads[CREATED_AT])
        if bad.any() or (created == values.NOT_A_MOMENT).any():
            raise ValueError("every lead needs a created_at moment; load files with features.loading first")
        names = profile_columns or tuple(c for c in leads.columns if c not in (LEAD_ID, CREATED_AT, "source_row"))
        profile = {name: _profile_column(leads[name]) for name in names if name in leads.columns}
        lead_ids = leads[LEAD_ID].to_numpy(dtype=object)
        if activities is None or not len(activities):
            return cls(lead_ids, created, profile, no_activities())
        if activity_rows is None:
            activity_rows = lead_rows(activities[LEAD_ID], pd.Index(lead_ids))
        elif len(activity_rows) != len(activities):
            raise ValueError(f"{len(activity_rows):,} activity lead rows for {len(activities):,} activities")
        occurred, bad, _ = values.moments(activities[OCCURRED_AT])
        known = (activity_rows >= 0) & ~bad & (occurred != values.NOT_A_MOMENT)
        arrays = ActivityArrays(np.asarray(activity_rows, dtype=np.int64), occurred,
                                type_codes(activities[ACTIVITY_TYPE]))
        return cls(lead_ids, created, profile, arrays if known.all() else arrays.take(known))

    def take(self, rows: np.ndarray) -> LeadBatch:
        """The leads at boolean mask ``rows``, with their activities renumbered onto the new rows."""
        position = np.full(len(self), -1, dtype=np.int64)
        position[rows] = np.arange(np.count_nonzero(rows))
        moved = position[self.activities.lead_index]
        kept = moved >= 0
        arrays = ActivityArrays(moved[kept], self.activities.occurred_us[kept], self.activities.type_code[kept])
        profile = {name: column[rows] for name, column in self.profile.items()}
        return LeadBatch(self.lead_ids[rows], self.created_us[rows], profile, arrays)

    def existing_at(self, as_of_us: int) -> LeadBatch:
        """The leads created at or before the moment (a lead created later did not exist yet)."""
        exists = self.created_us <= as_of_us
        return self if exists.all() else self.take(exists)


def no_activities() -> ActivityArrays:
    empty = np.zeros(0, dtype=np.int64)
    return ActivityArrays(empty, empty, np.zeros(0, dtype=np.int16))


def _profile_column(series: pd.Series) -> values.Column:
    """A lead field as the fit signals take it: text stays in its (Arrow) array, so it is hashed without a
    Python object per row; numbers as float64; anything else as Python objects."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.array
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64)
    return series.to_numpy(dtype=object)
