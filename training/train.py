"""Event-mode training: the regime the history allows, the procedure judged by it, the refit that is served.

Pure of MLflow (``training.tracking`` logs what this returns) and of HTTP. The regime is decided from the data
and said in the run, the model card and ``GET /model``:

* **backtest**: enough history for at least two rolling origins (:mod:`training.backtest`); the metrics are
  the latest origin's, forward in time, with every origin's in the run.
* **cross-validated**: shorter history, yet at least ``min_conversions_learned`` labelled conversions; the
  procedure calibrates and is judged by cross-fitting grouped by lead, not forward in time.
* **rules**: too few conversions to learn from: the points model of :mod:`training.rules`, calibrated on
  the user's history.

In the learned regimes the points model is judged on the same leads, and it is served instead when it is
the better of the two (lower log loss): a learned model replaces the rules only when it wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from features.behaviours import ACTIONABLE
from features.catalogue import Catalogue, build_catalogue
from features.contract import CONVERTED_AT, CREATED_AT, LEAD_ID
from scoring.bundle import Mode, ScoringBundle
from scoring.calibration import Calibrator
from scoring.coverage import coverage
from training.backtest import Origin, feasible_origins, run_backtest, spread
from training.baselines import PointsScorecard, logistic_baseline
from training.calibration import CalibrationChoice
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL, build_examples, data_end_of, labelled_moments
from training.leakage import LeakageReport, screen_leakage
from training.metrics import classification_metrics
from training.procedure import Fitted, fit_procedure
from training.rules import CensoredExamples, censored_examples, fit_points_model, read_rules
from training.tiers import choose_grades, choose_tiers

Progress = Callable[[str], None]
Regime = Literal["backtest", "cross-validated", "rules"]
REGIME_TEXT = {
    "backtest": "rolling-origin backtest: each origin's model trained only on what was labelled by then",
    "cross-validated": "short history: calibrated and judged by cross-fitting grouped by lead, not forward in time",
    "rules": "too few conversions to learn from: hand-written point rules calibrated on this history",
}
#: The regime's text when the points model was served because it beat the learned model on its evaluation leads.
RULES_CHOSEN = ("hand-written point rules calibrated on this history: they beat the model learned from it on its "
                "evaluation leads")


@dataclass
class TrainResult:
    """What a training run produced and measured; ``training.tracking`` logs all of it."""

    bundle: ScoringBundle
    regime: Regime
    metrics: dict[str, float]  #: the served procedure on the evaluation leads (latest origin / out of fold)
    baselines: dict[str, dict[str, float]]  #: baseline name → metrics on the same leads
    calibration: CalibrationChoice
    test: pd.DataFrame  #: the evaluation leads: features, label, probability
    origins: list[Origin] = field(default_factory=list)
    search: list[dict[str, float]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    best_iteration: int = 0
    evaluation: str = ""
    windows: dict[str, str] = field(default_factory=dict)
    leakage: LeakageReport | None = None  #: the screen's verdict on the declared extra (or flat) columns
    #: the leads open at the end of the data and at each of the three weeks before it (event mode): what the
    #: model scores first, and what monitoring compares later leads with (:mod:`training.reference`)
    reference: pd.DataFrame = field(default_factory=pd.DataFrame)

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


def baselines_on(train: pd.DataFrame, test: pd.DataFrame, catalogue: Catalogue, config: TrainConfig,
                 mode: Mode = "event") -> dict[str, dict[str, float]]:
    """Logistic regression (and in event mode the hand-made scorecard) fitted on ``train``, judged on ``test``."""
    train = train.sample(min(len(train), 200_000), random_state=config.seed) if len(train) > 200_000 else train
    y_train, y_test = train[LABEL].to_numpy(), test[LABEL].to_numpy()
    numeric = [f.name for f in catalogue if not f.categorical]
    categorical = [f.name for f in catalogue if f.categorical]
    logreg = logistic_baseline(numeric, categorical, config.seed).fit(_lr_frame(train, catalogue), y_train)
    out = {"logreg": classification_metrics(y_test, logreg.predict_proba(_lr_frame(test, catalogue))[:, 1])}
    if mode == "event":
        scorecard = PointsScorecard(catalogue, read_rules(config.rules_file)).fit(train, y_train)
        out["points"] = classification_metrics(y_test, scorecard.predict_proba(test)[:, 1])
    return out


def make_bundle(fitted: Fitted, catalogue: Catalogue, config: TrainConfig, mode: Mode) -> ScoringBundle:
    return ScoringBundle(mode=mode, feature_config=config.features, catalogue=catalogue, encoder=fitted.encoder,
                         model=fitted.booster, calibrator=fitted.calibrator, tiers=fitted.tiers, grades=fitted.grades)


def describe_tiers(bundle: ScoringBundle, y: np.ndarray, probability: np.ndarray, metrics: dict[str, float]) -> None:
    """Each tier's share and conversion rate on the evaluation leads, into the bundle and the metrics."""
    bundle.tiers.describe(y, probability)
    for tier in ("hot", "warm", "cold"):
        metrics[f"conversion_rate_{tier}"] = bundle.tiers.conversion_rate[tier]
        metrics[f"share_{tier}"] = bundle.tiers.share[tier]


@dataclass(frozen=True)
class History:
    """A CRM history as training reads it, wherever its tables live: its span, its examples at given snapshot
    moments, and, when the raw tables are at hand on this machine, the points model and the leakage screen.

    ``examples(moments, config, catalogue, progress)`` is :func:`training.dataset.build_examples` on the
    loaded tables (:func:`local_history`) or the same per bucket on Spark (:mod:`engines.spark_examples`).
    ``points(cutoff, catalogue, config, progress)`` fits the points model on what was known at ``cutoff``;
    ``screen(config)`` screens the declared extra columns and names those that hold text. Either may be
    None, ``unavailable`` saying why."""

    data_start: pd.Timestamp
    data_end: pd.Timestamp
    examples: Callable[[tuple[pd.Timestamp, ...], TrainConfig, Catalogue, Progress], pd.DataFrame]
    points: Callable[[pd.Timestamp, Catalogue, TrainConfig, Progress], tuple[ScoringBundle, Calibrator]] | None = None
    screen: Callable[[TrainConfig], tuple[LeakageReport, tuple[str, ...]]] | None = None
    unavailable: str = ""


def local_history(leads: pd.DataFrame, activities: pd.DataFrame | None, conversions: pd.DataFrame) -> History:
    """The history of the loaded tables on this machine (everything available)."""
    data_start = pd.Timestamp(leads[CREATED_AT].min())
    data_end = data_end_of(leads, activities, conversions)

    def examples(moments: tuple[pd.Timestamp, ...], config: TrainConfig, catalogue: Catalogue,
                 progress: Progress) -> pd.DataFrame:
        return build_examples(leads, activities, conversions, moments, config, catalogue, progress)

    def points(cutoff: pd.Timestamp, catalogue: Catalogue, config: TrainConfig, progress: Progress,
               ) -> tuple[ScoringBundle, Calibrator]:
        if cutoff >= data_end:
            return _points_bundle(leads, activities, conversions, data_end, catalogue, config, progress)
        known = conversions[conversions[CONVERTED_AT] <= cutoff]
        return _points_bundle(leads[leads[CREATED_AT] <= cutoff], activities, known, cutoff, catalogue, config,
                              progress)

    def screen(config: TrainConfig) -> tuple[LeakageReport, tuple[str, ...]]:
        report = screen_extras(leads, conversions, data_end, config)
        text = tuple(c for c in config.features.extra_columns if not pd.api.types.is_numeric_dtype(leads[c]))
        return report, text

    return History(data_start, data_end, examples, points, screen)


def actions_seen(examples: pd.DataFrame) -> list[str]:
    """The buying actions (:data:`features.behaviours.ACTIONABLE`) some training example had done: only of those
    can the model say what one more would do (:mod:`scoring.suggest`)."""
    return [action for action in ACTIONABLE
            if any((examples[c] > 0).any() for c in examples.columns if c.startswith(f"n_{action}_"))]


def train_event(leads: pd.DataFrame, activities: pd.DataFrame | None, conversions: pd.DataFrame,
                config: TrainConfig | None = None, progress: Progress = _quiet) -> TrainResult:
    """Train on a CRM history in the contract's event mode (see the module docstring)."""
    return train_history(local_history(leads, activities, conversions), config, progress)


def train_history(history: History, config: TrainConfig | None = None, progress: Progress = _quiet) -> TrainResult:
    """Train on ``history``: screen the extras, build the examples, choose the regime, fit (see the module
    docstring)."""
    config = config or TrainConfig()
    data_start, data_end = history.data_start, history.data_end
    leakage = None
    if config.features.extra_columns:
        if history.screen is None:
            raise ValueError(f"the extra columns {', '.join(config.features.extra_columns)} cannot be screened for "
                             f"leakage: {history.unavailable}")
        leakage, text = history.screen(config)
        progress(leakage.to_text())
        extras = tuple(c for c in config.features.extra_columns if c not in leakage.excluded)
        categorical = tuple(c for c in extras if c in text)
        config = dataclasses.replace(config, features=dataclasses.replace(
            config.features, extra_columns=extras, extra_categorical=categorical))
    catalogue = build_catalogue(config.features)
    moments = labelled_moments(data_start, data_end, config)
    examples = history.examples(moments, config, catalogue, progress) if moments else pd.DataFrame()
    conversions_seen = int(examples[LABEL].sum()) if len(examples) else 0
    origins = feasible_origins(examples, config) if conversions_seen >= config.min_conversions_learned else []
    windows = {"data_start": data_start.isoformat(), "data_end": data_end.isoformat(),
               "labelled_snapshots": str(len(moments)),
               "first_snapshot": moments[0].isoformat() if moments else "",
               "last_labelled_snapshot": moments[-1].isoformat() if moments else ""}
    if len(origins) >= 2:
        result = _train_backtest(examples, origins, catalogue, config, progress)
    elif conversions_seen >= config.min_conversions_learned:
        result = _train_cross_validated(examples, catalogue, config, progress)
    else:
        progress(f"{conversions_seen} conversions on snapshots whose {config.horizon_days}-day horizon has elapsed "
                 f"(< {config.min_conversions_learned} to learn from; a later conversion counts once its snapshot's "
                 "horizon has passed): the points model")
        if history.points is None:
            raise ValueError(f"{conversions_seen} labelled conversions (< {config.min_conversions_learned}) are too "
                             f"few to learn from and the points model is not available: {history.unavailable}")
        result = _train_rules(history, examples, catalogue, config, progress)
    if result.regime != "rules":
        result = _rules_if_better(result, history, catalogue, config, progress)
    result.windows = windows
    result.leakage = leakage
    result.reference = reference_leads(history, data_end, config, catalogue)
    if len(examples):  # what the model learned from, for scoring to say when a file gives less
        result.bundle.info["coverage"] = coverage(examples, result.bundle.encoder).shares()
        result.bundle.info["actions_seen"] = actions_seen(examples)
    result.bundle.info.update({
        "mode": "event", "horizon_days": config.horizon_days, "regime": result.regime,
        "regime_text": RULES_CHOSEN if "learned" in result.baselines else REGIME_TEXT[result.regime],
        "evaluation": result.evaluation, "windows": windows,
        "data_end": data_end.isoformat(), "metrics": result.metrics,
        "backtest": [o.summary() for o in result.origins], "calibration_method": result.calibration.method,
        "leakage": leakage.to_dict() if leakage else None,
        "tiers": {"hot_threshold": result.bundle.tiers.hot_threshold,
                  "warm_threshold": result.bundle.tiers.warm_threshold,
                  "conversion_rate": result.bundle.tiers.conversion_rate, "share": result.bundle.tiers.share},
    })
    return result


def reference_leads(history: History, data_end: pd.Timestamp, config: TrainConfig, catalogue: Catalogue,
                    ) -> pd.DataFrame:
    """The leads open at the end of the data and at each of the three weeks before it, pooled: what monitoring
    compares later leads with. Four weeks, not one moment: a 7-day count depends on whether a campaign went out
    that week, and one moment's week made it look like drift at any other."""
    moments = tuple(data_end - pd.Timedelta(days=7 * weeks) for weeks in (3, 2, 1, 0))
    moments = tuple(m for m in moments if m > history.data_start)
    return history.examples(moments, config, catalogue, _quiet)


def screen_extras(leads: pd.DataFrame, conversions: pd.DataFrame, data_end: pd.Timestamp,
                  config: TrainConfig) -> LeakageReport:
    """The leakage screen (:mod:`training.leakage`) on the user's declared extra lead columns, out of time.

    An extra column is a value the export holds *now*, possibly written after the outcome (a lead status).
    Each lead whose horizon has elapsed by ``data_end`` counts once: converted within ``horizon_days`` of its
    creation or not, in the order the leads came in. Raises ``ValueError`` when too few leads are labelled
    to measure anything (then no extra column can be trusted either)."""
    horizon = pd.Timedelta(days=config.horizon_days)
    labelled = leads[leads[CREATED_AT] <= data_end - horizon]
    converted_at = conversions.groupby(LEAD_ID)[CONVERTED_AT].min()
    at = labelled[LEAD_ID].map(converted_at)
    y = ((at.notna()) & (at <= labelled[CREATED_AT] + horizon)).to_numpy(dtype=np.int64)
    if len(y) == 0 or y.min() == y.max():
        raise ValueError(f"the extra columns {', '.join(config.features.extra_columns)} cannot be screened for "
                         f"leakage: no lead created {config.horizon_days} days before the data end has both outcomes")
    return screen_leakage(labelled[list(config.features.extra_columns)].reset_index(drop=True), y,
                          keep=config.keep, seed=config.seed, times=labelled[CREATED_AT].to_numpy())


def _train_backtest(examples: pd.DataFrame, origins: list[pd.Timestamp], catalogue: Catalogue, config: TrainConfig,
                    progress: Progress) -> TrainResult:
    judged = run_backtest(examples, origins, catalogue, config, progress)
    latest = judged[-1]
    progress(f"served model: the same procedure on every labelled snapshot up to {examples[AS_OF].max().date()}")
    served = fit_procedure(examples, catalogue, config, progress)
    bundle = make_bundle(served, catalogue, config, "event")
    metrics = {**latest.metrics, **spread(judged)}
    describe_tiers(bundle, latest.test[LABEL].to_numpy(), latest.test["probability"].to_numpy(), metrics)
    train_rows = examples.loc[(examples[AS_OF] <= latest.moment - pd.Timedelta(days=config.horizon_days)).to_numpy()]
    baselines = baselines_on(train_rows, latest.test, catalogue, config)
    _gains(metrics, baselines)
    return TrainResult(bundle, "backtest", metrics, baselines, served.calibration, latest.test, judged,
                       served.search, {**served.rows, "test": len(latest.test)}, served.trees, "forward")


def _train_cross_validated(examples: pd.DataFrame, catalogue: Catalogue, config: TrainConfig,
                           progress: Progress) -> TrainResult:
    served = fit_procedure(examples, catalogue, config, progress, evaluation="cross-fitted")
    bundle = make_bundle(served, catalogue, config, "event")
    y, probability = served.calibration_y, served.calibration_probability
    test = served.calibration_rows.copy()  # type: ignore[union-attr]
    test["probability"] = probability
    metrics = classification_metrics(y, probability)
    describe_tiers(bundle, y, probability, metrics)
    baselines = _cross_fitted_baselines(test, catalogue, config)
    _gains(metrics, baselines)
    return TrainResult(bundle, "cross-validated", metrics, baselines, served.calibration, test, [], served.search,
                       {**served.rows, "test": len(test)}, served.trees, "cross-fitted (grouped by lead)")


def _cross_fitted_baselines(frame: pd.DataFrame, catalogue: Catalogue, config: TrainConfig,
                            ) -> dict[str, dict[str, float]]:
    """The baselines judged out of fold on the same rows, folds grouped by lead as the model's were."""
    from sklearn.model_selection import GroupKFold

    groups = pd.factorize(frame.index)[0]
    folds = min(5, len(np.unique(groups)))
    logreg, points = np.zeros(len(frame)), np.zeros(len(frame))
    numeric = [f.name for f in catalogue if not f.categorical]
    categorical = [f.name for f in catalogue if f.categorical]
    y = frame[LABEL].to_numpy()
    scorecard = PointsScorecard(catalogue, read_rules(config.rules_file))
    for train, held in GroupKFold(n_splits=folds).split(frame, y, groups):
        part, rest = frame.iloc[train], frame.iloc[held]
        if part[LABEL].nunique() < 2:
            continue
        model = logistic_baseline(numeric, categorical, config.seed).fit(_lr_frame(part, catalogue), part[LABEL])
        logreg[held] = model.predict_proba(_lr_frame(rest, catalogue))[:, 1]
        points[held] = scorecard.fit(part, part[LABEL].to_numpy()).predict_proba(rest)[:, 1]
    return {"logreg": classification_metrics(y, logreg), "points": classification_metrics(y, points)}


def _gains(metrics: dict[str, float], baselines: dict[str, dict[str, float]]) -> None:
    for name, values in baselines.items():
        metrics[f"auc_gain_over_{name}"] = metrics["roc_auc"] - values["roc_auc"]


def _points_bundle(leads: pd.DataFrame, activities: pd.DataFrame | None, conversions: pd.DataFrame,
                   data_end: pd.Timestamp, catalogue: Catalogue, config: TrainConfig, progress: Progress,
                   ) -> tuple[ScoringBundle, Calibrator]:
    censored = censored_examples(leads, activities, conversions, data_end, catalogue, config)
    return points_bundle(censored, catalogue, config, progress)


def points_bundle(censored: CensoredExamples, catalogue: Catalogue, config: TrainConfig, progress: Progress,
                  ) -> tuple[ScoringBundle, Calibrator]:
    """The points model fitted on ``censored`` (:func:`training.rules.fit_points_model`) as a scoring bundle,
    its tiers and grades cut on the same rows."""
    model, calibrator, encoder = fit_points_model(censored, read_rules(config.rules_file), catalogue, config, progress)
    X = encoder.transform(censored.features)
    probability = calibrator.probability(model.decision_function(X))
    contributions = model.contributions(X)
    fit_mask = np.array([f.group == "fit" for f in catalogue], dtype=bool)
    bundle = ScoringBundle("event", config.features, catalogue, encoder, model, calibrator,  # type: ignore[arg-type]
                           choose_tiers(probability, config.tiers),
                           choose_grades(contributions[:, -1] + contributions[:, :-1][:, fit_mask].sum(axis=1)))
    return bundle, calibrator


def _train_rules(history: History, examples: pd.DataFrame, catalogue: Catalogue, config: TrainConfig,
                 progress: Progress) -> TrainResult:
    bundle, calibrator = history.points(history.data_end, catalogue, config, progress)  # type: ignore[misc]
    choice = CalibrationChoice(calibrator.method, {}, 0, 0)
    labelled = examples if len(examples) and examples[LABEL].nunique() == 2 else None
    if labelled is None:
        check = _forward_check(history, catalogue, config)
        checked = f"; {check[1]}" if check else ""
        progress(f"no snapshot's horizon has elapsed with both outcomes: the points model is not evaluated on the "
                 f"{config.horizon_days}-day horizon{checked}")
        return TrainResult(bundle, "rules", check[0] if check else {}, {}, choice, pd.DataFrame(),
                           evaluation=f"not evaluated on the {config.horizon_days}-day horizon: no snapshot's "
                                      f"horizon has elapsed yet{checked}")
    test = labelled.copy()
    test["probability"] = bundle.probability(test)
    metrics = classification_metrics(test[LABEL].to_numpy(), test["probability"].to_numpy())
    describe_tiers(bundle, test[LABEL].to_numpy(), test["probability"].to_numpy(), metrics)
    return TrainResult(bundle, "rules", metrics, {}, choice, test, rows={"test": len(test)},
                       evaluation="in sample on the labelled snapshots (the points' slopes and the age hazard "
                                  "were fitted on them)")


def _forward_check(history: History, catalogue: Catalogue, config: TrainConfig,
                   ) -> tuple[dict[str, float], str] | None:
    """The points model as it was fitted ``forward_check_days`` before the end of the data (on what was known
    then), judged on whether the leads open then converted in the days since: a shorter horizon than the
    model's, but forward in time, where a history with no elapsed horizon gives nothing else. None where the
    history before that moment is under two weeks or the leads open then had under 5 conversions since."""
    days = config.forward_check_days
    moment = (history.data_end - pd.Timedelta(days=days)).floor("D")
    if history.points is None or moment - history.data_start < pd.Timedelta(days=14):
        return None
    opened = history.examples((moment,), dataclasses.replace(config, horizon_days=days), catalogue, _quiet)
    if opened.empty or opened[LABEL].sum() < 5 or opened[LABEL].nunique() < 2:
        return None
    then, _ = history.points(moment, catalogue, config, _quiet)
    checked = dataclasses.replace(then, model=dataclasses.replace(then.model, horizon_days=float(days)))
    y, p = opened[LABEL].to_numpy(), checked.probability(opened)
    measured = classification_metrics(y, p)
    metrics = {"leads": float(len(y)), "conversions": float(y.sum()), "expected": float(p.sum()),
               "roc_auc": measured["roc_auc"], "ece": measured["ece"], "brier": measured["brier"],
               "brier_base_rate": float(np.mean((y - y.mean()) ** 2)), "days": float(days)}
    said = (f"checked forward instead: of {len(y):,} leads open on {moment.date()}, {int(y.sum())} converted in the "
            f"next {days} days, where the points model fitted on what was known then expected {p.sum():.1f} "
            f"(ROC AUC {measured['roc_auc']:.3f}, ECE {measured['ece']:.4f} on that {days}-day horizon)")
    return {f"forward_check_{k}": v for k, v in metrics.items()}, said


def _rules_if_better(result: TrainResult, history: History, catalogue: Catalogue, config: TrainConfig,
                     progress: Progress) -> TrainResult:
    """The points model judged on the learned model's evaluation leads; served instead when it does better."""
    if history.points is None:
        progress(f"points model not compared: {history.unavailable}")
        return result
    try:
        cutoff = result.origins[-1].moment if result.origins else history.data_end
        rules_bundle, _ = history.points(cutoff, catalogue, config, _quiet)
    except ValueError as exc:
        progress(f"points model not compared: {exc}")
        return result
    y = result.test[LABEL].to_numpy()
    rules = classification_metrics(y, rules_bundle.probability(result.test))
    result.baselines["rules"] = rules
    result.metrics["auc_gain_over_rules"] = result.metrics["roc_auc"] - rules["roc_auc"]
    if rules["log_loss"] < result.metrics["log_loss"]:
        progress(f"the points model beats the learned model (log loss {rules['log_loss']:.4f} < "
                 f"{result.metrics['log_loss']:.4f}): it is served")
        bundle, calibrator = history.points(history.data_end, catalogue, config, progress)
        test = result.test.copy()
        test["probability"] = rules_bundle.probability(test)
        describe_tiers(bundle, y, test["probability"].to_numpy(), rules)
        return TrainResult(bundle, "rules", rules, {"learned": result.metrics, **result.baselines},
                           CalibrationChoice(calibrator.method, {}, 0, 0), test, result.origins, result.search,
                           result.rows, 0, f"points model chosen over the learned one ({result.evaluation})")
    return result


def truth_gap(result: TrainResult, truth: pd.DataFrame) -> dict[str, Any]:
    """The model's AUC next to the truth file's on the same leads: how far from the best achievable."""
    from sklearn.metrics import roc_auc_score

    if result.test.empty:
        return {}
    latest = result.test[result.test[AS_OF] == result.test[AS_OF].max()] if AS_OF in result.test else result.test
    joined = latest[["probability", LABEL]].join(truth.set_index("lead_id")["true_probability"], how="inner")
    if joined.empty or joined[LABEL].nunique() < 2:
        return {}
    model_auc = float(roc_auc_score(joined[LABEL], joined["probability"]))
    truth_auc = float(roc_auc_score(joined[LABEL], joined["true_probability"]))
    return {"truth_auc": truth_auc, "model_auc_on_truth_leads": model_auc, "auc_gap_to_truth": truth_auc - model_auc,
            "truth_rows": float(len(joined))}
