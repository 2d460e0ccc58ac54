"""Event-mode training: snapshots → booster → calibrator → tiers → evaluation against baselines.

Pure of MLflow (``training.tracking`` logs what this returns) and of HTTP. Every step reads its
inputs and returns new objects; nothing passed in is mutated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.catalogue import Catalogue, build_catalogue
from features.contract import CREATED_AT
from scoring.bundle import Mode, ScoringBundle
from scoring.encoding import FeatureEncoder
from training.baselines import PointsScorecard, logistic_baseline
from training.calibration import CalibrationChoice, fit_calibrator
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL, Windows, build_examples, data_end_of, plan_windows
from training.metrics import classification_metrics
from training.model import fit_booster
from training.tiers import choose_grades, choose_tiers

Progress = Callable[[str], None]


@dataclass
class TrainResult:
    """What a training run produced and measured; ``training.tracking`` logs all of it."""

    bundle: ScoringBundle
    windows: Windows | None
    metrics: dict[str, float]  # the model on the test window
    baselines: dict[str, dict[str, float]]  # baseline name → metrics on the same test window
    calibration: CalibrationChoice
    test: pd.DataFrame  # test-window examples: features, label, probability
    rows: dict[str, int] = field(default_factory=dict)
    best_iteration: int = 0

    @property
    def test_matrix(self) -> np.ndarray:
        return self.bundle.matrix(self.test)


def _quiet(_: str) -> None:
    return None


def _lr_frame(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The logistic baseline's input: categories as strings with an explicit 'missing' level."""
    out = frame[catalogue.names].copy()
    for feature in catalogue:
        if feature.categorical:
            out[feature.name] = out[feature.name].astype(object).where(out[feature.name].notna(), "missing").astype(str)
        else:
            out[feature.name] = out[feature.name].astype(np.float64)
    return out


def fit_and_evaluate(
    fit: pd.DataFrame,
    calibration: pd.DataFrame,
    test: pd.DataFrame,
    catalogue: Catalogue,
    config: TrainConfig,
    progress: Progress = _quiet,
    mode: Mode = "event",
) -> tuple[ScoringBundle, dict[str, float], dict[str, dict[str, float]], CalibrationChoice, pd.DataFrame, int]:
    """The model and its baselines on prepared example frames (shared by event and flat mode).

    The hand-made points scorecard is only a baseline in event mode: a flat table has none of the
    columns it gives points for."""
    categorical = tuple(f.name for f in catalogue if f.categorical)
    missing_as = tuple((f.name, f.missing_as) for f in catalogue if f.missing_as is not None)
    encoder = FeatureEncoder(tuple(catalogue.names), categorical, config.rare_category_min_count, missing_as).fit(fit)

    # early stopping on the latest slice of the fit window (by time when there is one)
    if AS_OF in fit.columns and fit[AS_OF].nunique() > 1:
        moments = np.sort(fit[AS_OF].unique())
        n_val = max(1, len(moments) // 6)
        is_val = fit[AS_OF].isin(moments[-n_val:]).to_numpy()
    else:
        is_val = np.random.default_rng(config.seed).random(len(fit)) < 0.15
    X_fit = encoder.transform(fit)
    y_fit = fit[LABEL].to_numpy()
    progress(f"fitting LightGBM on {int((~is_val).sum()):,} rows (early stopping on {int(is_val.sum()):,})")
    model = fit_booster(X_fit[~is_val], y_fit[~is_val], X_fit[is_val], y_fit[is_val], encoder.categorical_index_,
                        config.booster, config.seed, [f.monotone for f in catalogue])

    X_cal, y_cal = encoder.transform(calibration), calibration[LABEL].to_numpy()
    progress(f"calibrating on {len(y_cal):,} rows of the calibration window")
    calibrator, choice = fit_calibrator(model.decision_function(X_cal), y_cal, config.seed)
    tiers = choose_tiers(calibrator.probability(model.decision_function(X_cal)), config.tiers)
    # grade cut-offs are quartiles of the fit part of the explanation: 50k rows pin a quartile down to
    # well under a percentile, and explaining the whole window would cost more than fitting the booster
    sample = np.random.default_rng(config.seed).permutation(len(X_cal))[:50_000]
    fit_mask = np.array([f.group == "fit" for f in catalogue], dtype=bool)
    contributions = model.contributions(X_cal[sample])
    grades = choose_grades(contributions[:, -1] + contributions[:, :-1][:, fit_mask].sum(axis=1))

    X_test, y_test = encoder.transform(test), test[LABEL].to_numpy()
    p_test = calibrator.probability(model.decision_function(X_test))
    tiers.describe(y_test, p_test)
    metrics = classification_metrics(y_test, p_test)
    for tier in ("hot", "warm", "cold"):
        metrics[f"conversion_rate_{tier}"] = tiers.conversion_rate[tier]
        metrics[f"share_{tier}"] = tiers.share[tier]

    progress("fitting baselines (points scorecard, logistic regression)")
    numeric = [f.name for f in catalogue if not f.categorical]
    logreg = logistic_baseline(numeric, list(categorical), config.seed).fit(_lr_frame(fit, catalogue), y_fit)
    baselines = {"logreg": classification_metrics(y_test, logreg.predict_proba(_lr_frame(test, catalogue))[:, 1])}
    if mode == "event":
        scorecard = PointsScorecard().fit(calibration, y_cal)
        baselines["points"] = classification_metrics(y_test, scorecard.predict_proba(test)[:, 1])
    for name, values in baselines.items():
        metrics[f"auc_gain_over_{name}"] = metrics["roc_auc"] - values["roc_auc"]

    bundle = ScoringBundle(
        mode=mode,
        feature_config=config.features,
        catalogue=catalogue,
        encoder=encoder,
        model=model,
        calibrator=calibrator,
        tiers=tiers,
        grades=grades,
    )
    scored = test.copy()
    scored["probability"] = p_test
    return bundle, metrics, baselines, choice, scored, int(model.best_iteration_ or model.n_estimators)


def train_event(
    leads: pd.DataFrame,
    activities: pd.DataFrame | None,
    conversions: pd.DataFrame,
    config: TrainConfig | None = None,
    progress: Progress = _quiet,
) -> TrainResult:
    """Train on a CRM history in the contract's event mode (see ``training.dataset`` for the split)."""
    config = config or TrainConfig()
    if config.features.extra_columns:
        categorical = tuple(c for c in config.features.extra_columns
                            if not pd.api.types.is_numeric_dtype(leads[c]))
        config = dataclasses.replace(config, features=dataclasses.replace(config.features,
                                                                          extra_categorical=categorical))
    catalogue = build_catalogue(config.features)
    data_end = data_end_of(leads, activities, conversions)
    windows = plan_windows(pd.Timestamp(leads[CREATED_AT].min()), data_end, config)
    progress(f"windows: fit {windows.fit[0].date()}…{windows.fit[-1].date()} ({len(windows.fit)} snapshots), "
             f"calibrate {', '.join(str(t.date()) for t in windows.calibration)}, test {windows.test.date()}")

    every = (*windows.fit, *windows.calibration, windows.test)
    examples = build_examples(leads, activities, conversions, every, config, catalogue, progress)
    as_of = examples[AS_OF]
    fit = examples.loc[as_of.isin(windows.fit).to_numpy()]
    calibration = examples.loc[as_of.isin(windows.calibration).to_numpy()]
    test = examples.loc[(as_of == windows.test).to_numpy()]
    if len(fit) > config.max_fit_rows:
        keep = np.sort(np.random.default_rng(config.seed).choice(len(fit), config.max_fit_rows, replace=False))
        fit = fit.iloc[keep]
    for name, part in (("fit", fit), ("calibration", calibration), ("test", test)):
        positives = int(part[LABEL].sum())
        if positives == 0 or positives == len(part):
            raise ValueError(f"the {name} window has {positives} conversions among {len(part)} open leads: "
                             "a model cannot be fitted or judged on a single class")

    bundle, metrics, baselines, choice, scored, best = fit_and_evaluate(fit, calibration, test, catalogue, config,
                                                                         progress)
    bundle.info.update({
        "mode": "event",
        "horizon_days": config.horizon_days,
        "windows": windows.as_dict(),
        "metrics": metrics,
        "calibration_method": choice.method,
        "tiers": {"hot_threshold": bundle.tiers.hot_threshold, "warm_threshold": bundle.tiers.warm_threshold,
                  "conversion_rate": bundle.tiers.conversion_rate, "share": bundle.tiers.share},
    })
    rows = {"fit": len(fit), "calibration": len(calibration), "test": len(test)}
    return TrainResult(bundle, windows, metrics, baselines, choice, scored, rows, best)


def truth_gap(result: TrainResult, truth: pd.DataFrame) -> dict[str, Any]:
    """The model's AUC next to the truth file's on the same leads: how far from the best achievable."""
    from sklearn.metrics import roc_auc_score

    joined = result.test[["probability", LABEL]].join(truth.set_index("lead_id")["true_probability"], how="inner")
    if joined.empty or joined[LABEL].nunique() < 2:
        return {}
    model_auc = float(roc_auc_score(joined[LABEL], joined["probability"]))
    truth_auc = float(roc_auc_score(joined[LABEL], joined["true_probability"]))
    return {"truth_auc": truth_auc, "model_auc_on_truth_leads": model_auc, "auc_gap_to_truth": truth_auc - model_auc,
            "truth_rows": float(len(joined))}
