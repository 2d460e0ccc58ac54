"""Fitting the gradient-boosted tree model (:class:`scoring.booster.LeadBooster`) on training examples."""

from __future__ import annotations

import numpy as np
from lightgbm import early_stopping, log_evaluation

from scoring.booster import LeadBooster
from training.config import BoosterParams


def fit_booster(
    X_fit: np.ndarray,
    y_fit: np.ndarray,
    X_val: np.ndarray | None,
    y_val: np.ndarray | None,
    categorical_index: list[int],
    params: BoosterParams,
    seed: int,
    monotone: list[int] | None = None,
) -> LeadBooster:
    """Fit with early stopping on a later validation slice (never on the calibration or test window), or,
    without one (``X_val`` None), exactly ``params.n_estimators`` trees.

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
    if X_val is None:
        return model.fit(X_fit, y_fit, categorical_feature=categorical_index)
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
