"""The gradient-boosted tree model.

LightGBM rather than scikit-learn's HistGradientBoosting: it handles categorical codes natively *and*
its TreeSHAP (``pred_contrib``) is exact for them, where SHAP on HGB's native categories is silently
wrong (see ``../shared/STACK_NOTES.md``); it also predicts one row in ~1.4 ms. ``benchmarks/models.py``
compares the two on the same data.
"""

from __future__ import annotations

import numpy as np
from lightgbm import LGBMClassifier, early_stopping, log_evaluation

from training.config import BoosterParams


class LeadBooster(LGBMClassifier):
    """LightGBM with a ``decision_function`` (the raw log-odds margin), so that a sigmoid calibrator
    is affine in log-odds and SHAP contributions map exactly onto calibrated log-odds."""

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.booster_.predict(X, raw_score=True, num_threads=_threads(X))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """TreeSHAP values in margin space: ``n × (features + 1)``, the last column the base value.
        Each row sums to the row's margin (LightGBM's exact TreeSHAP, identical to ``shap.TreeExplainer``).

        Calls the booster directly: the scikit-learn wrapper re-validates its parameters on every call,
        which costs more than explaining one lead."""
        return self.booster_.predict(X, pred_contrib=True, num_threads=_threads(X))


def _threads(X: np.ndarray) -> int:
    """One thread for a request's few rows (starting OpenMP threads costs more than the work), all for batches."""
    return 1 if len(X) < 512 else 0


def fit_booster(
    X_fit: np.ndarray,
    y_fit: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    categorical_index: list[int],
    params: BoosterParams,
    seed: int,
    monotone: list[int] | None = None,
) -> LeadBooster:
    """Fit with early stopping on a later validation slice (never on the calibration or test window).

    ``monotone`` (one entry per column: +1, -1 or 0) makes the model keep declared directions, e.g. that a
    recent demo request never lowers a score."""
    model = LeadBooster(
        n_estimators=params.n_estimators,
        learning_rate=params.learning_rate,
        num_leaves=params.num_leaves,
        min_child_samples=params.min_child_samples,
        subsample=params.subsample,
        subsample_freq=params.subsample_freq,
        colsample_bytree=params.colsample_bytree,
        reg_lambda=params.reg_lambda,
        n_jobs=params.n_jobs,
        random_state=seed,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
        monotone_constraints=monotone or None,
        monotone_constraints_method="intermediate",
    )
    model.fit(
        X_fit,
        y_fit,
        eval_X=(X_val,),
        eval_y=(y_val,),
        eval_metric="binary_logloss",
        categorical_feature=categorical_index,
        callbacks=[early_stopping(params.early_stopping_rounds, verbose=False), log_evaluation(0)],
    )
    return model
