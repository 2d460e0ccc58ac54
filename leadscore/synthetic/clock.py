"""The world's time axis (days since ``start`` as floats, whole seconds in the export), with the knobs
that act on the conversion hazard over calendar time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadscore.synthetic.config import WorldConfig, parse_moment


@dataclass(frozen=True)
class Clock:
    """The world's time axis: floats in days since ``start`` (midnight UTC)."""

    origin_s: int  # start as Unix seconds
    t_end: float  # export moment
    t_truth: float  # truth_as_of
    horizon: float
    sim_end: float  # how far the latent history is simulated
    scale: float = 1.0  # conversion hazard multiplier
    drift_per_day: float = 0.0  # change of the log conversion hazard per day of the history
    interaction: float = 0.0  # seriousness ** (1 + interaction · fit)
    channel_drift: float = 0.0  # share of the latest leads whose channel comes from the tilted mix

    def conversion_factor(self, start: np.ndarray, fit: np.ndarray, serious: np.ndarray) -> np.ndarray | float:
        """The knobs' multiplier of a phase's conversion hazard (1.0 for the default world, exactly)."""
        factor: np.ndarray | float = self.scale
        if self.drift_per_day:
            factor = factor * np.exp(self.drift_per_day * start)
        if self.interaction:
            factor = factor * serious ** (self.interaction * fit)
        return factor

    @classmethod
    def from_config(cls, config: WorldConfig) -> Clock:
        """The time axis of a config (which has checked that its moments are in order)."""
        start, end = parse_moment(config.start, "start"), parse_moment(config.end, "end")
        as_of = (
            end - pd.Timedelta(days=config.horizon_days)
            if config.truth_as_of is None
            else parse_moment(config.truth_as_of, "truth_as_of")
        )
        day = 86400.0
        t_end = (end - start).total_seconds() / day
        t_truth = (as_of - start).total_seconds() / day
        return cls(
            origin_s=int(start.timestamp()),
            t_end=t_end,
            t_truth=t_truth,
            horizon=float(config.horizon_days),
            sim_end=max(t_end, t_truth + config.horizon_days),
            scale=config.conversion_scale,
            drift_per_day=config.base_rate_drift / t_end,
            interaction=config.interaction,
            channel_drift=config.channel_drift,
        )

    def to_timestamps(self, seconds: np.ndarray) -> pd.Series:
        """Whole seconds since ``start`` -> tz-aware microsecond timestamps."""
        micros = (np.asarray(seconds, dtype=np.int64) + self.origin_s) * 1_000_000
        return pd.Series(micros.view("datetime64[us]")).dt.tz_localize("UTC")


def floor_seconds(days: np.ndarray) -> np.ndarray:
    """Days -> whole seconds, rounding down; the nudge keeps a time that *is* a whole second on it."""
    return np.floor(np.asarray(days) * 86400.0 + 1e-6).astype(np.int64)

