"""A points model at run time: hand-written rules (points for role, size, channel, actions) as a scoring model.

It stands where the booster stands in a :class:`scoring.bundle.ScoringBundle`, with the same two faces, so
the API, files, cards and reasons work unchanged. The conversion hazard of a lead with ``points`` at lead age
``t`` (days since it was created) is

    exp(b · fit points + β(s) · engagement points) · λ(t)

with ``λ`` constant within each band of :data:`AGE_BANDS` (a piecewise-constant baseline hazard on the lead's
age, as in a piecewise-exponential survival model: Friedman 1982, *Ann. Statist.* 10:101), so a young lead is
judged by how leads convert while young *and* as they age through the horizon. Who the lead is (fit points)
counts the same all through the horizon; what the lead did (engagement points) counts by ``β(s)``, constant
within each band of :data:`ELAPSED_BANDS` of ``s``, the days since the lead was scored: a demo request marks a
lead that converts in the next weeks more than one that converts in three months (a time-varying coefficient in
a landmark model: van Houwelingen 2007, *Scand. J. Statist.* 34:70). Over the horizon ``h`` of a lead ``u``
days old the hazard adds up to

    exp(b · fit points) · Σ_e exp(β_e · engagement points) · W_e(u),   W_e(u) = Σ_k λ_k · (days of band e of
    [u, u + h] in age band k),

and the margin is the log of that sum. Each fit feature's contribution is ``b ·`` its rules' points, each
engagement feature's ``β̄ ·`` its rules' points, with ``β̄`` the lead's engagement term divided by its
engagement points (the slopes' W-weighted mean where those are 0), and the age term goes to ``lead_age_days``;
minus their averages, the parts add up exactly, the average lead is the base (as TreeSHAP's base is), and each
rule belongs to one feature, so there is one reason per rule that fired. :class:`HazardCalibrator` turns the
margin into the probability of converting within the horizon.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
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
#: Bands (days since the lead was scored) within which what the lead did counts the same: the first week, the
#: rest of the first month, the second, and later.
ELAPSED_BANDS: tuple[float, ...] = (0.0, 7.0, 30.0, 60.0, float("inf"))


def band_days(age: np.ndarray, days: np.ndarray | float, bands: tuple[float, ...] = AGE_BANDS) -> np.ndarray:
    """Per lead, the days of its age span [age, age + days] that fall in each band (leads × bands)."""
    edges = np.asarray(bands, dtype=np.float64)
    start = np.asarray(age, dtype=np.float64)[:, None]
    end = start + np.broadcast_to(np.asarray(days, dtype=np.float64), start.shape[:1])[:, None]
    return np.clip(np.minimum(end, edges[1:]) - np.maximum(start, edges[:-1]), 0.0, None)


def elapsed_band_days(age: np.ndarray, days: np.ndarray | float, elapsed: tuple[float, ...] = ELAPSED_BANDS,
                      bands: tuple[float, ...] = AGE_BANDS) -> Iterator[np.ndarray]:
    """For each band of ``elapsed`` (days since the span began), the days of the span [age, age + days] that
    fall in it, by age band (leads × age bands, as :func:`band_days`): one band at a time, so that millions of
    training windows never make a leads × elapsed × age table."""
    start = np.asarray(age, dtype=np.float64)
    for low, high in itertools.pairwise(elapsed):
        yield band_days(start + low, np.clip(np.minimum(days, high) - low, 0.0, None), bands)


def elapsed_weights(age: np.ndarray, days: float, log_hazard: tuple[float, ...],
                    elapsed: tuple[float, ...] = ELAPSED_BANDS, bands: tuple[float, ...] = AGE_BANDS) -> np.ndarray:
    """Per lead, the baseline hazard summed over each band of ``elapsed`` of its span [age, age + days]
    (``W_e(u)`` of the module docstring): leads × elapsed bands."""
    hazard = np.exp(np.asarray(log_hazard, dtype=np.float64))
    return np.stack([in_band @ hazard for in_band in elapsed_band_days(age, days, elapsed, bands)], axis=1)


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
    #: the log hazard per engagement point in each band of ``elapsed_bands``, and the model-matrix columns whose
    #: rules are engagement. Empty in bundles saved before 2026-12-08: there every point counts ``slope`` all
    #: through the horizon (compatibility; remove after 2027-06-30)
    engagement_slopes: tuple[float, ...] = ()
    engagement_columns: tuple[int, ...] = ()
    elapsed_bands: tuple[float, ...] = ELAPSED_BANDS

    def points(self, X: np.ndarray) -> np.ndarray:
        """Each lead's points per feature (n × features)."""
        out = np.zeros((len(X), self.n_features))
        for rule in self.rules:
            out[:, rule.column] += rule.points * rule.fires(X)
        return out

    def engaged(self, points: np.ndarray) -> np.ndarray:
        """Each lead's points for what it did (the rules on ``engagement_columns``), from :meth:`points`."""
        return points @ self._engagement()

    def _engagement(self) -> np.ndarray:
        return np.isin(np.arange(self.n_features), self.engagement_columns)

    def _parts(self, X: np.ndarray) -> np.ndarray:  # older bundles' intercept holds their horizon's fading
        """Each feature's share of the margin before centring: ``slope · points``, the age term for age."""
        points = self.points(X)
        age = np.nan_to_num(np.maximum(X[:, self.age_column], 0.0))
        if self.engagement_slopes:
            return self._fading_parts(points, age)
        parts = self.slope * points
        if self.age_log_hazard:  # the age bands' hazard over the horizon, from the lead's age on
            exposure = band_days(age, self.horizon_days, self.age_bands) @ np.exp(np.asarray(self.age_log_hazard))
            parts[:, self.age_column] += np.log(np.maximum(exposure, 1e-300))
        else:
            parts[:, self.age_column] += self.age_slope * np.log1p(age)
        return parts

    def _fading_parts(self, points: np.ndarray, age: np.ndarray) -> np.ndarray:
        """``_parts`` where engagement points count by the days since scoring (the module docstring)."""
        weight = elapsed_weights(age, self.horizon_days, self.age_log_hazard, self.elapsed_bands, self.age_bands)
        total = np.maximum(weight.sum(axis=1), 1e-300)
        engagement = self._engagement()
        engaged = points @ engagement
        slopes = np.asarray(self.engagement_slopes)
        term = np.log(np.maximum((weight * np.exp(engaged[:, None] * slopes)).sum(axis=1), 1e-300))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_slope = np.where(engaged != 0, (term - np.log(total)) / engaged, (weight @ slopes) / total)
        parts = points * np.where(engagement, mean_slope[:, None], self.slope)  # whole columns: fancy indexing is slow
        parts[:, self.age_column] += np.log(total)
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
