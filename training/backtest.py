"""Judging the procedure as it would have been used: a rolling-origin backtest (Tashman 2000).

At each origin ``T`` (the latest labelled snapshots, one step apart) the whole training procedure
(:mod:`training.procedure`) is run on the snapshots whose labels were known at ``T`` (``as_of + horizon <=
T``) and scores the leads open at ``T``; their outcomes over ``(T, T + horizon]`` are known by the end of the
data. No label observed after an origin reaches that origin's model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.catalogue import Catalogue
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL
from training.metrics import classification_metrics
from training.procedure import Fitted, can_forward, fit_procedure

#: Fewest conversions a test snapshot must hold for its metrics to mean something.
MIN_TEST_POSITIVES = 10


@dataclass
class Origin:
    """One backtest origin: the moment, the model the procedure made then, and how it did on that moment's leads."""

    moment: pd.Timestamp
    fitted: Fitted
    test: pd.DataFrame  #: the open leads at the origin with ``label`` and the model's ``probability``
    metrics: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """The origin's figures as the run, the model card and the gate read them (full precision)."""
        keys = ("roc_auc", "pr_auc", "log_loss", "brier", "ece", "lift_top10",
                *(k for k in self.metrics if k.startswith("fit_window_only_")))
        return {"origin": self.moment.date().isoformat(), "rows": len(self.test),
                "conversions": int(self.test[LABEL].sum()), **{k: self.metrics[k] for k in keys},
                "evaluation": self.fitted.evaluation, "trees": self.fitted.trees, **self.fitted.params.searched()}


def training_rows(examples: pd.DataFrame, origin: pd.Timestamp, config: TrainConfig) -> pd.DataFrame:
    """The examples whose labels were known at ``origin``."""
    known = examples[AS_OF] <= origin - pd.Timedelta(days=config.horizon_days)
    return examples.loc[known.to_numpy()]


def feasible_origins(examples: pd.DataFrame, config: TrainConfig) -> list[pd.Timestamp]:
    """The latest labelled moments (at most ``backtest_origins``) at which the procedure could have been run
    with a forward calibration and judged on enough conversions."""
    moments = sorted(examples[AS_OF].unique(), reverse=True)
    out = []
    for moment in moments[: config.backtest_origins]:
        moment = pd.Timestamp(moment)
        test = examples[LABEL][(examples[AS_OF] == moment).to_numpy()]
        if test.sum() >= MIN_TEST_POSITIVES and test.sum() < len(test) and \
                can_forward(training_rows(examples, moment, config), config):
            out.append(moment)
    return sorted(out)


def run_backtest(examples: pd.DataFrame, origins: list[pd.Timestamp], catalogue: Catalogue, config: TrainConfig,
                 progress: Callable[[str], None] = lambda _: None) -> list[Origin]:
    """The procedure at each origin, judged on that origin's open leads."""
    results = []
    for moment in origins:
        progress(f"backtest origin {moment.date()}: training on what was labelled by then")
        fitted = fit_procedure(training_rows(examples, moment, config), catalogue, config, progress,
                               evaluation="forward")
        test = examples.loc[(examples[AS_OF] == moment).to_numpy()].copy()
        test["probability"] = fitted.probability(test)
        metrics = classification_metrics(test[LABEL].to_numpy(), test["probability"].to_numpy())
        window = fitted.window_probability(test)
        if window is not None:  # what the model fitted only up to the calibration window would have scored
            before = classification_metrics(test[LABEL].to_numpy(), window)
            metrics.update({f"fit_window_only_{k}": before[k] for k in ("roc_auc", "log_loss", "ece")})
        progress(f"origin {moment.date()}: ROC AUC {metrics['roc_auc']:.3f}, ECE {metrics['ece']:.4f} on "
                 f"{len(test):,} leads ({int(test[LABEL].sum())} converted)")
        results.append(Origin(moment, fitted, test, metrics))
    return results


def spread(origins: list[Origin]) -> dict[str, float]:
    """Mean and standard deviation of each headline metric over the origins."""
    out: dict[str, float] = {}
    for key in ("roc_auc", "pr_auc", "log_loss", "brier", "ece", "lift_top10"):
        values = np.array([o.metrics[key] for o in origins], dtype=np.float64)
        out[f"backtest_mean_{key}"] = float(values.mean())
        out[f"backtest_std_{key}"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    out["backtest_origins"] = float(len(origins))
    return out
