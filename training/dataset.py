"""Training examples from the CRM history: snapshots, labels, and which of them are labelled yet.

A lead is an example at snapshot ``t`` if it existed and was still open (not yet converted) at ``t``; it is
positive if it converted in ``(t, t + horizon]``. Features come only from what was known at ``t``. A
snapshot is *labelled* once its horizon has elapsed (``t + horizon <= data end``): only then is a lead that
did not convert a negative. Snapshots run monthly, backwards from the last labelled moment:

    ... labelled snapshots ... | last labelled (data end - horizon) | horizon | data end
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from features.batch import LeadBatch
from features.catalogue import Catalogue
from features.contract import CONVERTED_AT, CREATED_AT, OCCURRED_AT
from features.loading import conversion_moments
from features.pipeline import snapshot_features
from training.config import TrainConfig

LABEL = "label"
AS_OF = "as_of"


def data_end_of(leads: pd.DataFrame, activities: pd.DataFrame | None, conversions: pd.DataFrame) -> pd.Timestamp:
    """The export moment: the day after the latest timestamp anywhere in the data (midnight UTC)."""
    latest = [leads[CREATED_AT].max()]
    if activities is not None and len(activities):
        latest.append(activities[OCCURRED_AT].max())
    if len(conversions):
        latest.append(conversions[CONVERTED_AT].max())
    return pd.Timestamp(max(latest)).ceil("D")


def labelled_moments(data_start: pd.Timestamp, data_end: pd.Timestamp, config: TrainConfig,
                     ) -> tuple[pd.Timestamp, ...]:
    """Snapshot moments every ``snapshot_every_days`` back from the last whose horizon has elapsed
    (``data_end - horizon``) to the first with some history behind it; possibly none."""
    step = pd.Timedelta(days=config.snapshot_every_days)
    moment = (data_end - pd.Timedelta(days=config.horizon_days)).floor("D")
    first_useful = data_start.ceil("D") + step  # a snapshot needs some leads with some history
    moments = []
    while moment >= first_useful:
        moments.append(moment)
        moment -= step
    return tuple(reversed(moments))


def label_open_leads(
    lead_ids: pd.Index, conversions: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """For leads existing at ``as_of``: which are still open (not converted by then), and their label."""
    converted_at = conversion_moments(lead_ids, conversions)
    open_ = (converted_at.isna() | (converted_at > as_of)).to_numpy()
    label = ((converted_at > as_of) & (converted_at <= as_of + pd.Timedelta(days=horizon_days))).to_numpy()
    return open_, label.astype(np.int8)


def build_examples(
    leads: pd.DataFrame,
    activities: pd.DataFrame | None,
    conversions: pd.DataFrame,
    as_ofs: tuple[pd.Timestamp, ...],
    config: TrainConfig,
    catalogue: Catalogue,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Point-in-time examples at each snapshot: features + ``as_of`` + ``label``, indexed by lead_id."""
    frames = []
    batch = LeadBatch.from_frames(leads, activities)
    for as_of, features in snapshot_features(batch, as_ofs, config.features, catalogue):
        open_, label = label_open_leads(features.index, conversions, as_of, config.horizon_days)
        frame = features.loc[open_].copy()
        frame[AS_OF] = as_of
        frame[LABEL] = label[open_]
        frames.append(frame)
        if progress:
            progress(f"snapshot {as_of.date()}: {len(frame):,} open leads, {int(frame[LABEL].sum()):,} convert")
    return pd.concat(frames) if frames else pd.DataFrame()
