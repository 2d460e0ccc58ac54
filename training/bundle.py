"""The scoring bundle: everything needed to turn raw leads into scores and reasons, in one object.

Training produces it; the registry stores it (with its SHA-256); batch scoring, the HTTP service and
``mlflow.pyfunc`` all load it and call the same methods, so there is exactly one way a lead is scored.

    raw leads + activities ──features.pipeline──▶ feature columns ──encoder──▶ matrix
        ──LightGBM TreeSHAP──▶ contributions ──calibrator + explain──▶ probability, score, points
        ──tiers / grades / catalogue──▶ tier, grade, reasons in English or German
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV

from features.catalogue import Catalogue, Feature, Lang, render
from features.config import FeatureConfig
from features.normalise import is_missing
from features.pipeline import Columns, build_features, build_records_features
from training.calibration import probability_from_margin
from training.encoding import FeatureEncoder
from training.explain import Explanation, explain, shown_reasons
from training.model import LeadBooster
from training.tiers import TIER_NAMES, TIERS, Grades, Tiers

Mode = Literal["event", "flat"]

#: feature kinds whose sentences show the value as a whole number and choose their words by it
_WHOLE_NUMBER_KINDS = ("count", "days")


@dataclass(frozen=True)
class ReasonTable:
    """The reasons shown for many leads, one entry per (lead, reason): leads in row order, each lead's
    reasons in the order sales reads them (``training.explain.shown_reasons``). A reason's feature, value
    and sentence are those of its ``entry``, one per distinct (feature, value) among the reasons."""

    lead: np.ndarray  # (R,) the lead's row
    slot: np.ndarray  # (R,) the reason's place among its lead's reasons, 0 = first
    count: np.ndarray  # (n,) how many reasons each lead shows
    points: np.ndarray  # (R,) int, the reason's whole score points
    entry: np.ndarray  # (R,) index into feature / value / text
    feature: np.ndarray  # (D,) catalogue index of each distinct (feature, value)
    value: np.ndarray  # (D,) object: the value as a result shows it (plain Python, None when missing)
    text: np.ndarray  # (D,) object: the sentence a salesperson reads
    catalogue: Catalogue  # the catalogue whose features ``feature`` indexes


@dataclass(frozen=True)
class ResultTable:
    """The results of many leads column-wise: ``columns`` holds what :meth:`ScoringBundle.results` gives
    each lead under the same keys, in the same order (``probability`` … ``other_points``); ``reasons``
    holds the reasons."""

    columns: dict[str, np.ndarray]
    reasons: ReasonTable


@dataclass
class ScoringBundle:
    """A trained lead-scoring model with its features, calibration, tiers and reason texts."""

    mode: Mode
    feature_config: FeatureConfig
    catalogue: Catalogue
    encoder: FeatureEncoder
    model: LeadBooster
    calibrator: CalibratedClassifierCV
    tiers: Tiers
    grades: Grades
    info: dict[str, Any] = field(default_factory=dict)

    # ---- features -------------------------------------------------------------------------------
    def features(self, leads: pd.DataFrame, activities: pd.DataFrame | None, as_of: datetime | str,
                 activity_rows: np.ndarray | None = None) -> pd.DataFrame:
        """Event mode: the catalogue's features of every lead existing at ``as_of`` (batch path);
        ``activity_rows`` as :func:`features.pipeline.build_features` takes them."""
        return build_features(leads, activities, as_of, self.feature_config, self.catalogue, activity_rows)

    def flat_features(self, table: pd.DataFrame) -> pd.DataFrame:
        """Flat mode: the model's columns (catalogue order) from a one-row-per-lead table as
        ``features.loading.load_flat_table`` returns it, or a request frame with the same columns.

        Numbers become float64 (text that is not a number becomes missing); categories become text
        (``object``) with None for missing, the contract's missing markers such as ``Select`` included.
        A column the model knows but the table lacks is all missing: the lead did not answer it."""
        def category(value: object) -> str | None:
            if is_missing(value):
                return None
            return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()

        out: dict[str, pd.Series] = {}
        for feature in self.catalogue:
            column = table[feature.name] if feature.name in table.columns else pd.Series(np.nan, index=table.index)
            if feature.categorical:
                out[feature.name] = pd.Series([category(v) for v in column.astype(object)], index=table.index,
                                              dtype=object)
            else:
                out[feature.name] = pd.to_numeric(column, errors="coerce").astype(np.float64)
        return pd.DataFrame(out, index=table.index)

    # ---- model ----------------------------------------------------------------------------------
    def matrix(self, columns: pd.DataFrame | Columns) -> np.ndarray:
        return self.encoder.transform(columns)

    def probability(self, columns: pd.DataFrame | Columns) -> np.ndarray:
        """Calibrated probability of converting within the horizon."""
        return self.calibrator.predict_proba(self.matrix(columns))[:, 1]

    def explain(self, columns: pd.DataFrame | Columns) -> Explanation:
        contributions = self.model.contributions(self.matrix(columns))
        return explain(contributions, functools.partial(probability_from_margin, self.calibrator))

    # ---- results --------------------------------------------------------------------------------
    def results(self, columns: pd.DataFrame | Columns, lang: Lang = "en", top_k: int = 5) -> list[dict[str, Any]]:
        """One result per row of ``columns``: probability, score, tier, grade, group scores, reasons.

        The online face (an API request's leads); :meth:`result_table` is the same results column-wise."""
        ex = self.explain(columns)
        summary = self._summary(ex)
        shown, count = shown_reasons(ex.points_exact, ex.points, top_k)
        shown_points = _shown_points(ex.points, shown)
        summary["other_points"] = ex.points.sum(axis=1) - shown_points.sum(axis=1)
        names = self.catalogue.names
        values = {name: _column(columns, name) for name in {names[j] for j in shown[shown >= 0].tolist()}}
        keys = list(summary)
        rows = [dict(zip(keys, row, strict=True)) for row in zip(*(v.tolist() for v in summary.values()), strict=True)]
        for i, (row, features, points, c) in enumerate(zip(rows, shown.tolist(), shown_points.tolist(),
                                                           count.tolist(), strict=True)):
            row["reasons"] = [self._reason(names[j], values[names[j]][i], p, lang)
                              for j, p in zip(features[:c], points[:c], strict=True)]
        return rows

    def result_table(self, columns: pd.DataFrame | Columns, lang: Lang = "en", top_k: int = 5,
                     explanation: Explanation | None = None) -> ResultTable:
        """The results of :meth:`results`, column-wise, for scoring files: the same numbers and the same
        reasons in the same order, with each distinct (feature, value) sentence rendered once.

        ``explanation``: :meth:`explain` of these ``columns`` when the caller already has it (the batch
        computes the next chunk's while it writes this one's reasons)."""
        ex = explanation if explanation is not None else self.explain(columns)
        summary = self._summary(ex)
        shown, count = shown_reasons(ex.points_exact, ex.points, top_k)
        summary["other_points"] = ex.points.sum(axis=1) - _shown_points(ex.points, shown).sum(axis=1)
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
            entry_text.append(self._texts(spec, uniques, lang))
        reasons = ReasonTable(
            lead=lead, slot=slot, count=count, points=ex.points[lead, feature], entry=entry,
            feature=np.concatenate(entry_feature) if entry_feature else np.empty(0, dtype=np.intp),
            value=np.concatenate(entry_value) if entry_value else np.empty(0, dtype=object),
            text=np.concatenate(entry_text) if entry_text else np.empty(0, dtype=object),
            catalogue=self.catalogue,
        )
        return ResultTable(summary, reasons)

    def _summary(self, ex: Explanation) -> dict[str, Any]:
        """The per-lead numbers of a result, column-wise, in the order of a result's keys (``other_points``
        and the reasons are added by the caller)."""
        fit = _fit_columns(self.catalogue)
        code = self.tiers.codes(ex.probability)
        tiers = TIER_NAMES[code]
        rate = np.array([self.tiers.conversion_rate.get(tier) for tier in TIERS], dtype=object)[code]
        fit_points = ex.points[:, fit].sum(axis=1)
        return {
            "probability": ex.probability,
            "score": ex.score,
            "tier": tiers,
            "tier_conversion_rate": rate,
            "grade": self.grades.assign(ex.base_margin + ex.shap_values[:, fit].sum(axis=1)),
            "base_score": ex.base_score,
            "fit_score": fit_points,
            "engagement_score": ex.points.sum(axis=1) - fit_points,
        }

    def _reason(self, name: str, value: object, points: int, lang: Lang) -> dict[str, Any]:
        return {
            "feature": name,
            "group": self.catalogue[name].group,
            "value": _plain(value),
            "points": points,
            "text": _sentence(self.catalogue, name, _hashable(value), lang),
        }

    def _texts(self, feature: Feature, values: np.ndarray, lang: Lang) -> np.ndarray:
        """The sentence of each of a feature's distinct ``values``. Count and day sentences show (and choose
        their words by) the value rounded to a whole number, so those are rendered once per whole number."""
        if feature.kind in _WHOLE_NUMBER_KINDS and values.dtype.kind == "f":
            codes, whole = _distinct(np.round(values))
            return self._sentences(feature, whole, lang)[codes]
        return self._sentences(feature, values, lang)

    def _sentences(self, feature: Feature, values: np.ndarray, lang: Lang) -> np.ndarray:
        return _object_array([_sentence(self.catalogue, feature.name, v, lang) for v in values.tolist()])

    def score_leads(self, leads: pd.DataFrame, activities: pd.DataFrame | None, as_of: datetime | str,
                    lang: Lang = "en", top_k: int = 5) -> pd.DataFrame:
        """Event-mode batch: one row per lead existing at ``as_of``, indexed by lead_id."""
        features = self.features(leads, activities, as_of)
        results = self.results(features, lang, top_k) if len(features) else []
        return pd.DataFrame(results, index=features.index)

    def score_lead(self, lead: Mapping[str, object], activities: Sequence[Mapping[str, object]],
                   as_of: datetime | str, lang: Lang = "en", top_k: int = 5) -> dict[str, Any]:
        """Event-mode online: one lead, its activities in the request."""
        return self.score_records([lead], [activities], as_of, lang, top_k)[0]

    def score_records(self, leads: Sequence[Mapping[str, object]],
                      activities: Sequence[Sequence[Mapping[str, object]]], as_of: datetime | str,
                      lang: Lang = "en", top_k: int = 5) -> list[dict[str, Any]]:
        """Event-mode online: leads as records (an API request), each with its own activities."""
        if not leads:
            return []
        columns = build_records_features(leads, activities, as_of, self.feature_config, self.catalogue)
        return self.results(columns, lang, top_k)


@functools.lru_cache(maxsize=16)
def _fit_columns(catalogue: Catalogue) -> np.ndarray:
    """The model columns of the fit group (who the lead is); the others are engagement."""
    return np.flatnonzero([f.group == "fit" for f in catalogue])


def _shown_points(points: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Per row, the points of the shown features (``shown``: catalogue indices, −1 for none), 0 for none."""
    return np.where(shown >= 0, points[np.arange(len(points))[:, None], shown], 0)


def _column(columns: pd.DataFrame | Columns, name: str) -> np.ndarray:
    return columns[name].to_numpy() if isinstance(columns, pd.DataFrame) else np.asarray(columns[name])


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values in order of first appearance, each distinct value exactly the value of every
    row it stands for: numbers are told apart by their bits (0.0 and −0.0; NaNs by payload), text by
    equality (None and NaN both stand for missing); values of other kinds are not merged at all."""
    if values.dtype.kind == "f":
        codes, bits = pd.factorize(np.ascontiguousarray(values).view(f"i{values.dtype.itemsize}"))
        return codes, bits.view(values.dtype)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if all(type(u) is str or _plain(u) is None for u in uniques):  # text and missing: equal means alike
        return codes, _object_array(list(uniques))
    return np.arange(len(values)), values  # 1 == 1.0 == True, yet each shows differently: keep every row's own


def _object_array(items: list[object]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _plain_array(values: np.ndarray) -> np.ndarray:
    """``_plain`` of each value: Python scalars, None for missing."""
    if values.dtype.kind == "f":
        out = values.astype(object)
        out[np.isnan(values)] = None
        return out
    return _object_array([_plain(v) for v in values.tolist()])


def _hashable(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(value: object) -> object:
    value = _hashable(value)
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
