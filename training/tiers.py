"""Choosing tier cut-offs and grade quartiles at training time (the run-time classes: :mod:`scoring.tiers`)."""

from __future__ import annotations

import numpy as np

from scoring.tiers import Grades, Tiers
from training.config import TierPolicy


def choose_tiers(probability_cal: np.ndarray, policy: TierPolicy) -> Tiers:
    """Cut-offs from the policy: explicit probabilities, or quantiles of the calibration window."""
    hot = policy.hot_probability
    warm = policy.warm_probability
    if hot is None:
        hot = float(np.quantile(probability_cal, 1 - policy.hot_share))
    if warm is None:
        warm = float(np.quantile(probability_cal, 1 - policy.hot_share - policy.warm_share))
    if warm > hot:
        raise ValueError(f"warm cut-off {warm:.3f} is above the hot cut-off {hot:.3f}")
    return Tiers(hot_threshold=hot, warm_threshold=warm)


def choose_grades(fit_logodds_cal: np.ndarray) -> Grades:
    q75, q50, q25 = np.quantile(fit_logodds_cal, [0.75, 0.50, 0.25])
    return Grades((float(q75), float(q50), float(q25)))
