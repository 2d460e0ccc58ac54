"""The gradient-boosted tree model.

LightGBM rather than scikit-learn's HistGradientBoosting: it handles categorical codes natively *and*
its TreeSHAP (``pred_contrib``) is exact for them, where SHAP on HGB's native categories is silently
wrong (see ``../shared/STACK_NOTES.md``); it also predicts one row in ~1.4 ms. ``benchmarks/models.py``
compares the two on the same data.
"""

from __future__ import annotations

import ctypes
import threading
import weakref

import numpy as np
from lightgbm import Booster, LGBMClassifier, early_stopping, log_evaluation
from lightgbm.basic import _LIB, _c_str, _safe_call  # the C API LightGBM's own predict calls

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
        which costs more than explaining one lead. One row (an API request's lead) takes LightGBM's
        single-row path, whose prediction settings are parsed once per model instead of once per call."""
        if len(X) == 1 and X.dtype == np.float64:
            return _single_row(self.booster_, X.shape[1]).contributions(X)
        return self.booster_.predict(X, pred_contrib=True, num_threads=_threads(X))


class _SingleRowContributions:
    """LightGBM's ``LGBM_BoosterPredictForMatSingleRowFast`` for TreeSHAP: the same values as
    ``Booster.predict(X, pred_contrib=True)`` for one row, ~20 µs sooner (a one-lead request's explanation
    takes ~90 µs the usual way). The C handle lives as long as the booster."""

    _CONTRIB, _FLOAT64 = 3, 1  # C_API_PREDICT_CONTRIB, C_API_DTYPE_FLOAT64

    def __init__(self, booster: Booster, n_features: int) -> None:
        self.handle = ctypes.c_void_p()
        self.n_features = n_features
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster._handle, ctypes.c_int(self._CONTRIB), ctypes.c_int(0), ctypes.c_int(-1),
            ctypes.c_int(self._FLOAT64), ctypes.c_int32(n_features), _c_str("num_threads=1"),
            ctypes.byref(self.handle)))
        weakref.finalize(self, _LIB.LGBM_FastConfigFree, self.handle)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        row = np.ascontiguousarray(X[0], dtype=np.float64)
        out = np.empty((1, self.n_features + 1), dtype=np.float64)
        written = ctypes.c_int64()
        _safe_call(_LIB.LGBM_BoosterPredictForMatSingleRowFast(
            self.handle, row.ctypes.data_as(ctypes.c_void_p), ctypes.byref(written),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if written.value != out.size:
            raise RuntimeError(f"LightGBM wrote {written.value} contributions, expected {out.size}")
        return out


_SINGLE_ROW: weakref.WeakKeyDictionary[Booster, _SingleRowContributions] = weakref.WeakKeyDictionary()
_SINGLE_ROW_LOCK = threading.Lock()


def _single_row(booster: Booster, n_features: int) -> _SingleRowContributions:
    """The booster's single-row path (set up on first use; a booster and its path die together)."""
    path = _SINGLE_ROW.get(booster)
    if path is None or path.n_features != n_features:
        with _SINGLE_ROW_LOCK:
            path = _SINGLE_ROW.get(booster)
            if path is None or path.n_features != n_features:
                path = _SINGLE_ROW[booster] = _SingleRowContributions(booster, n_features)
    return path


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
