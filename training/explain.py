"""From SHAP values to score points a salesperson can read.

TreeSHAP splits the booster's margin (log-odds) exactly: ``base + Σ φ_i = margin``. The score is
``round(100 × p)`` with ``p = g(margin)`` the *calibrated* probability. To express each feature's
effect in score points we apportion the probability change from the base, ``p − g(base)``, in
proportion to the φ_i:

    points_i = 100 · φ_i · (g(base + Σφ) − g(base)) / Σφ

so the points add up exactly to ``100 · (p − p_base)``. For a sigmoid calibrator ``g`` is a logistic
function of an affine map of the margin, so this is the exact secant of the calibrated log-odds (for
Σφ → 0 it tends to the slope ``100 · g'(base)``); it keeps each feature's sign and relative size.
Integer points are then rounded with the largest-remainder method so that
``base_score + Σ points = score`` holds exactly in whole points, as sales sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_H = 1e-4


def round_half_up(x: np.ndarray) -> np.ndarray:
    """Scores round half up (0.5 → 1), the way people round, not to even."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


@dataclass(frozen=True)
class Explanation:
    """Per row: calibrated probability, 0–100 score, and each feature's effect in points."""

    probability: np.ndarray  # (n,)
    base_probability: np.ndarray  # (n,) the calibrated probability of an average lead
    score: np.ndarray  # (n,) int
    base_score: np.ndarray  # (n,) int
    points_exact: np.ndarray  # (n, p) float, rows sum to 100·(probability − base_probability)
    points: np.ndarray  # (n, p) int, rows sum to score − base_score
    shap_values: np.ndarray  # (n, p) margin-space TreeSHAP values
    base_margin: np.ndarray  # (n,)


def largest_remainder(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round each row of ``values`` to integers that add up to the row's integer ``totals``, moving as
    few values as possible away from their floor (Hamilton's method, for signed values)."""
    floor = np.floor(values)
    remainder = values - floor
    need = totals - floor.sum(axis=1).astype(np.int64)  # how many +1 (or −1 if negative) to hand out
    order = np.argsort(-remainder, axis=1, kind="stable")  # largest remainders first
    rank = np.empty_like(order)
    rows = np.arange(values.shape[0])[:, None]
    rank[rows, order] = np.arange(values.shape[1])[None, :]
    up = rank < need[:, None]
    down = rank >= values.shape[1] + need[:, None]  # when need < 0, take from the smallest remainders
    return (floor + up - down).astype(np.int64)


def explain(contributions: np.ndarray, calibrate: Callable[[np.ndarray], np.ndarray]) -> Explanation:
    """Apportion calibrated score points from TreeSHAP ``contributions`` (n × (p + 1), last = base)."""
    phi = contributions[:, :-1]
    base = contributions[:, -1]
    total = phi.sum(axis=1)
    margin = base + total
    p = calibrate(margin)
    p0 = calibrate(base)
    slope_at_base = (calibrate(base + _H) - calibrate(base - _H)) / (2 * _H)
    tiny = np.abs(total) < 1e-12
    secant = np.where(tiny, slope_at_base, (p - p0) / np.where(tiny, 1.0, total))
    points_exact = 100.0 * phi * secant[:, None]
    score = round_half_up(100.0 * p)
    base_score = round_half_up(100.0 * p0)
    points = largest_remainder(points_exact, score - base_score)
    return Explanation(p, p0, score, base_score, points_exact, points, phi, base)
