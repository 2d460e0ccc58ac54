"""Tiers and grades: the two words sales acts on.

* **Tier** (hot / warm / cold) answers *when to call*: it cuts the calibrated probability. With the
  default policy the top 10 % of the calibration window's leads are hot, the next 30 % warm. The cut-offs
  are stored as probabilities, so a hot lead tomorrow is as likely to convert as a hot lead today even
  if tomorrow's batch happens to be better. Each tier's observed conversion rate on the test window is
  stored with it ("hot leads convert at 34 %").
* **Grade** (A–D) answers *how well the lead fits*, whatever it did lately: it cuts the fit part of the
  explanation (base + fit contributions, in log-odds) at the calibration window's quartiles. An A-grade
  cold lead is a good account that is not buying now: nurture it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TIERS = ("hot", "warm", "cold")
TIER_NAMES = np.array(TIERS)  # indexed by Tiers.codes
TIER_NAMES.flags.writeable = False
GRADES = ("A", "B", "C", "D")


@dataclass
class Tiers:
    hot_threshold: float
    warm_threshold: float
    conversion_rate: dict[str, float] = field(default_factory=dict)
    share: dict[str, float] = field(default_factory=dict)

    def assign(self, probability: np.ndarray) -> np.ndarray:
        return TIER_NAMES[self.codes(probability)]

    def codes(self, probability: np.ndarray) -> np.ndarray:
        """Each probability's tier as its position in :data:`TIERS` (0 hot, 1 warm, 2 cold)."""
        p = np.asarray(probability, dtype=np.float64)
        return np.where(p >= self.hot_threshold, 0, np.where(p >= self.warm_threshold, 1, 2))

    def describe(self, y: np.ndarray, probability: np.ndarray) -> None:
        """Record each tier's share and observed conversion rate on labelled data (the test window)."""
        tiers = self.assign(probability)
        for tier in TIERS:
            inside = tiers == tier
            self.share[tier] = float(inside.mean())
            self.conversion_rate[tier] = float(y[inside].mean()) if inside.any() else float("nan")


@dataclass(frozen=True)
class Grades:
    cuts: tuple[float, float, float]  # fit log-odds at the 75th, 50th and 25th percentile

    def assign(self, fit_logodds: np.ndarray) -> np.ndarray:
        a, b, c = self.cuts
        x = np.asarray(fit_logodds, dtype=np.float64)
        return np.where(x >= a, "A", np.where(x >= b, "B", np.where(x >= c, "C", "D")))
