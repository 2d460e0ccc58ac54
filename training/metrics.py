"""How good a lead score is, in the terms that matter to sales and to a data scientist.

* ROC AUC: how often a converter is ranked above a non-converter (ranking quality).
* PR AUC: precision over recall; the honest view when only a few percent convert.
* Brier and log loss: how good the probabilities are as probabilities.
* ECE (expected calibration error): the mean gap between predicted and observed conversion rates over
  10 equal-count bins of the prediction. Equal-count, not equal-width, because with a base rate of a
  few percent most equal-width bins would be empty.
* Lift / capture at the top k %: "the top 10 % of leads convert at 3.4× the average rate and hold 34 %
  of all conversions": what a sales team gets if it only calls the top of the list.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Mean |predicted − observed| over ``bins`` equal-count bins, weighted by bin size."""
    order = np.argsort(p, kind="stable")
    total = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            total += len(chunk) * abs(float(p[chunk].mean()) - float(y[chunk].mean()))
    return total / len(p)


def top_share(y: np.ndarray, p: np.ndarray, share: float) -> tuple[float, float]:
    """(lift, capture) of the top ``share`` of leads by score."""
    k = max(1, round(share * len(p)))
    top = np.argsort(-p, kind="stable")[:k]
    base = float(y.mean())
    rate = float(y[top].mean())
    lift = rate / base if base > 0 else float("nan")
    capture = float(y[top].sum() / y.sum()) if y.sum() > 0 else float("nan")
    return lift, capture


def classification_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Every headline metric for predictions ``p`` of outcomes ``y`` (0/1)."""
    y = np.asarray(y, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    lift10, capture10 = top_share(y, p, 0.10)
    lift20, capture20 = top_share(y, p, 0.20)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "ece": expected_calibration_error(y, p),
        "lift_top10": lift10,
        "capture_top10": capture10,
        "lift_top20": lift20,
        "capture_top20": capture20,
        "base_rate": float(y.mean()),
        "rows": float(len(y)),
    }
