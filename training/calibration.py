"""Choosing and fitting the calibration map (:mod:`scoring.calibration`) on margins the booster did not learn from.

Sigmoid (Platt) is two parameters and cannot overfit; isotonic is a free monotone step function and needs
thousands of rows to beat it, so it is only tried on a large window, and the choice is made by
cross-validated log loss *within* the window, not by in-sample fit (which isotonic always wins).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from scoring.calibration import CALIBRATORS, Calibrator

ISOTONIC_MIN_ROWS = 10_000
ISOTONIC_MIN_POSITIVES = 500


@dataclass(frozen=True)
class CalibrationChoice:
    method: str
    cv_log_loss: dict[str, float]
    rows: int
    positives: int


def fit_calibrator(margin: np.ndarray, y: np.ndarray, seed: int) -> tuple[Calibrator, CalibrationChoice]:
    """Choose sigmoid or isotonic by 5-fold log loss on these margins, then fit it on all of them."""
    positives = int(y.sum())
    methods = ["sigmoid"]
    if len(y) >= ISOTONIC_MIN_ROWS and positives >= ISOTONIC_MIN_POSITIVES:
        methods.append("isotonic")
    losses: dict[str, float] = {}
    method = "sigmoid"
    if len(methods) > 1:
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        for name in methods:
            fold_losses = []
            for train, held_out in folds.split(margin.reshape(-1, 1), y):
                fitted = CALIBRATORS[name].fit(margin[train], y[train])
                p = np.clip(fitted.probability(margin[held_out]), 1e-6, 1 - 1e-6)
                fold_losses.append(log_loss(y[held_out], p, labels=[0, 1]))
            losses[name] = float(np.mean(fold_losses))
        # isotonic must win clearly: a tie goes to the smoother, safer sigmoid
        method = "isotonic" if losses["isotonic"] < losses["sigmoid"] - 1e-4 else "sigmoid"
    return CALIBRATORS[method].fit(margin, y), CalibrationChoice(method, losses, len(y), positives)
