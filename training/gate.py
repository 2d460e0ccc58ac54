"""The promotion gate: does a newly trained model replace the champion?

Both models are judged on the same leads with the same outcomes (:mod:`training.tracking` finds them). A
difference in ROC AUC or log loss on a few hundred leads is mostly chance, so the gate does not compare two
numbers: it compares two **intervals**. The leads are resampled with replacement (a *paired* bootstrap:
each resample weighs both models' predictions of the same lead alike, Efron & Tibshirani 1993, ch. 16;
leads, not rows, are resampled, so a lead's several snapshots stay together) and the 95 % percentile
interval of each model's metrics and of their difference is read off.

* **Enough conversions first.** Fewer than :attr:`GatePolicy.min_conversions` (100) converted leads on
  the comparison window cannot tell two models apart: an external validation needs at least 100 events
  (Collins, Ogundimu & Altman 2016, *Statistics in Medicine* 35:214). The champion is kept and the run
  says so; a first champion is still registered (something must serve) with its interval in the decision.
* **Better than chance.** A challenger whose ROC AUC interval reaches down to 0.5 ranks leads no better than a
  coin on the comparison window and is never promoted, whatever the champion scores there: labels scrambled in
  the new export make *both* models look random on them, and a challenger that learned the broken base rate
  would then win on log loss. A first champion is held to the same bar (:func:`better_than_chance`).
* **Not worse beyond the noise.** The challenger is promoted unless its ROC AUC is lower than the
  champion's with the whole interval of the difference below zero, or its log loss is higher with the whole
  interval above zero. A tie goes to the challenger: it has seen the latest months.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from training.metrics import classification_metrics

COMPARED = ("roc_auc", "log_loss")


@dataclass(frozen=True)
class GatePolicy:
    min_conversions: int = 100  #: converted leads the comparison window must hold (Collins et al. 2016)
    resamples: int = 1000  #: bootstrap resamples
    confidence: float = 0.95  #: interval coverage
    seed: int = 0


@dataclass(frozen=True)
class Interval:
    value: float  #: the metric on the leads as they are
    low: float
    high: float

    def text(self, digits: int = 4, signed: bool = False) -> str:
        f = f"{{:+.{digits}f}}" if signed else f"{{:.{digits}f}}"
        return f"{f.format(self.value)} (95 % {f.format(self.low)} … {f.format(self.high)})"


@dataclass(frozen=True)
class Comparison:
    """Both models on the same leads: each metric with its interval, and the paired difference."""

    where: str  #: which leads ("backtest origin 2025-06-01", "this run's evaluation leads")
    leads: int
    conversions: int
    challenger: dict[str, Interval]
    champion: dict[str, Interval]
    difference: dict[str, Interval]  #: challenger − champion

    def to_dict(self) -> dict[str, object]:
        return {"where": self.where, "leads": self.leads, "conversions": self.conversions,
                **{f"{side}.{k}": asdict(v) for side in ("challenger", "champion", "difference")
                   for k, v in getattr(self, side).items()}}

    def metrics(self) -> dict[str, float]:
        """Flat numbers for MLflow: ``gate_challenger_roc_auc_low`` …"""
        out: dict[str, float] = {"gate_conversions": float(self.conversions)}
        for side in ("challenger", "champion", "difference"):
            for key, interval in getattr(self, side).items():
                out[f"gate_{side}_{key}"] = interval.value
                out[f"gate_{side}_{key}_low"] = interval.low
                out[f"gate_{side}_{key}_high"] = interval.high
        return out


def _weighted_auc(prepared: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], weights: np.ndarray
                  ) -> np.ndarray:
    """ROC AUC of one score under each row of ``weights`` (resamples × rows), ties counted half.

    The rows are sorted by score once; the Mann–Whitney count of each resample is then a cumulative sum:
    a positive scores above the negatives before its tie group and ties with half of those within it."""
    order, tie_start, tie_end, y_sorted = prepared
    w = weights[:, order]
    pos, neg = w * y_sorted, w * (1 - y_sorted)
    through = np.cumsum(neg, axis=1)  # negatives up to and including each row
    before = through - neg  # negatives before each row
    below = before[:, tie_start]
    tied = through[:, tie_end] - below
    return (pos * (below + 0.5 * tied)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))


def _prepared(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sort order of ``p`` and, per sorted row, the first and last position of its group of equal scores."""
    order = np.argsort(p, kind="stable")
    sorted_p = p[order]
    n = len(p)
    first = np.r_[True, sorted_p[1:] != sorted_p[:-1]]
    last = np.r_[sorted_p[1:] != sorted_p[:-1], True]
    tie_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    tie_end = np.minimum.accumulate(np.where(last, np.arange(n), n)[::-1])[::-1]
    return order, tie_start, tie_end, y[order].astype(np.float64)


def _log_loss(p: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-15, 1 - 1e-15)
    per_row = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    return (weights * per_row).sum(axis=1) / weights.sum(axis=1)


def _lead_weights(groups: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each row is drawn, per resample: a Poisson(1) count per lead, shared by the lead's rows (the
    Poisson bootstrap, Hanley & MacGibbon 2006: the multinomial counts of drawing n of n leads, drawn
    independently)."""
    counts = rng.poisson(1.0, (resamples, int(groups.max()) + 1)).astype(np.float64)
    return counts if len(counts[0]) == len(groups) and np.all(groups[1:] > groups[:-1]) else counts[:, groups]


def bootstrap(y: np.ndarray, probabilities: dict[str, np.ndarray], groups: np.ndarray | None = None,
              policy: GatePolicy | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Each model's ROC AUC and log loss under the same resamples of leads: name → metric → values."""
    policy = policy or GatePolicy()
    y = np.asarray(y, dtype=np.float64)
    groups = np.arange(len(y)) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
    rng = np.random.default_rng(policy.seed)
    prepared = {name: _prepared(np.asarray(p, dtype=np.float64), y) for name, p in probabilities.items()}
    out: dict[str, dict[str, list[np.ndarray]]] = {name: {"roc_auc": [], "log_loss": []} for name in probabilities}
    chunk = max(1, min(policy.resamples, 4_000_000 // max(len(y), 1)))  # memory: resamples × rows floats
    done = 0
    while done < policy.resamples:
        weights = _lead_weights(groups, min(chunk, policy.resamples - done), rng)
        for name, p in probabilities.items():
            out[name]["roc_auc"].append(_weighted_auc(prepared[name], weights))
            out[name]["log_loss"].append(_log_loss(np.asarray(p, dtype=np.float64), y, weights))
        done += weights.shape[0]
    return {name: {k: np.concatenate(v) for k, v in metrics.items()} for name, metrics in out.items()}


def _interval(value: float, draws: np.ndarray, confidence: float) -> Interval:
    draws = draws[np.isfinite(draws)]
    alpha = (1 - confidence) / 2
    if len(draws) == 0:
        return Interval(value, float("nan"), float("nan"))
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    return Interval(value, float(low), float(high))


def intervals(y: np.ndarray, p: np.ndarray, groups: np.ndarray | None = None,
              policy: GatePolicy | None = None) -> dict[str, Interval]:
    """One model's ROC AUC and log loss with bootstrap intervals (a first champion, a lone model)."""
    policy = policy or GatePolicy()
    draws = bootstrap(y, {"model": p}, groups, policy)["model"]
    point = classification_metrics(y, p)
    return {k: _interval(point[k], draws[k], policy.confidence) for k in COMPARED}


def compare(y: np.ndarray, challenger: np.ndarray, champion: np.ndarray, where: str,
            groups: np.ndarray | None = None, policy: GatePolicy | None = None) -> Comparison:
    """Both models on the same leads, with paired bootstrap intervals."""
    policy = policy or GatePolicy()
    draws = bootstrap(y, {"challenger": challenger, "champion": champion}, groups, policy)
    points = {"challenger": classification_metrics(y, challenger), "champion": classification_metrics(y, champion)}
    sides = {side: {k: _interval(points[side][k], draws[side][k], policy.confidence) for k in COMPARED}
             for side in ("challenger", "champion")}
    difference = {k: _interval(points["challenger"][k] - points["champion"][k],
                               draws["challenger"][k] - draws["champion"][k], policy.confidence) for k in COMPARED}
    n_leads = len(np.unique(groups)) if groups is not None else len(y)
    return Comparison(where, n_leads, int(np.asarray(y).sum()), sides["challenger"], sides["champion"], difference)


def better_than_chance(auc: Interval) -> bool:
    """Whether the whole interval of a ROC AUC lies above 0.5 (a coin's)."""
    return bool(auc.low > 0.5)


def verdict(comparison: Comparison, policy: GatePolicy | None = None) -> tuple[bool, str]:
    """Promote or keep, with the reason in one sentence (see the module docstring)."""
    policy = policy or GatePolicy()
    d = comparison.difference
    if comparison.conversions < policy.min_conversions:
        ours, theirs = comparison.challenger["roc_auc"].text(3), comparison.champion["roc_auc"].text(3)
        return False, (f"kept champion: {comparison.conversions} conversions on {comparison.where} (< "
                       f"{policy.min_conversions}) cannot tell the models apart (ROC AUC challenger {ours}, "
                       f"champion {theirs})")
    if not better_than_chance(comparison.challenger["roc_auc"]):
        return False, (f"kept champion: the challenger ranks leads no better than chance on {comparison.where}: "
                       f"ROC AUC {comparison.challenger['roc_auc'].text(3)} (champion there "
                       f"{comparison.champion['roc_auc'].text(3)}); if both are near 0.5, check the new data's "
                       "conversions")
    worse = []
    if d["roc_auc"].high < 0:
        worse.append(f"ROC AUC lower beyond the noise: {d['roc_auc'].text(4, signed=True)}")
    if d["log_loss"].low > 0:
        worse.append(f"log loss higher beyond the noise: {d['log_loss'].text(4, signed=True)}")
    if worse:
        return False, "kept champion: " + "; ".join(worse)
    better = d["roc_auc"].low > 0 or d["log_loss"].high < 0
    return True, (f"promoted: {'better' if better else 'not worse'} beyond the noise (ROC AUC "
                  f"{d['roc_auc'].text(4, signed=True)}, log loss {d['log_loss'].text(4, signed=True)}, challenger − "
                  "champion)")
