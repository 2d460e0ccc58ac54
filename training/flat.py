"""Flat mode: train on any one-row-per-lead export with a 0/1 outcome column (``leadscore train --table``).

    table ──load_flat_table──▶ features, label, ids, times (a date or an ordering number)
        ──leakage screen (training.leakage)──▶ leaky columns excluded unless --keep
        ──flat catalogue──▶ one feature per remaining column
        ──cross-fitting (flat_folds: forward in time with --time, else stratified)──▶ out-of-fold margins:
          the settings search, the calibrator, the tiers and every metric come from them
        ──training.procedure──▶ the served booster refitted on every row, with the out-of-fold calibrator
        ──training.tracking.log_and_register──▶ MLflow run, leakage_report.json, registered version

The bundle's ``info`` says how to score such a table again: ``mode="flat"``, the ``id_column`` results
are keyed by, the ``label``, and the ``dropped`` columns (``--drop`` plus excluded leaks), which
``serving.batch.score_flat_file`` reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from features.catalogue import Catalogue, Feature, Group
from features.loading import FlatData, load_flat_table
from scoring.coverage import coverage
from training.baselines import logistic_baseline
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL
from training.leakage import LeakageReport, screen_leakage
from training.metrics import classification_metrics
from training.procedure import fit_procedure
from training.registry import configure
from training.tracking import ChampionFeatures, ChampionNotComparable, LoggedRun, log_and_register, training_run
from training.train import TrainResult, _lr_frame, describe_tiers, make_bundle

Progress = Callable[[str], None]

FOLDS = 5

#: Words in a column name that say the column records what the lead *did* (engagement) rather than who
#: it is (fit). Matched case-insensitively anywhere in the name, English and German: visits / Besuche,
#: time spent / Verweildauer, page views / Seitenaufrufe, clicks / Klicks, opens (opened e-mails) /
#: geöffnet, downloads, activity / Aktivität (so also "last activity"), sessions, webinar attendance.
#: "view" only as a word of its own or in "page view(s)", so "Interview" is not engagement. A name with
#: none of these words is a fit attribute (channel, occupation, country, form answers). The split only
#: decides which of the two scores (fit / engagement) a column's points count towards and the grade.
ENGAGEMENT_WORDS = re.compile(
    r"visit|besuch|time[\s_-]*spent|time[\s_-]*on[\s_-]*(site|page|website)|verweildauer|page[\s_-]*views?"
    r"|\bviews?\b|seitenaufruf|click|klick|open|geöffnet|download|activit|aktivit|session|webinar|attend",
    re.IGNORECASE,
)
_RESERVED = (LABEL, AS_OF, "probability")  # columns the training frames add




def feature_group(column: str) -> Group:
    """``engagement`` when the column name suggests behaviour (see :data:`ENGAGEMENT_WORDS`), else ``fit``."""
    return "engagement" if ENGAGEMENT_WORDS.search(column) else "fit"


def _template(column: str) -> str:
    return column.replace("{", "{{").replace("}", "}}")  # a brace in a column name is text, not a field


def flat_feature(column: str, numeric: bool, min_count: int = 30) -> Feature:
    """The catalogue entry of one table column: its reason reads "TotalVisits: 5" / "Lead Source: Google"."""
    name = _template(column)
    if numeric:
        description = {
            "en": f"Column `{column}` of the lead table, as a number (empty stays empty: the model learns what a "
                  "missing value means).",
            "de": f"Spalte `{column}` der Lead-Tabelle als Zahl (leer bleibt leer: das Modell lernt, was ein "
                  "fehlender Wert bedeutet).",
        }
    else:
        description = {
            "en": f"Column `{column}` of the lead table, as a category (values seen fewer than {min_count} times "
                  "in training count as 'other').",
            "de": f"Spalte `{column}` der Lead-Tabelle als Kategorie (Werte, die im Training seltener als "
                  f"{min_count}-mal vorkamen, zählen als 'sonstige').",
        }
    return Feature(
        name=column,
        group=feature_group(column),
        kind="number" if numeric else "category",
        description=description,
        text={"en": f"{name}: {{value}}", "de": f"{name}: {{value}}"},
        text_missing={"en": f"{name}: not given", "de": f"{name}: keine Angabe"},
    )


def flat_catalogue(features: pd.DataFrame, min_count: int = 30) -> Catalogue:
    """One feature per column, in the table's order: ``number`` for a numeric dtype, else ``category``."""
    return Catalogue(tuple(
        flat_feature(column, pd.api.types.is_numeric_dtype(features[column])
                     and not pd.api.types.is_bool_dtype(features[column]), min_count)
        for column in features.columns
    ))


# --------------------------------------------------------------------------------------------------
# Training


@dataclass
class FlatTraining:
    """A flat-mode training, before MLflow: the result ``log_and_register`` takes, plus what flat mode adds."""

    result: TrainResult
    leakage: LeakageReport
    held: np.ndarray  #: positions of the rows with an out-of-fold probability (the evaluation rows), ascending
    constant: list[str]  #: columns with one value (or only missing) in the fit split: nothing to learn


def _check_names(features: pd.DataFrame, drop: Sequence[str], keep: Sequence[str]) -> None:
    both = sorted(set(drop) & set(keep))
    if both:
        raise ValueError(f"column(s) both dropped and kept: {', '.join(map(repr, both))}")
    reserved = [c for c in _RESERVED if c in features.columns]
    if reserved:
        raise ValueError(f"column(s) {', '.join(map(repr, reserved))} clash with names training uses; "
                         "rename them in the export or --drop them")


def _index_name(id_column: str | None, features: pd.DataFrame) -> str:
    name = id_column or "row"
    return name if name not in features.columns else f"_{name}"


def flat_folds(label: np.ndarray, times: pd.Series | None, seed: int) -> tuple[list[tuple[np.ndarray, np.ndarray]],
                                                                              str]:
    """The cross-fitting folds of a flat table: with ``times``, forward in time (the rows ordered by time cut into
    five blocks; each block held out from a model fitted on the blocks before it, so no lead is judged by a model
    that saw later leads); without, five stratified folds (same conversion rate in each), seeded."""
    n = len(label)
    if times is not None:
        blocks = np.array_split(np.argsort(times.to_numpy(), kind="stable"), FOLDS)
        folds = [(np.sort(np.concatenate(blocks[:k])), np.sort(blocks[k])) for k in range(1, FOLDS)]
        return [(fit, held) for fit, held in folds if label[fit].min() != label[fit].max()], "forward in time"
    splits = min(FOLDS, int(label.sum()), int(n - label.sum()))
    if splits < 2:
        raise ValueError(f"cannot cross-fit {n} leads with {int(label.sum())} converted: both outcomes needed twice")
    return list(StratifiedKFold(n_splits=splits, shuffle=True, random_state=seed).split(np.zeros(n), label)), \
        "stratified"


def train_flat(
    data: FlatData,
    config: TrainConfig,
    *,
    label: str,
    id_column: str | None = None,
    time_column: str | None = None,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    progress: Progress = lambda _: None,
) -> FlatTraining:
    """Screen for leaks, cross-fit, and fit the served model on every row (no MLflow: see the module docstring)."""
    if data.label is None:
        raise ValueError(f"the table has no usable label column {label!r}")
    features, y = data.features, data.label.astype(np.int64)
    _check_names(features, drop, keep)
    leakage = screen_leakage(features, y, keep=keep, seed=config.seed, times=data.times)
    progress(leakage.to_text())
    excluded = set(leakage.excluded)
    constant = [c for c in features.columns if c not in excluded and features[c].nunique(dropna=False) <= 1]
    columns = [c for c in features.columns if c not in excluded and c not in constant]
    if not columns:
        raise ValueError("no feature column is left after the leakage screen and dropping constant columns")
    if constant:
        progress(f"constant in the table, not used: {', '.join(map(repr, constant))}")
    catalogue = flat_catalogue(features[columns], config.rare_category_min_count)

    frame = features[columns].copy()
    frame[LABEL] = y
    frame.index = pd.Index(data.ids.to_numpy(), name=_index_name(id_column, features))
    folds, method = flat_folds(y, data.times, config.seed)
    progress(f"cross-fitting {len(frame):,} leads in {len(folds)} folds ({method})")
    fitted = fit_procedure(frame, catalogue, config, progress, evaluation="cross-fitted", folds=folds)
    bundle = make_bundle(fitted, catalogue, config, "flat")
    bundle.info["coverage"] = coverage(frame, bundle.encoder).shares()  # for scoring to say when a file gives less
    test = fitted.calibration_rows.copy()  # type: ignore[union-attr]
    test["probability"] = fitted.calibration_probability
    y_test = test[LABEL].to_numpy()
    metrics = classification_metrics(y_test, test["probability"].to_numpy())
    describe_tiers(bundle, y_test, test["probability"].to_numpy(), metrics)
    baselines = {"logreg": _out_of_fold_logreg(frame, folds, catalogue, config)}
    metrics["auc_gain_over_logreg"] = metrics["roc_auc"] - baselines["logreg"]["roc_auc"]
    evaluation = f"cross-fitted, {method}"
    bundle.info.update({
        "mode": "flat", "label": label, "id_column": id_column, "time_column": time_column,
        "dropped": [*drop, *leakage.excluded], "kept": list(keep), "constant": constant,
        # the columns written with a decimal comma: how the text numbers of its requests read
        "decimal_comma_columns": [c for c in data.comma_columns if c in catalogue.names],
        "leakage": leakage.to_dict(), "evaluation": evaluation, "regime": "cross-validated",
        "regime_text": f"one row per lead: calibrated and judged by cross-fitting ({method})",
        "metrics": metrics, "calibration_method": fitted.calibration.method,
        "tiers": {"hot_threshold": bundle.tiers.hot_threshold, "warm_threshold": bundle.tiers.warm_threshold,
                  "conversion_rate": bundle.tiers.conversion_rate, "share": bundle.tiers.share},
    })
    result = TrainResult(bundle, "cross-validated", metrics, baselines, fitted.calibration, test, [], fitted.search,
                         {**fitted.rows, "test": len(test)}, fitted.trees, evaluation, leakage=leakage)
    return FlatTraining(result, leakage, np.sort(np.concatenate([h for _, h in folds])), constant)


def _out_of_fold_logreg(frame: pd.DataFrame, folds: list[tuple[np.ndarray, np.ndarray]], catalogue: Catalogue,
                        config: TrainConfig) -> dict[str, float]:
    numeric = [f.name for f in catalogue if not f.categorical]
    categorical = [f.name for f in catalogue if f.categorical]
    held = np.sort(np.concatenate([h for _, h in folds]))
    p = pd.Series(np.nan, index=range(len(frame)))
    for fit, rows in folds:
        model = logistic_baseline(numeric, categorical, config.seed).fit(_lr_frame(frame.iloc[fit], catalogue),
                                                                          frame[LABEL].iloc[fit])
        p.iloc[rows] = model.predict_proba(_lr_frame(frame.iloc[rows], catalogue))[:, 1]
    return classification_metrics(frame[LABEL].to_numpy()[held], p.to_numpy()[held])


def champion_features_for(test_table: pd.DataFrame, label: str, converted: Sequence[str] = (),
                          comma_columns: Sequence[str] = ()) -> ChampionFeatures:
    """What ``log_and_register`` calls to score the current champion on this run's test rows.

    ``test_table`` is the loaded table's test rows with every column (also the ones this run excluded,
    since a champion may have kept one). Raises :class:`ChampionNotComparable` when the champion is not a
    flat model of the same label read the same way (the same ``converted`` values), or uses a column the
    table does not have (it would be scored on invented missing values, and the gate would compare unlike
    with unlike).
    """

    def build(champion: Any) -> pd.DataFrame:
        mode = getattr(champion, "mode", None)
        info = getattr(champion, "info", {}) or {}
        if mode != "flat":
            raise ChampionNotComparable(f"the champion is a {mode}-mode model: it cannot be scored on a flat table")
        if info.get("label") != label:
            raise ChampionNotComparable(f"the champion predicts {info.get('label')!r}, this run {label!r}")
        theirs = sorted(v.strip().casefold() for v in (info.get("outcome_values") or {}).get("converted", []))
        if theirs != sorted(v.strip().casefold() for v in converted):
            raise ChampionNotComparable(f"the champion counts {theirs or '1/true/yes'} of {label!r} as converted, "
                                        f"this run {list(converted) or '1/true/yes'}")
        missing = [name for name in champion.catalogue.names if name not in test_table.columns]
        if missing:
            shown = ", ".join(map(repr, missing))
            raise ChampionNotComparable(f"the champion uses column(s) this table lacks: {shown}")
        return champion.flat_features(test_table, comma_columns)

    return build


def _input_example(features: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Rows as the pyfunc model takes them (the model's columns, typed as loaded): a few real leads that
    together give every column a value, then a lead with every field empty, so the signature MLflow
    infers makes each column optional (a request may leave any field blank, as the export does)."""
    frame = features[names]
    present = frame.notna().to_numpy()
    covered = np.zeros(len(names), dtype=bool)
    chosen: list[int] = []
    while not covered.all() and len(chosen) < 5:
        gain = (present & ~covered).sum(axis=1)
        best = int(np.argmax(gain))
        if gain[best] == 0:
            break
        chosen.append(best)
        covered |= present[best]
    blank = pd.DataFrame([[None] * len(names)], columns=names, dtype=object)
    return pd.concat([frame.iloc[sorted(chosen)].astype(object), blank], ignore_index=True)


def train_flat_from_file(
    table: str | Path,
    config: TrainConfig,
    *,
    label: str,
    id_column: str | None = None,
    time_column: str | None = None,
    drop: Sequence[str] = (),
    keep: Sequence[str] = (),
    converted: Sequence[str] = (),
    still_open: Sequence[str] = (),
    tracking_uri: str | None = None,
    progress: Progress = print,
) -> LoggedRun:
    """Train in flat mode on ``table`` and register the result: what ``leadscore train --table`` runs.

    ``keep`` names columns the leakage screen flags that the user knows were filled in before the
    outcome; ``converted`` and ``still_open`` read a status column as the outcome
    (:func:`features.loading.load_flat_table`). Any exception before registration leaves the champion alias
    untouched.
    """
    configure(tracking_uri)
    with training_run(config, "flat"):
        data, report = load_flat_table(table, label=label, id_column=id_column, time_column=time_column, drop=drop,
                                       for_training=True, converted=converted, still_open=still_open,
                                       not_after=config.latest_moment())
        progress(report.to_text())
        training = train_flat(data, config, label=label, id_column=id_column, time_column=time_column, drop=drop,
                              keep=keep, progress=progress)
        training.result.bundle.info["outcome_values"] = {"converted": list(converted), "open": list(still_open)}
        result = training.result
        test_table = data.features.iloc[training.held].set_axis(result.test.index, axis=0)
        logged = log_and_register(
            result, config, {"table": table}, champion_features_for(test_table, label, converted, data.comma_columns),
            _input_example(data.features, result.bundle.catalogue.names),
            data_report=report.to_dict(max_issues=1000), progress=progress,
        )
        return logged
