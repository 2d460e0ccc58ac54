"""Has the population of scored leads moved away from the one the model was trained on? The population
stability index (PSI) per feature and on the score.

    PSI = Σ_bins (a_i − e_i) · ln(a_i / e_i)

with e_i the reference's share of bin i (the training window) and a_i the current share (Siddiqi,
*Credit Risk Scorecards*, 2006; Yurdakul, *Statistical Properties of Population Stability Index*, 2018).
It is the symmetric Kullback–Leibler divergence of the two binned distributions. An empty bin's share is
replaced by :data:`~monitoring.config.PSI_EPSILON` so the logarithm stays finite.

Bins are fixed at training time in a :class:`ReferenceProfile`, which holds shares, never rows, and is
plain JSON, so the training run stores it with the model:

* numeric feature: the reference's deciles as right-closed bin edges (``x ≤ edge``; tied deciles merge,
  so a count that is 0 for 60 % of leads gets one bin for 0), plus one bin for a missing value;
* categorical feature: the most frequent categories by name, one "other" bin for rarer and unseen
  values, one bin for a missing value;
* the score: the deciles of the reference's probabilities.

Without any drift a PSI is not 0 but noise: for B bins and samples of M and N rows it is about
χ²_{B−1} · (1/M + 1/N) (Yurdakul 2018). Each result carries ``noise_p99``, the PSI that identical
populations exceed only 1 % of the time: with a small current sample (a quiet day), a PSI above 0.1 can
be noise, and the report says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2

from monitoring.config import MAX_CATEGORIES, NUMERIC_BINS, PSI_EPSILON, UNSEEN_SHOWN, DriftThresholds

Kind = Literal["numeric", "categorical"]
Level = Literal["stable", "moderate", "significant"]
SCORE = "score (probability)"
OTHER = "(other)"
MISSING = "(missing)"
PROFILE_VERSION = 1


def psi(expected: np.ndarray, actual: np.ndarray, epsilon: float = PSI_EPSILON) -> float:
    """PSI of two share vectors over the same bins (see the module docstring); a bin empty in both
    contributes nothing, an empty share in one is taken as ``epsilon``."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    used = (e > 0) | (a > 0)
    e, a = np.maximum(e[used], epsilon), np.maximum(a[used], epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def _missing_mask(values: pd.Series) -> np.ndarray:
    mask = values.isna().to_numpy(dtype=bool, copy=True)
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        present = ~mask
        mask[present] = (values[present].astype(str).str.strip() == "").to_numpy(dtype=bool)
    return mask


def _is_numeric(values: pd.Series) -> bool:
    if values.dtype == bool or isinstance(values.dtype, pd.BooleanDtype):
        return False
    if pd.api.types.is_numeric_dtype(values.dtype):
        return True
    present = values.dropna()
    return len(present) > 0 and all(isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
                                    for v in present)


@dataclass(frozen=True)
class FeatureProfile:
    """One feature's bins and the reference's share of each (the last bin is "missing")."""

    name: str
    kind: Kind
    shares: tuple[float, ...]
    edges: tuple[float, ...] = ()  # numeric: bin i holds edges[i-1] < x ≤ edges[i]
    categories: tuple[str, ...] = ()  # categorical: named bins, then OTHER

    @property
    def labels(self) -> list[str]:
        if self.kind == "categorical":
            return [*self.categories, OTHER, MISSING]
        if not self.edges:
            return ["all values", MISSING]
        e = [_number(x) for x in self.edges]
        return [f"≤ {e[0]}", *(f"{lo} – {hi}" for lo, hi in pairwise(e)), f"> {e[-1]}", MISSING]

    def counts(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """How many of ``values`` fall in each bin."""
        values = pd.Series(values) if not isinstance(values, pd.Series) else values
        missing = _missing_mask(values)
        if self.kind == "numeric":
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            missing |= np.isnan(x)
            index = np.searchsorted(np.asarray(self.edges, dtype=np.float64), x[~missing], side="left")
            inside = np.bincount(index, minlength=len(self.edges) + 1)
        else:
            other = len(self.categories)
            codes = pd.Categorical(values[~missing].astype(str), categories=list(self.categories)).codes
            inside = np.bincount(np.where(codes < 0, other, codes), minlength=other + 1)
        return np.append(inside, int(missing.sum()))

    def unseen(self, values: pd.Series | np.ndarray, top: int = UNSEEN_SHOWN) -> tuple[tuple[str, int], ...]:
        """What a categorical feature's "(other)" bin holds now: the present values the reference did not
        name (a new lead source, a new industry), the most frequent first, each with its count; for a
        numeric feature nothing. So a report can say *which* channel appeared, not only that "(other)" grew."""
        if self.kind != "categorical":
            return ()
        values = pd.Series(values) if not isinstance(values, pd.Series) else values
        text = values[~_missing_mask(values)].astype(str)
        counts = text[~text.isin(self.categories)].value_counts()
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        return tuple((str(value), int(count)) for value, count in ranked)


def _number(x: float) -> str:
    return f"{x:.4g}" if not float(x).is_integer() else f"{int(x)}"


def profile_feature(name: str, values: pd.Series | np.ndarray, bins: int = NUMERIC_BINS,
                    max_categories: int = MAX_CATEGORIES) -> FeatureProfile:
    """The reference bins of one feature from its training-window values."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    missing = _missing_mask(values)
    if _is_numeric(values):
        x = pd.to_numeric(values[~missing], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        finite = x[np.isfinite(x)]
        qs = np.arange(1, bins) / bins
        edges = tuple(float(e) for e in np.unique(np.quantile(finite, qs, method="inverted_cdf"))) \
            if len(finite) else ()
        profile = FeatureProfile(name, "numeric", (), edges=edges)
    else:
        frequency = values[~missing].astype(str).value_counts()
        ranked = sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0]))[:max_categories]
        profile = FeatureProfile(name, "categorical", (), categories=tuple(str(k) for k, _ in ranked))
    counts = profile.counts(values)
    return FeatureProfile(name, profile.kind, tuple((counts / max(len(values), 1)).tolist()), profile.edges,
                          profile.categories)


@dataclass(frozen=True)
class ReferenceProfile:
    """The training window's population in bins: every feature and the score. JSON-serialisable."""

    rows: int
    features: dict[str, FeatureProfile]
    score: FeatureProfile
    version: int = PROFILE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "rows": self.rows, "score": asdict(self.score),
                "features": [asdict(f) for f in self.features.values()]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceProfile:
        if data.get("version") != PROFILE_VERSION:
            raise ValueError(f"reference profile version {data.get('version')!r} is not {PROFILE_VERSION}")

        def feature(d: Mapping[str, Any]) -> FeatureProfile:
            return FeatureProfile(d["name"], d["kind"], tuple(d["shares"]), tuple(d["edges"]), tuple(d["categories"]))

        features = [feature(d) for d in data["features"]]
        return cls(int(data["rows"]), {f.name: f for f in features}, feature(data["score"]))

    @classmethod
    def from_json(cls, text: str) -> ReferenceProfile:
        return cls.from_dict(json.loads(text))


def build_profile(features: pd.DataFrame, probabilities: np.ndarray, bins: int = NUMERIC_BINS,
                  max_categories: int = MAX_CATEGORIES) -> ReferenceProfile:
    """The reference profile of a training window: its feature frame (the model's input columns) and
    the calibrated probabilities the model gives those rows."""
    if len(features) != len(probabilities):
        raise ValueError(f"{len(features)} feature rows but {len(probabilities)} probabilities")
    if not len(features):
        raise ValueError("a reference profile needs at least one row")
    profiles = {str(c): profile_feature(str(c), features[c], bins, max_categories) for c in features.columns}
    return ReferenceProfile(len(features), profiles, profile_feature(SCORE, np.asarray(probabilities, float), bins))


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's (or the score's) PSI, its level, and the shares behind it bin by bin."""

    name: str
    kind: Kind
    psi: float
    level: Level
    noise_p99: float
    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]
    unseen: tuple[tuple[str, int], ...] = ()  # categorical: the values now in "(other)", see FeatureProfile.unseen

    @property
    def beyond_noise(self) -> bool:
        """Whether the PSI is larger than identical populations give in 99 % of samples of these sizes."""
        return self.psi > self.noise_p99


@dataclass(frozen=True)
class DriftReport:
    """PSI of every feature (largest first) and of the score, current sample against the reference."""

    features: list[FeatureDrift]
    score: FeatureDrift | None  # None when compared without probabilities
    rows_reference: int
    rows_current: int
    thresholds: DriftThresholds = field(default_factory=DriftThresholds)

    @property
    def flagged(self) -> list[FeatureDrift]:
        """The score and features at or above the moderate threshold, largest PSI first."""
        return sorted((d for d in self.results if d.level != "stable"), key=lambda d: -d.psi)

    @property
    def results(self) -> list[FeatureDrift]:
        """The score (when compared) and every feature."""
        return [self.score, *self.features] if self.score is not None else list(self.features)

    @property
    def max_psi(self) -> float:
        return max(d.psi for d in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {"rows_reference": self.rows_reference, "rows_current": self.rows_current,
                "thresholds": asdict(self.thresholds), "score": asdict(self.score) if self.score else None,
                "features": [asdict(d) for d in self.features]}


def level_of(value: float, thresholds: DriftThresholds) -> Level:
    if value >= thresholds.significant:
        return "significant"
    return "moderate" if value >= thresholds.moderate else "stable"


def noise_p99(bins: int, rows_reference: int, rows_current: int) -> float:
    """The PSI two samples of one population exceed 1 % of the time: χ²_{B−1}(0.99) · (1/M + 1/N)."""
    if bins < 2 or not rows_reference or not rows_current:
        return 0.0
    return float(chi2.ppf(0.99, bins - 1) * (1 / rows_reference + 1 / rows_current))


def _drift(profile: FeatureProfile, values: pd.Series | np.ndarray, rows_reference: int,
           thresholds: DriftThresholds) -> FeatureDrift:
    counts = profile.counts(values)
    current = counts / max(int(counts.sum()), 1)
    reference = np.asarray(profile.shares)
    value = psi(reference, current)
    used = int(((reference > 0) | (current > 0)).sum())
    return FeatureDrift(profile.name, profile.kind, value, level_of(value, thresholds),
                        noise_p99(used, rows_reference, int(counts.sum())), tuple(profile.labels),
                        tuple(reference.tolist()), tuple(current.tolist()), profile.unseen(values))


def compare(profile: ReferenceProfile, features: pd.DataFrame, probabilities: np.ndarray | None,
            thresholds: DriftThresholds | None = None) -> DriftReport:
    """PSI of each profiled feature and of the score between the reference and a current sample (the
    leads scored lately: their feature frame and probabilities; without probabilities, features only)."""
    thresholds = thresholds or DriftThresholds()
    absent = [name for name in profile.features if name not in features.columns]
    if absent:
        raise ValueError(f"the current features lack {len(absent)} profiled column(s): {', '.join(absent[:10])}")
    if probabilities is not None and len(features) != len(probabilities):
        raise ValueError(f"{len(features)} feature rows but {len(probabilities)} probabilities")
    if not len(features):
        raise ValueError("no current rows to compare")
    drifts = [_drift(p, features[name], profile.rows, thresholds) for name, p in profile.features.items()]
    drifts.sort(key=lambda d: (-d.psi, d.name))
    score = None if probabilities is None else \
        _drift(profile.score, np.asarray(probabilities, dtype=np.float64), profile.rows, thresholds)
    return DriftReport(drifts, score, profile.rows, len(features), thresholds)
