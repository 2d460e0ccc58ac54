"""Flat mode: train on any one-row-per-lead export with a 0/1 outcome column (``leadscore train --table``).

    table ──load_flat_table──▶ features, label, ids, times
        ──split──▶ fit (~60 %) / calibration (~20 %) / test (~20 %): by time when a time column is given
                   (oldest first), else stratified at random (seeded)
        ──leakage screen on the fit rows (training.leakage)──▶ leaky columns excluded unless --keep
        ──flat catalogue──▶ one feature per remaining column
        ──training.train.fit_and_evaluate──▶ booster, calibrator, tiers, grades, baselines, test metrics
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
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from features.catalogue import Catalogue, Feature, Group
from features.loading import FlatData, load_flat_table
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL
from training.leakage import LeakageReport, screen_leakage
from training.registry import configure
from training.tracking import ChampionFeatures, ChampionNotComparable, LoggedRun, log_and_register
from training.train import TrainResult, fit_and_evaluate

Progress = Callable[[str], None]

FIT_SHARE = 0.60
CALIBRATION_SHARE = 0.20  # the rest (~20 %) is the test split
LEAKAGE_REPORT_FILE = "leakage_report.json"

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
# Split


@dataclass(frozen=True)
class FlatSplit:
    """Row positions (into the loaded table, ascending) of the three parts."""

    fit: np.ndarray
    calibration: np.ndarray
    test: np.ndarray
    method: Literal["time", "stratified"]

    def as_dict(self, times: pd.Series | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "fit": len(self.fit), "calibration": len(self.calibration),
                               "test": len(self.test)}
        if times is not None:
            for name in ("fit", "calibration", "test"):
                part = times.iloc[getattr(self, name)]
                out[f"{name}_from"], out[f"{name}_to"] = part.min().isoformat(), part.max().isoformat()
        return out


def split_rows(label: np.ndarray, times: pd.Series | None = None, seed: int = 42) -> FlatSplit:
    """Fit / calibration / test positions: ~60/20/20.

    With ``times`` the rows are ordered by time (ties in input order) and cut there, so no calibration or
    test lead is older than any fit lead: the model is judged on leads that came after the ones it
    learned from, as it will be used. Without, each part is a stratified random sample (same conversion
    rate in each), reproducible by ``seed``. Each part must hold both outcomes.
    """
    y = np.asarray(label)
    n = len(y)
    if times is not None:
        order = np.argsort(times.to_numpy(), kind="stable")
        n_fit, n_cal = round(FIT_SHARE * n), round(CALIBRATION_SHARE * n)
        parts = order[:n_fit], order[n_fit:n_fit + n_cal], order[n_fit + n_cal:]
        method: Literal["time", "stratified"] = "time"
    else:
        positions = np.arange(n)
        try:
            fit, rest = train_test_split(positions, train_size=FIT_SHARE, stratify=y, random_state=seed)
            cal, test = train_test_split(rest, train_size=CALIBRATION_SHARE / (1 - FIT_SHARE), stratify=y[rest],
                                         random_state=seed)
        except ValueError as exc:  # fewer than 2 leads of a class
            raise ValueError(f"cannot split {n} leads ({int(y.sum())} converted) into fit, calibration and test: "
                             f"{exc}") from exc
        parts = fit, cal, test
        method = "stratified"
    split = FlatSplit(*(np.sort(part) for part in parts), method=method)
    for name in ("fit", "calibration", "test"):
        part = y[getattr(split, name)]
        if part.min(initial=1) == part.max(initial=0):
            raise ValueError(f"the {name} split has {int(part.sum())} converted among {len(part)} leads: "
                             "a model cannot be fitted or judged on a single outcome")
    return split


# --------------------------------------------------------------------------------------------------
# Training


@dataclass
class FlatTraining:
    """A flat-mode training, before MLflow: the result ``log_and_register`` takes, plus what flat mode adds."""

    result: TrainResult
    leakage: LeakageReport
    split: FlatSplit
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
    """Split, screen for leaks, and fit and evaluate on a loaded flat table (no MLflow: see the module docstring)."""
    if data.label is None:
        raise ValueError(f"the table has no usable label column {label!r}")
    features, y = data.features, data.label.astype(np.int64)
    _check_names(features, drop, keep)
    split = split_rows(y, data.times, config.seed)
    progress(f"split ({split.method}): {len(split.fit):,} fit, {len(split.calibration):,} calibration, "
             f"{len(split.test):,} test leads")

    fit_rows = features.iloc[split.fit].reset_index(drop=True)
    leakage = screen_leakage(fit_rows, y[split.fit], keep=keep, seed=config.seed)
    progress(leakage.to_text())
    excluded = set(leakage.excluded)
    constant = [c for c in features.columns if c not in excluded and fit_rows[c].nunique(dropna=False) <= 1]
    columns = [c for c in features.columns if c not in excluded and c not in constant]
    if not columns:
        raise ValueError("no feature column is left after the leakage screen and dropping constant columns")
    if constant:
        progress(f"constant in the fit split, not used: {', '.join(map(repr, constant))}")
    catalogue = flat_catalogue(features[columns], config.rare_category_min_count)

    frame = features[columns].copy()
    frame[LABEL] = y
    frame.index = pd.Index(data.ids.to_numpy(), name=_index_name(id_column, features))
    fit, calibration, test = (frame.iloc[getattr(split, part)] for part in ("fit", "calibration", "test"))
    if data.times is not None:  # early stopping then validates on the latest fit leads, not a random slice
        fit = fit.assign(**{AS_OF: data.times.iloc[split.fit].to_numpy()})

    bundle, metrics, baselines, choice, scored, best = fit_and_evaluate(fit, calibration, test, catalogue, config,
                                                                         progress, mode="flat")
    bundle.info.update({
        "mode": "flat",
        "label": label,
        "id_column": id_column,
        "time_column": time_column,
        "dropped": [*drop, *leakage.excluded],
        "kept": list(keep),
        "constant": constant,
        "leakage": leakage.to_dict(),
        "split": split.as_dict(data.times),
        "metrics": metrics,
        "calibration_method": choice.method,
        "tiers": {"hot_threshold": bundle.tiers.hot_threshold, "warm_threshold": bundle.tiers.warm_threshold,
                  "conversion_rate": bundle.tiers.conversion_rate, "share": bundle.tiers.share},
    })
    rows = {"fit": len(fit), "calibration": len(calibration), "test": len(test)}
    result = TrainResult(bundle, None, metrics, baselines, choice, scored, rows, best)
    return FlatTraining(result, leakage, split, constant)


def champion_features_for(test_table: pd.DataFrame, label: str) -> ChampionFeatures:
    """What ``log_and_register`` calls to score the current champion on this run's test rows.

    ``test_table`` is the loaded table's test rows with every column (also the ones this run excluded,
    since a champion may have kept one). Raises :class:`ChampionNotComparable` when the champion is not a
    flat model of the same label, or uses a column the table does not have (it would be scored on
    invented missing values, and the gate would compare unlike with unlike).
    """

    def build(champion: Any) -> pd.DataFrame:
        mode = getattr(champion, "mode", None)
        info = getattr(champion, "info", {}) or {}
        if mode != "flat":
            raise ChampionNotComparable(f"the champion is a {mode}-mode model: it cannot be scored on a flat table")
        if info.get("label") != label:
            raise ChampionNotComparable(f"the champion predicts {info.get('label')!r}, this run {label!r}")
        missing = [name for name in champion.catalogue.names if name not in test_table.columns]
        if missing:
            shown = ", ".join(map(repr, missing))
            raise ChampionNotComparable(f"the champion uses column(s) this table lacks: {shown}")
        return champion.flat_features(test_table)

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
    tracking_uri: str | None = None,
    progress: Progress = print,
) -> LoggedRun:
    """Train in flat mode on ``table`` and register the result: what ``leadscore train --table`` runs.

    ``keep`` names columns the leakage screen flags that the user knows were filled in before the
    outcome. Any exception before registration leaves the champion alias untouched.
    """
    configure(tracking_uri)
    data, report = load_flat_table(table, label=label, id_column=id_column, time_column=time_column, drop=drop,
                                   for_training=True)
    progress(report.to_text())
    training = train_flat(data, config, label=label, id_column=id_column, time_column=time_column, drop=drop,
                          keep=keep, progress=progress)
    result = training.result
    test_table = data.features.iloc[training.split.test].set_axis(result.test.index, axis=0)
    leakage = training.leakage
    counts = {"leakage_flagged": float(len(leakage.flagged)), "leakage_excluded": float(len(leakage.excluded))}
    logged = log_and_register(
        result, config, {"table": table}, champion_features_for(test_table, label),
        _input_example(data.features, result.bundle.catalogue.names), extra_metrics=counts,
        data_report=report.to_dict(max_issues=1000), progress=progress,
        extra_artifacts={LEAKAGE_REPORT_FILE: leakage.to_dict()},
    )
    return logged
