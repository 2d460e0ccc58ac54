"""Fit signals: who the lead is (firmographics and role), independent of what it did.

Every categorical signal is defined by one pure scalar rule (:mod:`features.profile`), applied once per
distinct raw value of a column (:func:`features.values.map_distinct`), so a batch of a million leads and
one lead scored online get the same result from the same function. The e-mail kind is the one column with
a column-wise form, because nearly every address in a batch is distinct:
:func:`features.profile.email.email_domain_kinds` judges each distinct *domain* once with the scalar rule's
own parts, and a test holds it equal to :func:`features.profile.email.email_domain_kind`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pandas.api.extensions import ExtensionArray

from features import values
from features.config import FeatureConfig
from features.profile.country import normalise_country, region_of
from features.profile.email import email_domain_kinds
from features.profile.industry import normalise_industry
from features.profile.source import normalise_lead_source
from features.profile.title import DECISION_MAKER_SENIORITIES, parse_title

#: The lead fields the fit signals are computed from.
FIT_INPUTS: tuple[str, ...] = ("industry", "employee_count", "annual_revenue", "country", "email", "lead_source",
                               "job_title")


def _positive_log(column: object) -> np.ndarray:
    """log(1 + x) of a count or an amount; a missing or non-positive value stays missing (0 employees is no size)."""
    number = np.asarray(column, dtype=np.float64)
    return np.log1p(np.where(number > 0, number, np.nan))


def _seniority(title: object) -> str:
    return parse_title(title).seniority


def _department(title: object) -> str:
    return parse_title(title).department


def _region(country: object) -> str:
    return region_of(country if isinstance(country, str) else None)


def fit_features(leads: Mapping[str, values.Column], n_leads: int, config: FeatureConfig) -> dict[str, np.ndarray]:
    """Fit signals for ``n_leads`` leads from their columns as :class:`features.batch.LeadBatch` holds them
    (text as read by :func:`features.values.text`, amounts as float64); absent columns are all missing.

    Categorical outputs are object arrays of clean labels (``None`` = missing); numeric outputs float64
    with NaN for missing. Missing firmographics stay missing: "unknown size" is information of its own.
    """
    def column(name: str) -> values.Column:
        raw = leads.get(name)
        if raw is None:
            return np.full(n_leads, None, dtype=object)
        return raw if isinstance(raw, np.ndarray | ExtensionArray) else np.asarray(raw, dtype=object)

    titles = column("job_title")
    country = values.map_distinct(column("country"), normalise_country)
    seniority = values.map_distinct(titles, _seniority)
    out: dict[str, np.ndarray] = {
        "industry": values.map_distinct(column("industry"), normalise_industry),
        "employee_count_log": _positive_log(_amounts(column("employee_count"))),
        "annual_revenue_log": _positive_log(_amounts(column("annual_revenue"))),
        "country": country,
        "region": values.map_distinct(country, _region),
        "email_domain_kind": email_domain_kinds(column("email")),
        "lead_source": values.map_distinct(column("lead_source"), normalise_lead_source),
        "seniority": seniority,
        "department": values.map_distinct(titles, _department),
        "is_decision_maker": np.fromiter((s in DECISION_MAKER_SENIORITIES for s in seniority), dtype=np.float64,
                                         count=n_leads),
    }
    for name in config.extra_columns:
        raw = column(name)
        if name in config.extra_categorical:
            out[name] = values.map_distinct(raw, values.text)
        else:
            out[name] = np.array([np.nan if v is None else v for v in values.map_distinct(raw, values.number)],
                                 dtype=np.float64)
    return out


def _amounts(column: values.Column) -> np.ndarray:
    """A contract amount column as float64: numbers pass through, anything else takes the amount rule."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "fi":
        return column.astype(np.float64)
    return values.amounts(column)[0]
