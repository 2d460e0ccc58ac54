"""Training examples from the CRM history: monthly snapshots, labels, and the split by time.

A lead is an example at snapshot ``t`` if it existed and was still open (not yet converted) at ``t``;
it is positive if it converted in ``(t, t + horizon]``. Features come only from what was known at
``t``. The windows are laid out backwards from the end of the data:

    ... fit snapshots ... | gap ≥ horizon | calibration snapshots | gap ≥ horizon | test snapshot | horizon | end

so every label used to fit was observable before the calibration moment, and every calibration label
before the test moment: the evaluation sees the model exactly as it would have been deployed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.batch import LeadBatch
from features.catalogue import Catalogue
from features.contract import CONVERTED_AT, CREATED_AT, LEAD_ID, OCCURRED_AT
from features.pipeline import snapshot_features
from training.config import TrainConfig

LABEL = "label"
AS_OF = "as_of"


class NotEnoughHistoryError(ValueError):
    """The history is too short for fit, calibration and test windows with the configured horizon."""


@dataclass(frozen=True)
class Windows:
    """The snapshot moments of each part of the split."""

    fit: tuple[pd.Timestamp, ...]
    calibration: tuple[pd.Timestamp, ...]
    test: pd.Timestamp
    data_end: pd.Timestamp

    def as_dict(self) -> dict[str, str]:
        return {
            "fit_first": self.fit[0].isoformat(),
            "fit_last": self.fit[-1].isoformat(),
            "fit_snapshots": str(len(self.fit)),
            "calibration": ", ".join(t.isoformat() for t in self.calibration),
            "test": self.test.isoformat(),
            "data_end": self.data_end.isoformat(),
        }


def data_end_of(leads: pd.DataFrame, activities: pd.DataFrame | None, conversions: pd.DataFrame) -> pd.Timestamp:
    """The export moment: the day after the latest timestamp anywhere in the data (midnight UTC)."""
    latest = [leads[CREATED_AT].max()]
    if activities is not None and len(activities):
        latest.append(activities[OCCURRED_AT].max())
    if len(conversions):
        latest.append(conversions[CONVERTED_AT].max())
    return pd.Timestamp(max(latest)).ceil("D")


def plan_windows(data_start: pd.Timestamp, data_end: pd.Timestamp, config: TrainConfig) -> Windows:
    """Lay the snapshots out backwards from ``data_end`` (see the module docstring)."""
    horizon = pd.Timedelta(days=config.horizon_days)
    step = pd.Timedelta(days=config.snapshot_every_days)
    test = (data_end - horizon).floor("D")
    last_cal = test - horizon
    calibration = tuple(last_cal - step * i for i in reversed(range(config.calibration_snapshots)))
    last_fit = calibration[0] - horizon
    first_useful = data_start.ceil("D") + step  # a snapshot needs some leads with some history
    fit: list[pd.Timestamp] = []
    moment = last_fit
    while moment >= first_useful:
        fit.append(moment)
        moment -= step
    if len(fit) < config.min_fit_snapshots:
        raise NotEnoughHistoryError(
            f"the history from {data_start.date()} to {data_end.date()} holds {len(fit)} fit snapshot(s); "
            f"{config.min_fit_snapshots} are needed before the calibration window ({calibration[0].date()}) "
            f"with a {config.horizon_days}-day horizon. Provide a longer history or a shorter --horizon-days."
        )
    return Windows(fit=tuple(reversed(fit)), calibration=calibration, test=test, data_end=data_end)


def label_open_leads(
    lead_ids: pd.Index, conversions: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """For leads existing at ``as_of``: which are still open (not converted by then), and their label."""
    converted_at = conversions.set_index(LEAD_ID)[CONVERTED_AT].reindex(lead_ids)
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
