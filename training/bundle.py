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

from features.catalogue import Catalogue, Lang, render
from features.config import FeatureConfig
from features.normalise import is_missing
from features.pipeline import Columns, build_features, build_records_features
from training.calibration import probability_from_margin
from training.encoding import FeatureEncoder
from training.explain import Explanation, explain
from training.model import LeadBooster
from training.tiers import Grades, Tiers

Mode = Literal["event", "flat"]


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
    def features(self, leads: pd.DataFrame, activities: pd.DataFrame | None, as_of: datetime | str) -> pd.DataFrame:
        """Event mode: the catalogue's features of every lead existing at ``as_of`` (batch path)."""
        return build_features(leads, activities, as_of, self.feature_config, self.catalogue)

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
        """One result per row of ``columns``: probability, score, tier, grade, group scores, reasons."""
        ex = self.explain(columns)
        names = self.catalogue.names
        fit_mask = np.array([f.group == "fit" for f in self.catalogue], dtype=bool)
        fit_points = ex.points[:, fit_mask].sum(axis=1)
        engagement_points = ex.points[:, ~fit_mask].sum(axis=1)
        fit_logodds = ex.base_margin + ex.shap_values[:, fit_mask].sum(axis=1)
        tiers = self.tiers.assign(ex.probability)
        grades = self.grades.assign(fit_logodds)
        values = _value_rows(columns, names)
        k = max(0, min(top_k, len(names)))
        order = np.argsort(-ex.points_exact, axis=1, kind="stable")
        out = []
        for i in range(len(ex.probability)):
            shown = [j for j in order[i, :k] if ex.points[i, j] > 0]
            shown += [j for j in order[i, ::-1][:k] if ex.points[i, j] < 0]
            reasons = [self._reason(names[j], values[names[j]][i], int(ex.points[i, j]), lang) for j in shown]
            tier = str(tiers[i])
            out.append({
                "probability": float(ex.probability[i]),
                "score": int(ex.score[i]),
                "tier": tier,
                "tier_conversion_rate": self.tiers.conversion_rate.get(tier),
                "grade": str(grades[i]),
                "base_score": int(ex.base_score[i]),
                "fit_score": int(fit_points[i]),
                "engagement_score": int(engagement_points[i]),
                "other_points": int(ex.points[i].sum() - sum(r["points"] for r in reasons)),
                "reasons": reasons,
            })
        return out

    def _reason(self, name: str, value: object, points: int, lang: Lang) -> dict[str, Any]:
        return {
            "feature": name,
            "group": self.catalogue[name].group,
            "value": _plain(value),
            "points": points,
            "text": _sentence(self.catalogue, name, _hashable(value), lang),
        }

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


def _value_rows(columns: pd.DataFrame | Columns, names: list[str]) -> dict[str, np.ndarray]:
    if isinstance(columns, pd.DataFrame):
        return {name: columns[name].to_numpy() for name in names}
    return {name: np.asarray(columns[name]) for name in names}


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
