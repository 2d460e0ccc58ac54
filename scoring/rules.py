"""A points model at run time: hand-written rules (points for role, size, channel, actions) as a scoring model.

It stands where the booster stands in a :class:`scoring.bundle.ScoringBundle`, with the same two faces, so
the API, files, cards and reasons work unchanged. The conversion hazard of a lead with ``points`` at lead age
``t`` (days since it was created) is

    exp(b · points) · λ(t)

with ``λ`` constant within each band of :data:`AGE_BANDS` (a piecewise-constant baseline hazard on the lead's
age, as in a piecewise-exponential survival model: Friedman 1982, *Ann. Statist.* 10:101), so over the horizon
``h`` of a lead ``u`` days old the hazard adds up to exp(b · points) · Σ_k λ_k · (days of [u, u + h] in band k):
a young lead is judged by how leads convert while young *and* as they age through the horizon. The margin is
the log of that sum. Each feature's contribution is ``b ·`` (its rules' points − their average), the age term
goes to ``lead_age_days``; the parts add up exactly, the average lead is the base (as TreeSHAP's base is), and
each rule belongs to one feature, so there is one reason per rule that fired. :class:`HazardCalibrator` turns
the margin into the probability of converting within the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rule:
    """``points`` when the feature at ``column`` of the model matrix is one of ``codes`` (a category's codes)
    or lies within ``[low, high]`` (a number)."""

    feature: str
    column: int
    points: float
    codes: tuple[float, ...] = ()
    low: float = -np.inf
    high: float = np.inf

    def fires(self, X: np.ndarray) -> np.ndarray:
        value = X[:, self.column]
        if self.codes:
            return np.isin(value, self.codes)
        with np.errstate(invalid="ignore"):
            return (value >= self.low) & (value <= self.high)


#: Lead-age bands (days) of the hazard: each of the first weeks, a month, two, three, half a year, a year, two
#: years, older; where leads convert fastest the bands are narrowest.
AGE_BANDS: tuple[float, ...] = (0.0, 7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0, float("inf"))


def band_days(age: np.ndarray, days: np.ndarray | float, bands: tuple[float, ...] = AGE_BANDS) -> np.ndarray:
    """Per lead, the days of its age span [age, age + days] that fall in each band (leads × bands)."""
    edges = np.asarray(bands, dtype=np.float64)
    start = np.asarray(age, dtype=np.float64)[:, None]
    end = start + np.broadcast_to(np.asarray(days, dtype=np.float64), start.shape[:1])[:, None]
    return np.clip(np.minimum(end, edges[1:]) - np.maximum(start, edges[:-1]), 0.0, None)


@dataclass(frozen=True)
class PointsModel:
    """Rules with a fitted log hazard per point and an age effect (see the module docstring)."""

    rules: tuple[Rule, ...]
    n_features: int
    intercept: float
    slope: float
    average: np.ndarray  #: each feature's average contribution before centring, over the fitting data
    age_column: int
    age_slope: float  #: bundles before 2026-12-07: the log hazard per unit of log(1 + lead age in days)
    #: the log hazard per day in each band of ``age_bands`` and the horizon it is summed over. Empty in bundles
    #: saved before 2026-12-07 (compatibility: those keep their age slope and fading; remove after 2027-06-30)
    age_log_hazard: tuple[float, ...] = ()
    age_bands: tuple[float, ...] = AGE_BANDS
    horizon_days: float = 0.0

    def points(self, X: np.ndarray) -> np.ndarray:
        """Each lead's points per feature (n × features)."""
        out = np.zeros((len(X), self.n_features))
        for rule in self.rules:
            out[:, rule.column] += rule.points * rule.fires(X)
        return out

    def _parts(self, X: np.ndarray) -> np.ndarray:  # older bundles' intercept holds their horizon's fading
        """Each feature's share of the margin before centring: ``slope · points``, the age term for age."""
        parts = self.slope * self.points(X)
        age = np.nan_to_num(np.maximum(X[:, self.age_column], 0.0))
        if self.age_log_hazard:  # the age bands' hazard over the horizon, from the lead's age on
            exposure = band_days(age, self.horizon_days, self.age_bands) @ np.exp(np.asarray(self.age_log_hazard))
            parts[:, self.age_column] += np.log(np.maximum(exposure, 1e-300))
        else:
            parts[:, self.age_column] += self.age_slope * np.log1p(age)
        return parts

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.intercept + self._parts(X).sum(axis=1)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per feature its part minus the average part, the last column the average lead's margin."""
        phi = self._parts(X) - self.average
        base = np.full((len(X), 1), self.intercept + float(self.average.sum()))
        return np.hstack([phi, base])


@dataclass(frozen=True)
class HazardCalibrator:
    """``p = 1 − exp(−exp(margin))``: the margin is the log of the cumulative hazard over the horizon."""

    method: str = "hazard"

    def probability(self, margin: np.ndarray) -> np.ndarray:
        return -np.expm1(-np.exp(np.asarray(margin, dtype=np.float64)))
