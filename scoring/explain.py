"""From SHAP values to score points a salesperson can read.

TreeSHAP splits the booster's margin (log-odds) exactly: ``base + Σ φ_i = margin``. The score is
``round(100 × p)`` with ``p = g(margin)`` the *calibrated* probability. To express each feature's
effect in score points we apportion the probability change from the base, ``p − g(base)``, in
proportion to the φ_i:

    points_i = 100 · φ_i · (g(base + Σφ) − g(base)) / Σφ

so the points add up exactly to ``100 · (p − p_base)``. For a sigmoid calibrator ``g`` is a logistic
function of an affine map of the margin, so this is the exact secant of the calibrated log-odds (for
Σφ → 0 it tends to the slope ``100 · g'(base)``); it keeps each feature's sign and relative size.
Whole points are rounded with the largest-remainder method (:func:`largest_remainder`) once the features
are gathered into the reasons sales reads (:func:`scoring.reasons.group_points`), so that
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
    shap_values: np.ndarray  # (n, p) margin-space TreeSHAP values
    base_margin: np.ndarray  # (n,)


def largest_remainder(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round each row of ``values`` to integers that add up to the row's integer ``totals``, moving as
    few values as possible away from their floor (Hamilton's method, for signed values).

    A row short of its total gives +1 to its largest remainders (of equal remainders, the earlier feature
    first); a row over its total takes 1 from its smallest remainders (of equal remainders, the later
    feature first). Values are finite. Only the one remainder at the cut is searched for per row (a sort
    of the remainders without their positions); positions are ranked only in the rare rows where equal
    remainders straddle the cut."""
    floor = np.floor(values)
    remainder = values - floor
    n, p = values.shape
    if p == 0:
        return floor.astype(np.int64)
    need = np.minimum(np.maximum(np.asarray(totals, dtype=np.int64) - floor.sum(axis=1).astype(np.int64), -p), p)
    rounded = floor.astype(np.int64)
    ranked = np.sort(remainder, axis=1)
    rows = np.arange(n)
    give = np.maximum(need, 0)  # +1 for the `give` largest remainders
    cut = np.where(give > 0, ranked[rows, np.minimum(p - give, p - 1)], np.inf)[:, None]
    up = remainder >= cut
    over = np.flatnonzero(up.sum(axis=1) > give)  # equal remainders at the cut: earlier features first
    if over.size:
        above, tied = remainder[over] > cut[over], remainder[over] == cut[over]
        up[over] = above | _first(tied, give[over] - above.sum(axis=1))
    rounded += up
    take = np.flatnonzero(need < 0)  # −1 for the `−need` smallest remainders: rare
    if take.size:
        m, rest = -need[take], remainder[take]
        cut = ranked[take, m - 1][:, None]
        below, tied = rest < cut, rest == cut
        rounded[take] -= below | _first(tied[:, ::-1], m - below.sum(axis=1))[:, ::-1]
    return rounded


def _first(mask: np.ndarray, quota: np.ndarray) -> np.ndarray:
    """Per row, only the first ``quota`` True entries of ``mask`` (in column order)."""
    return mask & (np.cumsum(mask, axis=1) <= quota[:, None])


def explain(contributions: np.ndarray, calibrate: Callable[[np.ndarray], np.ndarray]) -> Explanation:
    """Apportion calibrated score points from TreeSHAP ``contributions`` (n × (p + 1), last = base)."""
    phi = contributions[:, :-1]
    base = contributions[:, -1]
    total = phi.sum(axis=1)
    margin = base + total
    n = len(margin)
    p, p0, up, down = calibrate(np.concatenate([margin, base, base + _H, base - _H])).reshape(4, n)
    slope_at_base = (up - down) / (2 * _H)
    tiny = np.abs(total) < 1e-12
    secant = np.where(tiny, slope_at_base, (p - p0) / np.where(tiny, 1.0, total))
    points_exact = 100.0 * phi * secant[:, None]
    score, base_score = round_half_up(100.0 * np.stack([p, p0]))
    return Explanation(p, p0, score, base_score, points_exact, phi, base)
