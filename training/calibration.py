"""Calibration: making "0.30" mean that 30 of 100 such leads convert.

The booster's scores rank well but are not probabilities after early stopping and class imbalance.
A calibrator is fitted on the calibration window (later than anything the booster saw), with the
booster frozen. Sigmoid (Platt) is two parameters and cannot overfit; isotonic is a free monotone step
function and needs thousands of rows to beat it, so it is only tried on a large window, and the choice
is made by cross-validated log loss *within* the window, not by in-sample fit (which isotonic always wins).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from training.model import LeadBooster

ISOTONIC_MIN_ROWS = 10_000
ISOTONIC_MIN_POSITIVES = 500


@dataclass(frozen=True)
class CalibrationChoice:
    method: str
    cv_log_loss: dict[str, float]
    rows: int
    positives: int


def _fit(model: LeadBooster, X: np.ndarray, y: np.ndarray, method: str) -> CalibratedClassifierCV:
    return CalibratedClassifierCV(FrozenEstimator(model), method=method).fit(X, y)


def fit_calibrator(
    model: LeadBooster, X_cal: np.ndarray, y_cal: np.ndarray, seed: int
) -> tuple[CalibratedClassifierCV, CalibrationChoice]:
    """Choose sigmoid or isotonic by 5-fold log loss on the calibration window, then fit it on all of it."""
    positives = int(y_cal.sum())
    methods = ["sigmoid"]
    if len(y_cal) >= ISOTONIC_MIN_ROWS and positives >= ISOTONIC_MIN_POSITIVES:
        methods.append("isotonic")
    losses: dict[str, float] = {}
    if len(methods) > 1:
        # the booster is frozen, so its margins are computed once and only the one-dimensional calibration
        # map is refitted per fold (with the same maps CalibratedClassifierCV fits)
        margin = model.decision_function(X_cal)
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        for method in methods:
            fold_losses = []
            for train, held_out in folds.split(margin.reshape(-1, 1), y_cal):
                mapping = _SigmoidCalibration() if method == "sigmoid" else IsotonicRegression(out_of_bounds="clip")
                p = np.clip(mapping.fit(margin[train], y_cal[train]).predict(margin[held_out]), 1e-6, 1 - 1e-6)
                fold_losses.append(log_loss(y_cal[held_out], p, labels=[0, 1]))
            losses[method] = float(np.mean(fold_losses))
        # isotonic must win clearly: a tie goes to the smoother, safer sigmoid
        method = "isotonic" if losses["isotonic"] < losses["sigmoid"] - 1e-4 else "sigmoid"
    else:
        method = "sigmoid"
    calibrator = _fit(model, X_cal, y_cal, method)
    return calibrator, CalibrationChoice(method, losses, len(y_cal), positives)


def probability_from_margin(calibrator: CalibratedClassifierCV, margin: np.ndarray) -> np.ndarray:
    """The calibrated probability as a function of the booster's margin alone: ``g(margin)``.

    This is what the explanation needs: it lets us ask "what would the probability be at the base
    margin?" without a row of features. Equal to ``calibrator.predict_proba(X)[:, 1]`` for the margin of X.
    """
    (pair,) = calibrator.calibrated_classifiers_
    (fitted,) = pair.calibrators
    margin = np.asarray(margin, dtype=np.float64)
    if isinstance(fitted, _SigmoidCalibration):  # its predict, minus ~40 µs of input checks per call
        return expit(-(fitted.a_ * margin + fitted.b_))
    return np.clip(fitted.predict(margin), 0.0, 1.0)
