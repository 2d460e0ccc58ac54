"""Fit signals: who the lead is (firmographics and role), independent of what it did.

Every categorical signal is defined by one pure scalar function (``features.titles``,
``features.normalise``). A batch applies it once per distinct raw value; a single online lead applies
it to its one value. Same function, same result, no training–serving skew. The e-mail kind, where nearly
every address is distinct, is the one exception in speed, not in meaning: a batch uses
:func:`features.normalise.email_domain_kinds`, which judges each distinct domain with the scalar rule's own
parts and is held equal to :func:`features.normalise.email_domain_kind` by a test.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from features.config import FeatureConfig
from features.normalise import (
    SMALL_COLUMN,
    Column,
    email_domain_kind,
    email_domain_kinds,
    is_missing,
    map_values,
    normalise_country,
    normalise_industry,
    normalise_lead_source,
    region_of,
)
from features.titles import DECISION_MAKER_SENIORITIES, parse_title

FIT_INPUTS: tuple[str, ...] = ("industry", "employee_count", "annual_revenue", "country", "email", "lead_source",
                               "job_title")


def _as_float(values: Column) -> np.ndarray:
    """A raw column as float64; text that is not a number, and missing values, become NaN.

    A few plain ``int``/``float``/``None`` values (an API request, already typed by its schema) are
    converted directly: for one lead, ``pd.to_numeric`` costs more than scoring it. Anything else
    takes ``pd.to_numeric``, the definition; both give the same float for a plain number."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fi":  # plain numbers already
        return values.astype(np.float64)
    if len(values) <= SMALL_COLUMN and all(v is None or type(v) is int or type(v) is float for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=np.float64)


def _numeric(values: Column) -> np.ndarray:
    """A numeric column as float64; non-positive or missing counts stay missing (log of 0 employees is no size)."""
    number = _as_float(values)
    return np.where(number > 0, number, np.nan)


def _seniority(title: object) -> str:
    return parse_title(title).seniority


def _department(title: object) -> str:
    return parse_title(title).department


def _region(country: object) -> str:
    return region_of(country if isinstance(country, str) else None)


def fit_features(leads: Mapping[str, Column], n_leads: int, config: FeatureConfig) -> dict[str, np.ndarray]:
    """Fit signals for ``n_leads`` leads given their raw columns (absent columns count as all-missing).

    A column may be a NumPy array (of Python objects or of plain numbers) or a pandas array such as
    Arrow-backed text, which is then hashed without a Python object per row; the values are the same.

    Categorical outputs are object arrays of clean labels (``None`` = missing); numeric outputs float64
    with NaN for missing. Missing firmographics stay missing: "unknown size" is information of its own.
    """
    def column(name: str) -> Column:
        values = leads.get(name)
        if values is None:
            return np.full(n_leads, None, dtype=object)
        return values if isinstance(values, np.ndarray | ExtensionArray) else np.asarray(values, dtype=object)

    titles = column("job_title")
    emails = column("email")
    country = map_values(column("country"), normalise_country)
    seniority = map_values(titles, _seniority)
    out: dict[str, np.ndarray] = {
        "industry": map_values(column("industry"), normalise_industry),
        "employee_count_log": np.log1p(_numeric(column("employee_count"))),
        "annual_revenue_log": np.log1p(_numeric(column("annual_revenue"))),
        "country": country,
        "region": map_values(country, _region),
        "email_domain_kind": map_values(emails, email_domain_kind) if n_leads <= SMALL_COLUMN
        else email_domain_kinds(emails),
        "lead_source": map_values(column("lead_source"), normalise_lead_source),
        "seniority": seniority,
        "department": map_values(titles, _department),
        "is_decision_maker": np.array([s in DECISION_MAKER_SENIORITIES for s in seniority], dtype=np.float64)
        if n_leads <= SMALL_COLUMN else pd.Series(seniority).isin(DECISION_MAKER_SENIORITIES).to_numpy(np.float64),
    }
    for name in config.extra_columns:
        raw = column(name)
        if name in config.extra_categorical:
            out[name] = map_values(raw, _clean_label)
        else:
            out[name] = _as_float(raw)
    return out


def _clean_label(value: object) -> str | None:
    """An extra categorical column's value, stripped; missing markers become missing."""
    return None if is_missing(value) else str(value).strip()
