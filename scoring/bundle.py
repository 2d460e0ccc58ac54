"""The scoring bundle: everything needed to turn raw leads into scores and reasons, in one object.

Training produces it; the registry stores it (with its SHA-256); batch files, the HTTP service and the
MLflow pyfunc all load it and call the same methods, so there is exactly one way a lead is scored:

    LeadBatch ──features.pipeline──▶ feature columns ──encoder──▶ matrix ──LightGBM TreeSHAP──▶ contributions
        ──calibrator + explain──▶ probability, score, points ──tiers / grades / catalogue──▶ ResultTable
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from features import values
from features.batch import LeadBatch
from features.catalogue import Catalogue, Feature, Lang, render
from features.config import FeatureConfig
from features.contract import DEFAULT_HORIZON_DAYS
from features.pipeline import Columns, batch_features, feature_columns
from scoring.booster import LeadBooster
from scoring.calibration import Calibrator, from_sklearn
from scoring.encoding import FeatureEncoder
from scoring.explain import Explanation, explain, shown_reasons
from scoring.options import DEFAULT_OPTIONS, ScoringOptions
from scoring.results import ReasonTable, ResultTable
from scoring.tiers import TIER_NAMES, TIERS, Grades, Tiers

Mode = Literal["event", "flat"]

#: feature kinds whose sentences show the value as a whole number and choose their words by it
_WHOLE_NUMBER_KINDS = ("count", "days")


@dataclass
class ScoringBundle:
    """A trained lead-scoring model with its features, calibration, tiers and reason texts."""

    mode: Mode
    feature_config: FeatureConfig
    catalogue: Catalogue
    encoder: FeatureEncoder
    model: LeadBooster
    calibrator: Calibrator
    tiers: Tiers
    grades: Grades
    info: dict[str, Any] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # compatibility: bundles saved before 2026-12 hold a scikit-learn CalibratedClassifierCV; remove after
        # 2027-06-30
        if not hasattr(state.get("calibrator"), "probability"):
            state["calibrator"] = from_sklearn(state["calibrator"])
        self.__dict__.update(state)

    @property
    def horizon_days(self) -> int:
        """The label's horizon: the probability is that of becoming an opportunity within this many days."""
        return int(self.info.get("horizon_days") or DEFAULT_HORIZON_DAYS)

    # ---- features -------------------------------------------------------------------------------
    def features(self, batch: LeadBatch, as_of: datetime | str) -> pd.DataFrame:
        """Event mode: the catalogue's features of every lead of ``batch`` existing at ``as_of``."""
        return batch_features(batch, as_of, self.feature_config, self.catalogue)

    def batch_columns(self, batch: LeadBatch, as_of: datetime | str) -> Columns:
        """Event mode: the features of every lead of ``batch`` (all exist at ``as_of``), without a frame."""
        return feature_columns(batch, values.moment_us(as_of), self.feature_config, self.catalogue)

    def flat_features(self, table: pd.DataFrame) -> pd.DataFrame:
        """Flat mode: the model's columns (catalogue order) from a one-row-per-lead table.

        Numbers by :func:`features.values.number`; categories by :func:`features.values.text` (the contract's
        missing markers such as ``Select`` are missing). A column the model knows but the table lacks is all
        missing: the lead did not answer it."""
        out: dict[str, pd.Series] = {}
        for feature in self.catalogue:
            column = table[feature.name] if feature.name in table.columns else pd.Series(None, index=table.index,
                                                                                         dtype=object)
            rule = values.text if feature.categorical else values.number
            mapped = values.map_distinct(column, rule)
            out[feature.name] = pd.Series(mapped, index=table.index, dtype=object if feature.categorical else None)
            if not feature.categorical:
                out[feature.name] = out[feature.name].astype(np.float64)
        return pd.DataFrame(out, index=table.index)

    # ---- model ----------------------------------------------------------------------------------
    def matrix(self, columns: pd.DataFrame | Columns) -> np.ndarray:
        return self.encoder.transform(columns)

    def probability(self, columns: pd.DataFrame | Columns) -> np.ndarray:
        """Calibrated probability of becoming an opportunity within the horizon."""
        return self.calibrator.probability(self.model.decision_function(self.matrix(columns)))

    def explain(self, columns: pd.DataFrame | Columns) -> Explanation:
        return explain(self.model.contributions(self.matrix(columns)), self.calibrator.probability)

    # ---- results --------------------------------------------------------------------------------
    def score(self, columns: pd.DataFrame | Columns, options: ScoringOptions = DEFAULT_OPTIONS,
              explanation: Explanation | None = None) -> ResultTable:
        """Each lead's probability, score, tier, grade, group scores and reasons, as one table.

        ``explanation``: :meth:`explain` of these ``columns`` when the caller already has it (the batch
        explains the next chunk while it writes this one)."""
        ex = explanation if explanation is not None else self.explain(columns)
        summary = self._summary(ex)
        shown, count = shown_reasons(ex.points_exact, ex.points, options.top_k)
        shown_points = np.where(shown >= 0, ex.points[np.arange(len(ex.points))[:, None], shown], 0)
        summary["other_points"] = ex.points.sum(axis=1) - shown_points.sum(axis=1)
        lead, slot = np.nonzero(shown >= 0)  # leads in order, each lead's reasons in the order shown
        feature = shown[lead, slot]
        entry = np.empty(len(lead), dtype=np.intp)
        entry_feature, entry_value, entry_text = [], [], []
        offset = 0
        for j in np.unique(feature).tolist():
            at = np.flatnonzero(feature == j)
            spec = self.catalogue.features[j]
            codes, uniques = _distinct(_column(columns, spec.name)[lead[at]])
            entry[at] = offset + codes
            offset += len(uniques)
            entry_feature.append(np.full(len(uniques), j, dtype=np.intp))
            entry_value.append(_plain_array(uniques))
            entry_text.append(self._texts(spec, uniques, options.lang))
        reasons = ReasonTable(
            lead=lead, slot=slot, count=count, points=ex.points[lead, feature], entry=entry,
            feature=np.concatenate(entry_feature) if entry_feature else np.empty(0, dtype=np.intp),
            value=np.concatenate(entry_value) if entry_value else np.empty(0, dtype=object),
            text=np.concatenate(entry_text) if entry_text else np.empty(0, dtype=object),
            catalogue=self.catalogue,
        )
        return ResultTable(summary, reasons)

    def _summary(self, ex: Explanation) -> dict[str, Any]:
        """The per-lead numbers of a result, column-wise, in the order of a result's keys."""
        fit = _fit_columns(self.catalogue)
        code = self.tiers.codes(ex.probability)
        rate = np.array([self.tiers.conversion_rate.get(tier) for tier in TIERS], dtype=object)[code]
        fit_points = ex.points[:, fit].sum(axis=1)
        return {
            "probability": ex.probability,
            "score": ex.score,
            "tier": TIER_NAMES[code],
            "tier_conversion_rate": rate,
            "grade": self.grades.assign(ex.base_margin + ex.shap_values[:, fit].sum(axis=1)),
            "base_score": ex.base_score,
            "fit_score": fit_points,
            "engagement_score": ex.points.sum(axis=1) - fit_points,
        }

    def _texts(self, feature: Feature, distinct: np.ndarray, lang: Lang) -> np.ndarray:
        """The sentence of each of a feature's distinct values. Count and day sentences show (and choose
        their words by) the value rounded to a whole number, so those are rendered once per whole number."""
        if feature.kind in _WHOLE_NUMBER_KINDS and distinct.dtype.kind == "f":
            codes, whole = _distinct(np.round(distinct))
            return self._texts(feature, whole.astype(object), lang)[codes]
        return _object_array([_sentence(self.catalogue, feature.name, v, lang) for v in distinct.tolist()])


@functools.lru_cache(maxsize=16)
def _fit_columns(catalogue: Catalogue) -> np.ndarray:
    """The model columns of the fit group (who the lead is); the others are engagement."""
    return np.flatnonzero([f.group == "fit" for f in catalogue])


def _column(columns: pd.DataFrame | Columns, name: str) -> np.ndarray:
    return columns[name].to_numpy() if isinstance(columns, pd.DataFrame) else np.asarray(columns[name])


def _distinct(values_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values in order of first appearance, each distinct value exactly the value of every
    row it stands for: numbers are told apart by their bits (0.0 and −0.0; NaNs by payload), text by
    equality (None and NaN both stand for missing); values of other kinds are not merged at all."""
    if values_.dtype.kind == "f":
        codes, bits = pd.factorize(np.ascontiguousarray(values_).view(f"i{values_.dtype.itemsize}"))
        return codes, bits.view(values_.dtype)
    codes, uniques = pd.factorize(values_, use_na_sentinel=False)
    if all(type(u) is str or _plain(u) is None for u in uniques):  # text and missing: equal means alike
        return codes, _object_array(list(uniques))
    return np.arange(len(values_)), values_  # 1 == 1.0 == True, yet each shows differently: keep every row's own


def _object_array(items: list[object]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _plain_array(distinct: np.ndarray) -> np.ndarray:
    """``_plain`` of each value: Python scalars, None for missing."""
    if distinct.dtype.kind == "f":
        out = distinct.astype(object)
        out[np.isnan(distinct)] = None
        return out
    return _object_array([_plain(v) for v in distinct.tolist()])


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


@functools.lru_cache(maxsize=200_000)
def _sentence_cached(catalogue: Catalogue, name: str, value: object, lang: Lang) -> str:
    return render(catalogue[name], value, lang)


def _sentence(catalogue: Catalogue, name: str, value: object, lang: Lang) -> str:
    try:
        return _sentence_cached(catalogue, name, value, lang)
    except TypeError:  # unhashable value
        return render(catalogue[name], value, lang)
