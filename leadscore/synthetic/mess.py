"""The export, clean or messy: lead columns as a CRM records them and the mess real activity logs have."""

from __future__ import annotations

import numpy as np

from features.contract import ACTIVITY_TYPES, LEAD_SOURCES
from leadscore.synthetic.activities import Events
from leadscore.synthetic.clock import Clock
from leadscore.synthetic.leads import Latent
from leadscore.synthetic.parameters import INDUSTRIES
from leadscore.synthetic.vocabulary import COUNTRIES, INDUSTRY_VARIANTS, TITLES, UNKNOWN_ACTIVITY_TYPES


def clean_lead_columns(lat: Latent) -> dict[str, np.ndarray]:
    """Lead columns as a well-kept CRM would hold them (canonical picklist values, nothing missing)."""
    industry = np.array([v[0] for v in INDUSTRY_VARIANTS.values()], dtype=object)[lat.industry]
    return {
        "lead_source": np.asarray(LEAD_SOURCES, dtype=object)[lat.source],
        "email": lat.email,
        "company": lat.company,
        "industry": industry,
        "employee_count": lat.employees.astype(float),
        "annual_revenue": lat.revenue.astype(float),
        "country": np.asarray(COUNTRIES, dtype=object)[lat.country],
        "job_title": np.array([t[0] for t in TITLES], dtype=object)[lat.title],
    }


#: share of values missing in a messy export, by column
_MISSING: dict[str, float] = {
    "lead_source": 0.05, "email": 0.02, "company": 0.01, "industry": 0.05, "country": 0.04, "job_title": 0.07,
}
_LOWERCASE_COUNTRY = 0.10
_LOWERCASE_TITLE = 0.03
_DUPLICATE_ROWS, _ORPHAN_ROWS, _UNKNOWN_TYPE_ROWS = 0.01, 0.005, 0.005


def messy_lead_columns(rng: np.random.Generator, lat: Latent) -> dict[str, np.ndarray]:
    """Lead columns as a real CRM holds them after years of imports, form changes and manual entry.

    Firmographics are missing more often for self-service channels (forms, search, social) than for leads
    sales entered and enriched (referral, partner, outbound, trade show); a missing head-count usually
    comes with a missing revenue.
    """
    n = len(lat.created)
    cols = clean_lead_columns(lat)
    variants = [INDUSTRY_VARIANTS[c] for c in INDUSTRIES]
    n_var = np.array([len(v) for v in variants])[lat.industry]
    pick = np.where(rng.random(n) < 0.45, 0, 1 + (rng.random(n) * (n_var - 1)).astype(np.int64))
    flat = np.array([x for v in variants for x in v], dtype=object)
    first = np.cumsum([0] + [len(v) for v in variants])[:-1]
    cols["industry"] = flat[first[lat.industry] + pick]

    enriched = np.isin(np.asarray(LEAD_SOURCES)[lat.source], ["referral", "partner", "outbound", "trade_show"])
    no_employees = rng.random(n) < np.where(enriched, 0.15, 0.36)
    no_revenue = rng.random(n) < np.where(no_employees, 0.75, 0.18)
    cols["employee_count"] = np.where(no_employees, np.nan, cols["employee_count"])
    cols["annual_revenue"] = np.where(no_revenue, np.nan, cols["annual_revenue"])

    lower = rng.random(n) < _LOWERCASE_COUNTRY
    cols["country"] = np.where(lower, np.char.lower(cols["country"].astype(str)).astype(object), cols["country"])
    title_lower = rng.random(n) < _LOWERCASE_TITLE
    cols["job_title"] = np.where(
        title_lower, np.char.lower(cols["job_title"].astype(str)).astype(object), cols["job_title"]
    )
    for name, share in _MISSING.items():
        cols[name] = np.where(rng.random(n) < share, None, cols[name])
    return cols


def messy_activities(
    rng: np.random.Generator, lat: Latent, clock: Clock, lead: np.ndarray, day: np.ndarray, kind: np.ndarray
) -> Events:
    """Add exact duplicate rows, rows of deleted leads (ids not in leads) and unknown activity types.

    Lead indices ``>= n_leads`` stand for deleted leads; they become ids no lead has.
    """
    n, m = len(lat.created), len(lead)
    dup = rng.choice(m, size=round(m * _DUPLICATE_ROWS), replace=False) if m else np.zeros(0, np.int64)
    n_orphan = round(m * _ORPHAN_ROWS)
    orphan_lead = n + rng.integers(0, max(10, n // 20), n_orphan)
    orphan_day = rng.random(n_orphan) * clock.t_end
    orphan_kind = kind[rng.integers(0, m, n_orphan)] if m else np.zeros(n_orphan, np.int8)
    n_unknown = round(m * _UNKNOWN_TYPE_ROWS)
    unknown_lead = rng.integers(0, n, n_unknown)
    unknown_day = lat.created[unknown_lead] + rng.random(n_unknown) * (clock.t_end - lat.created[unknown_lead])
    unknown_kind = (len(ACTIVITY_TYPES) + rng.integers(0, len(UNKNOWN_ACTIVITY_TYPES), n_unknown)).astype(np.int8)
    return (
        np.concatenate([lead, lead[dup], orphan_lead, unknown_lead]),
        np.concatenate([day, day[dup], orphan_day, unknown_day]),
        np.concatenate([kind, kind[dup], orphan_kind, unknown_kind]),
    )

