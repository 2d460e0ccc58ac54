"""A points model at run time: hand-written rules (points for role, size, channel, actions) as a scoring model.

It stands where the booster stands in a :class:`scoring.bundle.ScoringBundle`, with the same two faces, so
the API, files, cards and reasons work unchanged: the margin is a log conversion hazard ``a + b · points``,
and each feature's contribution is ``b ·`` (its rules' points − their average), exactly additive, with the
average lead as the base (as TreeSHAP's base is). One reason per rule that fired: each rule belongs to one
feature. :class:`HazardCalibrator` turns the hazard into the probability of converting within the horizon.
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


@dataclass(frozen=True)
class PointsModel:
    """Rules with a fitted log hazard per point: ``margin = intercept + slope · points``."""

    rules: tuple[Rule, ...]
    n_features: int
    intercept: float
    slope: float
    average: np.ndarray  #: each feature's average points over the data the model was fitted on

    def points(self, X: np.ndarray) -> np.ndarray:
        """Each lead's points per feature (n × features)."""
        out = np.zeros((len(X), self.n_features))
        for rule in self.rules:
            out[:, rule.column] += rule.points * rule.fires(X)
        return out

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.intercept + self.slope * self.points(X).sum(axis=1)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per feature ``slope · (points − average)``, the last column the average lead's margin."""
        phi = self.slope * (self.points(X) - self.average)
        base = np.full((len(X), 1), self.intercept + self.slope * float(self.average.sum()))
        return np.hstack([phi, base])


@dataclass(frozen=True)
class HazardCalibrator:
    """``p = 1 − exp(−horizon · exp(margin))``: a constant daily conversion hazard over the horizon."""

    horizon_days: float
    method: str = "hazard"

    def probability(self, margin: np.ndarray) -> np.ndarray:
        return -np.expm1(-self.horizon_days * np.exp(np.asarray(margin, dtype=np.float64)))
