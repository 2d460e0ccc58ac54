"""The scoring bundle: everything needed to turn raw leads into scores and reasons, in one object.

Training produces it; the registry stores it (with its SHA-256); batch files, the HTTP service and the
MLflow pyfunc all load it and call the same methods, so there is exactly one way a lead is scored:

    LeadBatch ──features.pipeline──▶ feature columns ──encoder──▶ matrix ──LightGBM TreeSHAP──▶ contributions
        ──calibrator + explain──▶ probability, score, points ──tiers / grades / catalogue──▶ ResultTable
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from features import values
from features.batch import LeadBatch
from features.behaviours import DIMENSIONS, LEVELS, ReasonGroup, column_groups, reason_groups
from features.catalogue import Catalogue
from features.config import FeatureConfig
from features.contract import DEFAULT_HORIZON_DAYS
from features.mappings import time_zone
from features.pipeline import Columns, batch_features, feature_columns
from features.values import FEW_VALUES
from scoring.booster import LeadBooster
from scoring.calibration import Calibrator, from_sklearn
from scoring.encoding import FeatureEncoder
from scoring.explain import Explanation, explain
from scoring.options import DEFAULT_OPTIONS, ScoringOptions
from scoring.reasons import GroupedPoints, group_points, group_texts, shown
from scoring.results import ReasonTable, ResultTable
from scoring.tiers import TIER_NAMES, TIERS, Grades, Tiers

Mode = Literal["event", "flat"]



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

    @property
    def input_mapping(self) -> dict[str, Any] | None:
        """The vendor mapping the model was trained through (:func:`features.mappings.recorded_mapping`), or
        None: files are read through it unless another is given, and requests' picklist values by its
        translations, so a vendor's value means what it meant in training."""
        return self.info.get("mapping_spec")

    @property
    def time_zone(self) -> str | None:
        """The IANA zone the model's export wrote its times without offset in (its mapping's ``timezone``), or
        None (UTC): a scoring moment given without an offset is read in it too."""
        return time_zone(self.input_mapping)

    # ---- features -------------------------------------------------------------------------------
    def features(self, batch: LeadBatch, as_of: datetime | str) -> pd.DataFrame:
        """Event mode: the catalogue's features of every lead of ``batch`` existing at ``as_of``."""
        return batch_features(batch, as_of, self.feature_config, self.catalogue, explain=True)

    def batch_columns(self, batch: LeadBatch, as_of: datetime | str) -> Columns:
        """Event mode: the features of every lead of ``batch`` (all exist at ``as_of``), without a frame."""
        return feature_columns(batch, values.moment_us(as_of), self.feature_config, self.catalogue, explain=True)

    def flat_features(self, table: pd.DataFrame, comma_columns: Collection[str] | None = None) -> pd.DataFrame:
        """Flat mode: the model's columns (catalogue order) from a one-row-per-lead table.

        Numbers by :func:`features.values.number`, with a decimal comma in ``comma_columns`` (a file's own, as
        its values showed; for a request, None: the columns the model's training file wrote so); categories by
        :func:`features.values.text` (the contract's missing markers such as ``Select`` are missing). A column
        the model knows but the table lacks is all missing: the lead did not answer it."""
        commas = set(self.info.get("decimal_comma_columns", ()) if comma_columns is None else comma_columns)
        out: dict[str, pd.Series] = {}
        for feature in self.catalogue:
            column = table[feature.name] if feature.name in table.columns else pd.Series(None, index=table.index,
                                                                                         dtype=object)
            rule = values.text if feature.categorical else functools.partial(values.number,
                                                                             decimal_comma=feature.name in commas)
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
    @functools.cached_property
    def reason_groups(self) -> tuple[ReasonGroup, ...]:
        """The reason groups of this model's catalogue (:mod:`features.behaviours`)."""
        if self.mode == "flat":
            return column_groups(self.catalogue)
        return reason_groups(self.catalogue, self.feature_config)

    def score(self, columns: pd.DataFrame | Columns, options: ScoringOptions = DEFAULT_OPTIONS,
              explanation: Explanation | None = None) -> ResultTable:
        """Each lead's probability, score, tier, grade, group scores and reasons, as one table.

        ``columns`` are the model's features, with the explain-only columns of
        :func:`features.engagement.explain_names` when the reasons are to say what the lead did.
        ``explanation``: :meth:`explain` of these ``columns`` when the caller already has it (the batch
        explains the next chunk while it writes this one)."""
        ex = explanation if explanation is not None else self.explain(columns)
        groups = self.reason_groups
        grouped = group_points(ex.points_exact, ex.score - ex.base_score, columns, self.catalogue, groups,
                               self.feature_config)
        shown_groups, count = shown(grouped, options.top_k)
        lead, slot = np.nonzero(shown_groups >= 0)  # leads in order, each lead's reasons in the order shown
        group = shown_groups[lead, slot]
        points = grouped.points[lead, group]
        entry = np.empty(len(lead), dtype=np.intp)
        entry_group, entry_value, entry_text = [], [], []
        offset = 0
        n = len(ex.score)
        for g in np.unique(group).tolist():
            at = np.flatnonzero(group == g)
            texts, shown_values = group_texts(groups[g], lead[at], columns, options.lang, self.feature_config, n,
                                              _time_of_day(options))
            # one entry per distinct (sentence, value): each lead's reason carries its own value
            codes, kinds = distinct_pairs(texts, shown_values)
            entry[at] = offset + codes
            offset += kinds
            first = np.zeros(kinds, dtype=np.int64)
            first[codes[::-1]] = np.arange(len(codes))[::-1]
            entry_group.append(np.full(kinds, g, dtype=np.intp))
            entry_value.append(shown_values[first])
            entry_text.append(texts[first])
        reasons = ReasonTable(
            lead=lead, slot=slot, count=count, points=points, entry=entry,
            feature=np.concatenate(entry_group) if entry_group else np.empty(0, dtype=np.intp),
            value=np.concatenate(entry_value) if entry_value else np.empty(0, dtype=object),
            text=np.concatenate(entry_text) if entry_text else np.empty(0, dtype=object),
            groups=groups,
        )
        summary = self._summary(ex, grouped)
        shown_points = np.zeros(n, dtype=np.int64)
        np.add.at(shown_points, lead, points)
        summary["other_points"] = grouped.points.sum(axis=1) - shown_points
        return ResultTable(summary, reasons)

    def _summary(self, ex: Explanation, grouped: GroupedPoints) -> dict[str, Any]:
        """The per-lead numbers of a result, column-wise, in the order of a result's keys."""
        fit = _fit_columns(self.catalogue)
        code = self.tiers.codes(ex.probability)
        rate = np.array([self.tiers.conversion_rate.get(tier) for tier in TIERS], dtype=object)[code]
        groups = self.reason_groups
        is_fit = np.array([g.group == "fit" for g in groups])
        fit_points = grouped.points[:, is_fit].sum(axis=1)
        summary: dict[str, Any] = {
            "probability": ex.probability,
            "score": ex.score,
            "tier": TIER_NAMES[code],
            "tier_conversion_rate": rate,
            # nothing known of who the lead is (every fit field missing or unknown): no grade, rather than one
            # that only says how the model fills in blanks
            "grade": np.where(grouped.may_raise[:, is_fit].any(axis=1),
                              self.grades.assign(ex.base_margin + ex.shap_values[:, fit].sum(axis=1)), None),
            "base_score": ex.base_score,
            "fit_score": fit_points,
            "engagement_score": grouped.points.sum(axis=1) - fit_points,
        }
        for dimension in DIMENSIONS:
            summary[f"bant_{dimension}"] = grouped.points[:, [g.dimension == dimension for g in groups]].sum(axis=1)
        for level in LEVELS:
            summary[f"level_{level}"] = grouped.points[:, [g.level == level for g in groups]].sum(axis=1)
        return summary


def distinct_pairs(texts: np.ndarray, shown_values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each reason's number among the distinct (sentence, value) pairs, numbered in order of first appearance,
    and how many there are. Two values are the same when they print alike (``repr``: ``1`` is not ``1.0``,
    ``-0.0`` is not ``0.0``), as a result shows them."""
    value_codes = _value_codes(shown_values) if len(texts) > FEW_VALUES else None
    if value_codes is None:  # a request's few leads, or values of mixed kinds: one key per reason
        distinct: dict[tuple[str, str], int] = {}
        codes = np.array([distinct.setdefault((t, repr(v)), len(distinct))
                          for t, v in zip(texts.tolist(), shown_values.tolist(), strict=True)], dtype=np.intp)
        return codes, len(distinct)
    text_codes = pd.factorize(texts)[0].astype(np.int64)
    codes, pairs = pd.factorize(text_codes * (int(value_codes.max(initial=0)) + 1) + value_codes)
    return codes.astype(np.intp), len(pairs)


def _value_codes(shown_values: np.ndarray) -> np.ndarray | None:
    """A code per value, equal exactly for values that print alike, when the values are all texts or all
    floats (``None`` among them); None for any other mix, which :func:`distinct_pairs` keys by ``repr``."""
    items = shown_values.tolist()
    kinds = set(map(type, items)) - {type(None)}
    none = np.equal(shown_values, None)
    if kinds <= {str}:
        return pd.factorize(shown_values, use_na_sentinel=False)[0].astype(np.int64)
    if kinds != {float}:
        return None
    numbers = np.where(none, 0.0, shown_values).astype(np.float64)
    if np.isnan(numbers).any():  # every NaN prints alike, whatever its bits
        return None
    return np.where(none, 0, pd.factorize(numbers.view(np.int64))[0] + 1).astype(np.int64)  # a float's repr: its bits


@functools.lru_cache(maxsize=16)
def _fit_columns(catalogue: Catalogue) -> np.ndarray:
    """The model columns of the fit group (who the lead is); the others are engagement."""
    return np.flatnonzero([f.group == "fit" for f in catalogue])


def _time_of_day(options: ScoringOptions) -> float | None:
    """The scoring moment's share of its day, where it was given (its UTC offset), for reasons that count
    calendar days; None without a moment."""
    if options.as_of is None:
        return None
    local = values.moment_us(options.as_of) + options.utc_offset // timedelta(microseconds=1)
    return (local % 86_400_000_000) / 86_400_000_000
