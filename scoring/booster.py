"""The gradient-boosted tree model at run time: its margin and its exact TreeSHAP values.

LightGBM rather than scikit-learn's HistGradientBoosting: it handles categorical codes natively *and* its
TreeSHAP (``pred_contrib``) is exact for them, where SHAP on HGB's native categories is silently wrong (see
``../shared/STACK_NOTES.md``); ``benchmarks/models.py`` compares the two on the same data.
"""

from __future__ import annotations

import numpy as np
from lightgbm import LGBMClassifier


class LeadBooster(LGBMClassifier):
    """LightGBM with a ``decision_function`` (the raw log-odds margin), so that a sigmoid calibrator is affine
    in log-odds and SHAP contributions map exactly onto calibrated log-odds."""

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.booster_.predict(X, raw_score=True, num_threads=_threads(X))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """TreeSHAP values in margin space: ``n × (features + 1)``, the last column the base value. Each row
        sums to the row's margin (Lundberg et al. 2020, "From local explanations to global understanding with
        explainable AI for trees"; LightGBM's implementation equals ``shap.TreeExplainer``, tested). Calls the
        booster directly: the scikit-learn wrapper re-validates its parameters on every call."""
        return self.booster_.predict(X, pred_contrib=True, num_threads=_threads(X))


def _threads(X: np.ndarray) -> int:
    """One thread for a request's few rows (starting OpenMP threads costs more than the work), all for batches."""
    return 1 if len(X) < 512 else 0
