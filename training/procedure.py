"""The training procedure: labelled examples in, a fitted booster with its calibration, tiers and grades out.

The same procedure produces every model leadscore judges or serves: each backtest origin's model
(:mod:`training.backtest`) and the served model, refitted on everything labelled. So what the backtest
measures is exactly what is served, only trained later.

How the calibrator avoids in-sample margins (a booster is always overconfident on rows it was fitted on):

* **forward** (history long enough): a *calibration booster* is fitted on the snapshots whose labels were
  known before the latest ``calibration_snapshots`` moments (a full horizon earlier) and scores those
  moments: out-of-time margins, as the model meets leads once deployed. The calibrator, the tier cut-offs and
  the settings search are fitted on them. The served booster is then refitted on every snapshot with the
  chosen settings and the calibration booster's number of trees (a tenth more for the added data).
* **cross-fitted** (shorter history): margins come from K boosters each fitted without one group of leads
  (grouped by lead, since a lead appears in several snapshots): cross-validated, not forward in time, and
  said so (Platt 1999; the cross-fitting of scikit-learn's ``CalibratedClassifierCV(ensemble=False)``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss
from sklearn.model_selection import GroupKFold, StratifiedKFold

from features.catalogue import Catalogue
from scoring.booster import LeadBooster
from scoring.calibration import Calibrator, SigmoidCalibrator
from scoring.encoding import FeatureEncoder
from scoring.tiers import Grades, Tiers
from training.calibration import CalibrationChoice, fit_calibrator
from training.config import BoosterParams, TrainConfig
from training.dataset import AS_OF, LABEL
from training.model import fit_booster
from training.tiers import choose_grades, choose_tiers

Progress = Callable[[str], None]
Evaluation = Literal["forward", "cross-fitted"]

#: Fewest conversions the boosters that produce calibration margins must learn from (else: cross-fitting).
MIN_FIT_POSITIVES = 20
#: Fewest conversions the calibration margins must hold for a forward calibration.
MIN_CALIBRATION_POSITIVES = 15
_FOLDS = 5


class ProcedureError(ValueError):
    """The examples cannot train a model (one class only, or nothing labelled)."""


@dataclass
class Fitted:
    """What the procedure produced, and how it chose."""

    encoder: FeatureEncoder
    booster: LeadBooster
    calibrator: Calibrator
    calibration: CalibrationChoice
    tiers: Tiers
    grades: Grades
    params: BoosterParams
    trees: int
    evaluation: Evaluation
    #: out-of-time (forward) or out-of-fold (cross-fitted) calibrated probabilities of the calibration rows
    calibration_probability: np.ndarray
    calibration_y: np.ndarray
    search: list[dict[str, float]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    #: the examples the calibration probabilities belong to (cross-fitted: the held-out rows, in order)
    calibration_rows: pd.DataFrame | None = None
    #: forward: the booster fitted only up to a horizon before the calibration window (what used to be served)
    window_booster: LeadBooster | None = None
    #: the latest snapshot moment among the examples the procedure learned from
    last_moment: pd.Timestamp | None = None

    def window_probability(self, frame: pd.DataFrame) -> np.ndarray | None:
        """The fit-window-only model's probabilities (same calibrator), to show what the refit adds."""
        if self.window_booster is None:
            return None
        return self.calibrator.probability(self.window_booster.decision_function(self.encoder.transform(frame)))

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        return self.calibrator.probability(self.booster.decision_function(self.encoder.transform(frame)))


def forward_split(moments: np.ndarray, config: TrainConfig) -> tuple[np.ndarray, np.ndarray] | None:
    """The calibration moments (the latest ``calibration_snapshots``) and the moments whose labels were
    known before the first of them; None when there are no such earlier moments."""
    moments = np.sort(moments)
    if len(moments) < config.calibration_snapshots + 1:
        return None
    calibration = moments[-config.calibration_snapshots:]
    earlier = moments[moments <= calibration[0] - np.timedelta64(config.horizon_days, "D")]
    return (earlier, calibration) if len(earlier) else None


def can_forward(examples: pd.DataFrame, config: TrainConfig) -> bool:
    """Whether the examples allow a forward calibration with enough conversions on both sides."""
    split = forward_split(examples[AS_OF].unique(), config) if AS_OF in examples else None
    if split is None:
        return False
    earlier, calibration = split
    y, as_of = examples[LABEL], examples[AS_OF]
    return (int(y[as_of.isin(earlier)].sum()) >= MIN_FIT_POSITIVES
            and int(y[as_of.isin(calibration)].sum()) >= MIN_CALIBRATION_POSITIVES)


Folds = list[tuple[np.ndarray, np.ndarray]]


def fit_procedure(examples: pd.DataFrame, catalogue: Catalogue, config: TrainConfig,
                  progress: Progress = lambda _: None, evaluation: Evaluation | None = None,
                  folds: Folds | None = None) -> Fitted:
    """Fit the whole procedure on labelled examples (features + ``as_of`` + ``label``, indexed by lead id).

    ``evaluation``: force ``forward`` or ``cross-fitted``; by default forward when :func:`can_forward`.
    ``folds``: the cross-fitting's (fit rows, held rows) positions when the caller has its own (flat mode's
    forward-in-time blocks); by default five folds grouped by lead."""
    y = examples[LABEL].to_numpy()
    if y.sum() == 0 or y.sum() == len(y):
        raise ProcedureError(f"{int(y.sum())} conversions among {len(y)} examples: a model needs both outcomes")
    evaluation = evaluation or ("forward" if can_forward(examples, config) else "cross-fitted")
    encoder = _encoder(catalogue, config).fit(examples)
    monotone = [f.monotone for f in catalogue]
    if evaluation == "forward":
        fitted = _fit_forward(examples, encoder, monotone, catalogue, config, progress)
    else:
        fitted = _fit_cross(examples, encoder, monotone, catalogue, config, progress, folds)
    fitted.last_moment = pd.Timestamp(examples[AS_OF].max()) if AS_OF in examples else None
    return fitted


def _encoder(catalogue: Catalogue, config: TrainConfig) -> FeatureEncoder:
    categorical = tuple(f.name for f in catalogue if f.categorical)
    missing_as = tuple((f.name, f.missing_as) for f in catalogue if f.missing_as is not None)
    return FeatureEncoder(tuple(catalogue.names), categorical, config.rare_category_min_count, missing_as)


def _sample(frame: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most ``limit`` rows, drawn at random (seeded) in their original order."""
    if len(frame) <= limit:
        return frame
    keep = np.sort(np.random.default_rng(seed).choice(len(frame), limit, replace=False))
    return frame.iloc[keep]


def _validation_rows(frame: pd.DataFrame, seed: int) -> np.ndarray:
    """Early stopping's rows: the latest sixth of the moments, or a fifth of the leads when there is one moment."""
    moments = np.sort(frame[AS_OF].unique()) if AS_OF in frame else np.zeros(1)
    if len(moments) > 1:
        return frame[AS_OF].isin(moments[-max(1, len(moments) // 6):]).to_numpy()
    leads = frame.index.unique()
    chosen = leads[np.random.default_rng(seed).permutation(len(leads))[: max(1, len(leads) // 5)]]
    return frame.index.isin(chosen)


def _fit(frame: pd.DataFrame, X: np.ndarray, encoder: FeatureEncoder, monotone: list[int], params: BoosterParams,
         seed: int, trees: int | None = None) -> LeadBooster:
    """One booster on ``frame`` (encoded as ``X``): with early stopping on the latest rows, or with exactly
    ``trees`` trees on all rows."""
    y = frame[LABEL].to_numpy()
    rows = len(frame)
    leaf = max(params.min_child_samples_floor, round(params.min_child_share * rows))
    sized = replace(params, min_child_samples=leaf)
    if trees is not None:
        return fit_booster(X, y, None, None, encoder.categorical_index_, replace(sized, n_estimators=trees), seed,
                           monotone)
    held = _validation_rows(frame, seed)
    if held.all() or not held.any() or y[held].sum() == 0 or y[~held].sum() == 0:
        held = np.zeros(len(frame), dtype=bool)
        held[np.random.default_rng(seed).permutation(len(frame))[: max(1, len(frame) // 5)]] = True
    return fit_booster(X[~held], y[~held], X[held], y[held], encoder.categorical_index_, sized, seed, monotone)


def _calibrated_log_loss(margin: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Log loss of margins after a Platt map fitted on the other half (so a candidate's score is out of sample)."""
    folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=seed)
    losses = []
    for a, b in folds.split(margin.reshape(-1, 1), y):
        p = np.clip(SigmoidCalibrator.fit(margin[a], y[a]).probability(margin[b]), 1e-6, 1 - 1e-6)
        losses.append(log_loss(y[b], p, labels=[0, 1]) * len(b))
    return float(sum(losses) / len(y))


def _say_stopped(tried: int, candidates: int, config: TrainConfig, progress: Progress) -> None:
    """Say where the search stopped; a time budget's stop depends on how busy the machine is, so say how to make
    the choice the same everywhere."""
    if config.search_count is not None:
        return
    progress(f"settings search stopped after {tried} of {candidates} candidates (budget {config.search_seconds:g} s; "
             f"how many fit in it depends on this machine's load: --search-candidates {tried} tries the same ones on "
             "any machine)")


def _warn_single_setting(tried: int, candidates: int, config: TrainConfig, progress: Progress) -> None:
    """Say so when the time budget let the search try one setting of several: nothing was chosen on the data."""
    if tried == 1 and candidates > 1 and config.search_count is None:
        progress(f"warning: the settings search tried 1 of {candidates} booster settings in its "
                 f"{config.search_seconds:g} s budget, so the model uses the default settings, not ones chosen on "
                 "this data; give a larger --search-seconds")


def _fit_forward(examples: pd.DataFrame, encoder: FeatureEncoder, monotone: list[int], catalogue: Catalogue,
                 config: TrainConfig, progress: Progress) -> Fitted:
    split = forward_split(examples[AS_OF].unique(), config)
    assert split is not None
    earlier, moments = split
    as_of = examples[AS_OF]
    fit_rows = _sample(examples.loc[as_of.isin(earlier).to_numpy()], config.search_rows, config.seed)
    calibration = examples.loc[as_of.isin(moments).to_numpy()]
    y_cal = calibration[LABEL].to_numpy()
    X_cal = encoder.transform(calibration)
    progress(f"settings search: boosters on {len(fit_rows):,} examples up to {pd.Timestamp(earlier[-1]).date()}, "
             f"judged on {len(calibration):,} of {', '.join(str(pd.Timestamp(m).date()) for m in moments)}")
    X_fit = encoder.transform(fit_rows)
    best, table = None, []
    started = time.monotonic()
    candidates = config.search_candidates()
    for candidate in candidates:
        if config.search_done(len(table), time.monotonic() - started):
            _say_stopped(len(table), len(candidates), config, progress)
            break
        booster = _fit(fit_rows, X_fit, encoder, monotone, candidate, config.seed)
        margin = booster.decision_function(X_cal)
        score = _calibrated_log_loss(margin, y_cal, config.seed)
        trees = int(booster.best_iteration_ or booster.n_estimators)
        table.append({**candidate.searched(), "trees": float(trees), "log_loss": score})
        if best is None or score < best[0] - 1e-6:
            best = (score, candidate, booster, margin, trees)
    assert best is not None
    _warn_single_setting(len(table), len(candidates), config, progress)
    _, params, window_booster, margin, trees = best
    calibrator, choice = fit_calibrator(margin, y_cal, config.seed)
    probability = calibrator.probability(margin)
    final_trees = max(10, round(trees * 1.1))
    everything = _sample(examples, config.max_fit_rows, config.seed)
    progress(f"refitting on all {len(everything):,} labelled examples up to {pd.Timestamp(as_of.max()).date()} "
             f"({final_trees} trees, {params.describe()})")
    booster = _fit(everything, encoder.transform(everything), encoder, monotone, params, config.seed,
                   trees=final_trees)
    fitted = _finish(encoder, booster, calibrator, choice, params, final_trees, "forward", probability, y_cal,
                     examples, catalogue, config, table, {"fit": len(fit_rows), "calibration": len(calibration),
                                                          "refit": len(everything)})
    fitted.window_booster = window_booster
    return fitted


def _fit_cross(examples: pd.DataFrame, encoder: FeatureEncoder, monotone: list[int], catalogue: Catalogue,
               config: TrainConfig, progress: Progress, splits: Folds | None = None) -> Fitted:
    frame = examples if splits is not None else _sample(examples, config.max_fit_rows, config.seed)
    y = frame[LABEL].to_numpy()
    if splits is None:
        groups = pd.factorize(frame.index)[0]
        folds = min(_FOLDS, len(np.unique(groups)), int(y.sum()), int(len(y) - y.sum()))
        if folds < 2:
            raise ProcedureError(f"{int(y.sum())} conversions among {len(y)} examples: too few to cross-fit a model")
        splits = list(GroupKFold(n_splits=folds).split(frame, y, groups))
        progress(f"{folds}-fold cross-fitting grouped by lead on {len(frame):,} examples")
    held_rows = np.sort(np.concatenate([held for _, held in splits]))
    X = encoder.transform(frame)
    best, table = None, []
    started = time.monotonic()
    candidates = config.search_candidates()
    for candidate in candidates:
        if config.search_done(len(table), time.monotonic() - started):
            _say_stopped(len(table), len(candidates), config, progress)
            break
        margin = np.full(len(frame), np.nan)
        trees = []
        for train, held in splits:
            booster = _fit(frame.iloc[train], X[train], encoder, monotone, candidate, config.seed)
            margin[held] = booster.decision_function(X[held])
            trees.append(int(booster.best_iteration_ or booster.n_estimators))
        score = _calibrated_log_loss(margin[held_rows], y[held_rows], config.seed)
        table.append({**candidate.searched(), "trees": float(np.mean(trees)), "log_loss": score})
        if best is None or score < best[0] - 1e-6:
            best = (score, candidate, margin, round(np.mean(trees)))
    assert best is not None
    _warn_single_setting(len(table), len(candidates), config, progress)
    _, params, margin, trees = best
    calibrator, choice = fit_calibrator(margin[held_rows], y[held_rows], config.seed)
    final_trees = max(10, round(trees * 1.1))
    booster = _fit(frame, X, encoder, monotone, params, config.seed, trees=final_trees)
    fitted = _finish(encoder, booster, calibrator, choice, params, final_trees, "cross-fitted",
                     calibrator.probability(margin[held_rows]), y[held_rows], examples, catalogue, config, table,
                     {"fit": len(frame), "calibration": len(held_rows), "refit": len(frame)})
    fitted.calibration_rows = frame.iloc[held_rows]
    return fitted


def _finish(encoder: FeatureEncoder, booster: LeadBooster, calibrator: Calibrator, choice: CalibrationChoice,
            params: BoosterParams, trees: int, evaluation: Evaluation, probability: np.ndarray, y: np.ndarray,
            examples: pd.DataFrame, catalogue: Catalogue, config: TrainConfig, table: list[dict[str, float]],
            rows: dict[str, int]) -> Fitted:
    """Tiers from the out-of-sample probabilities; grades from the fit part of the latest snapshot's explanation."""
    tiers = choose_tiers(probability, config.tiers)
    latest = examples.loc[(examples[AS_OF] == examples[AS_OF].max()).to_numpy()] if AS_OF in examples else examples
    latest = _sample(latest, 50_000, config.seed)
    fit_mask = np.array([f.group == "fit" for f in catalogue], dtype=bool)
    contributions = booster.contributions(encoder.transform(latest))
    grades = choose_grades(contributions[:, -1] + contributions[:, :-1][:, fit_mask].sum(axis=1))
    return Fitted(encoder, booster, calibrator, choice, tiers, grades, params, trees, evaluation, probability, y,
                  table, rows)
