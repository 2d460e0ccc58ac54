"""Calibration maps: the booster's margin (log-odds) → a probability that means what it says.

"0.30" must mean that 30 of 100 such leads become an opportunity. Boosted trees rank well, but early
stopping and class imbalance leave their raw margins off as probabilities, so a one-dimensional map is
fitted on margins the booster did not learn from:

* :class:`SigmoidCalibrator`: Platt scaling (Platt 1999, "Probabilistic outputs for support vector
  machines"), ``p = σ(slope · margin + intercept)``, fitted by maximum likelihood on Platt's smoothed targets
  ``(n₊ + 1) / (n₊ + 2)`` and ``1 / (n₋ + 2)`` (as Lin, Lin & Weng 2007 and scikit-learn do). Two
  parameters: it cannot overfit, and it is affine in log-odds, so TreeSHAP values of the margin map exactly
  onto calibrated log-odds (:mod:`scoring.explain`).
* :class:`IsotonicCalibrator`: a free monotone step function (Zadrozny & Elkan 2002), which needs thousands of
  rows to beat the sigmoid; training only chooses it on a large window when it wins out of sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.isotonic import IsotonicRegression


@dataclass(frozen=True)
class SigmoidCalibrator:
    """``p = σ(slope · margin + intercept)``."""

    slope: float
    intercept: float
    method: str = "sigmoid"

    @classmethod
    def fit(cls, margin: np.ndarray, y: np.ndarray) -> SigmoidCalibrator:
        """Maximum likelihood on Platt's smoothed targets (see the module docstring)."""
        margin = np.asarray(margin, dtype=np.float64)
        y = np.asarray(y)
        positives = float(y.sum())
        negatives = float(len(y) - positives)
        target = np.where(y == 1, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))

        def loss_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
            z = params[0] * margin + params[1]
            loss = -float(np.sum(target * log_expit(z) + (1.0 - target) * log_expit(-z)))
            residual = expit(z) - target
            return loss, np.array([float(residual @ margin), float(residual.sum())])

        prior = np.log((positives + 1.0) / (negatives + 1.0))
        result = minimize(loss_and_gradient, np.array([1.0, prior]), jac=True, method="L-BFGS-B")
        return cls(float(result.x[0]), float(result.x[1]))

    def probability(self, margin: np.ndarray) -> np.ndarray:
        return expit(self.slope * np.asarray(margin, dtype=np.float64) + self.intercept)


@dataclass(frozen=True)
class IsotonicCalibrator:
    """A monotone step function of the margin, clipped to the fitted range."""

    mapping: IsotonicRegression
    method: str = "isotonic"

    @classmethod
    def fit(cls, margin: np.ndarray, y: np.ndarray) -> IsotonicCalibrator:
        return cls(IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(margin, y))

    def probability(self, margin: np.ndarray) -> np.ndarray:
        return np.clip(self.mapping.predict(np.asarray(margin, dtype=np.float64)), 0.0, 1.0)


Calibrator = SigmoidCalibrator | IsotonicCalibrator
CALIBRATORS: dict[str, type[SigmoidCalibrator] | type[IsotonicCalibrator]] = {
    "sigmoid": SigmoidCalibrator, "isotonic": IsotonicCalibrator,
}


def from_sklearn(calibrated: object) -> Calibrator:
    """The calibrator inside a scikit-learn ``CalibratedClassifierCV`` as bundles saved before 2026-12 hold it.

    Compatibility for pickled bundles only; remove after 2027-06-30."""
    (pair,) = calibrated.calibrated_classifiers_  # type: ignore[attr-defined]
    (fitted,) = pair.calibrators
    if isinstance(fitted, IsotonicRegression):
        return IsotonicCalibrator(fitted)
    return SigmoidCalibrator(slope=-float(fitted.a_), intercept=-float(fitted.b_))  # sklearn: σ(-(a·f + b))
