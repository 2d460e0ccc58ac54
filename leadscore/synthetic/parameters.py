"""Parameters of the synthetic world: shares of each category and their log-scale effects on the
phase-entry and conversion hazards, the buying-phase process, and the activity rates.
"""

from __future__ import annotations

import math

from features.contract import ACTIVITY_TYPES, HIGH_INTENT_ACTIVITIES, LEAD_SOURCES
from leadscore.synthetic.vocabulary import COUNTRIES, INDUSTRY_VARIANTS, UNKNOWN_ACTIVITY_TYPES

INDUSTRIES: tuple[str, ...] = tuple(INDUSTRY_VARIANTS)
#: industry: (share of companies, fit effect, median log10 employees, sweet spot lo, hi, revenue/employee EUR)
INDUSTRY_PARAMS: dict[str, tuple[float, float, float, float, float, float]] = {
    "software": (0.14, 0.45, 2.0, 50, 500, 180e3),
    "it_services": (0.10, 0.30, 1.9, 20, 300, 130e3),
    "manufacturing": (0.12, 0.05, 2.5, 200, 2000, 250e3),
    "automotive": (0.04, -0.05, 2.9, 500, 5000, 350e3),
    "retail": (0.07, 0.05, 2.2, 50, 1000, 220e3),
    "financial_services": (0.07, 0.10, 2.6, 100, 2000, 400e3),
    "healthcare": (0.06, -0.20, 2.4, 100, 1500, 170e3),
    "education": (0.04, -0.50, 2.1, 50, 500, 70e3),
    "consulting": (0.08, 0.20, 1.5, 10, 200, 150e3),
    "logistics": (0.05, -0.10, 2.3, 100, 1000, 200e3),
    "energy": (0.03, -0.15, 2.7, 200, 3000, 600e3),
    "public_sector": (0.03, -0.60, 2.8, 200, 5000, 90e3),
    "media": (0.05, 0.20, 1.7, 20, 300, 160e3),
    "telecommunications": (0.02, 0.15, 2.8, 200, 5000, 450e3),
    "real_estate": (0.03, -0.25, 1.6, 20, 300, 300e3),
    "construction": (0.03, -0.40, 1.9, 50, 500, 180e3),
    "other": (0.04, -0.30, 1.8, 20, 500, 150e3),
}
#: country: (share of companies, fit effect, legal form, top-level domain)
COUNTRY_PARAMS: dict[str, tuple[float, float, str, str]] = {
    "DE": (0.38, 0.35, "GmbH", "de"),
    "AT": (0.07, 0.30, "GmbH", "at"),
    "CH": (0.07, 0.30, "AG", "ch"),
    "US": (0.09, -0.10, "Inc.", "com"),
    "GB": (0.08, 0.00, "Ltd", "co.uk"),
    "FR": (0.05, -0.15, "SAS", "fr"),
    "NL": (0.05, 0.10, "B.V.", "nl"),
    "IT": (0.04, -0.20, "S.r.l.", "it"),
    "ES": (0.03, -0.20, "S.L.", "es"),
    "PL": (0.03, -0.15, "Sp. z o.o.", "pl"),
    "SE": (0.02, 0.05, "AB", "se"),
    "DK": (0.015, 0.05, "ApS", "dk"),
    "BE": (0.02, 0.00, "BV", "be"),
    "IE": (0.01, -0.10, "Ltd", "ie"),
    "CZ": (0.01, -0.25, "s.r.o.", "cz"),
    "NO": (0.01, 0.00, "AS", "no"),
    "FI": (0.01, 0.00, "Oy", "fi"),
    "PT": (0.005, -0.30, "Lda", "pt"),
}
#: Canonical industry -> (lo, hi) employees where a company of that industry buys most readily.
SIZE_SWEET_SPOTS: dict[str, tuple[int, int]] = {k: (int(v[3]), int(v[4])) for k, v in INDUSTRY_PARAMS.items()}
assert tuple(COUNTRY_PARAMS) == COUNTRIES
#: lead source: (share of leads, fit effect, P(already in a buying phase when created), P(free-mail),
#: P(undeliverable address)). Referral/partner/web-form (contact and demo forms) arrive mid-evaluation.
SOURCE_PARAMS: dict[str, tuple[float, float, float, float, float]] = {
    "web_form": (0.20, 0.30, 0.30, 0.20, 0.03),
    "webinar": (0.08, 0.10, 0.12, 0.30, 0.03),
    "trade_show": (0.08, 0.20, 0.15, 0.08, 0.04),
    "referral": (0.06, 0.70, 0.35, 0.08, 0.01),
    "paid_search": (0.12, -0.05, 0.10, 0.25, 0.05),
    "organic_search": (0.13, 0.10, 0.10, 0.25, 0.04),
    "social": (0.08, -0.50, 0.04, 0.45, 0.10),
    "email_campaign": (0.07, -0.40, 0.05, 0.20, 0.00),  # came from an e-mail that arrived
    "outbound": (0.09, -0.10, 0.06, 0.02, 0.06),
    "partner": (0.05, 0.60, 0.30, 0.05, 0.01),
    "other": (0.04, -0.20, 0.08, 0.20, 0.05),
}
assert tuple(SOURCE_PARAMS) == LEAD_SOURCES
DEPARTMENT_RELEVANCE: dict[str, float] = {
    "sales": 0.35, "marketing": 0.40, "it": 0.0, "finance": -0.35, "operations": -0.25, "hr": -0.60,
    "management": 0.10, "other": -0.35,
}
FREEMAIL_EFFECT = -0.6
BAD_EMAIL_EFFECT = -1.0
NEED_SD = 0.5  # unobserved need: no export records it
FIT_OFFSET = -0.9  # centres fit near 0 for the typical lead

# Buying phases (time unit: days).
ENTRY_RATE = 1 / 170  # phase entries per day of a fresh, average-fit lead
ENTRY_FIT = 0.6
AGE_FLOOR, AGE_TAU = 0.3, 180.0  # interest decays to 30 % with a time constant of ~6 months
REFRACTORY, REFRACTORY_TAU = 0.85, 60.0  # after a phase without purchase: "not now" for ~2 months
PHASE_SHAPE, PHASE_MEAN = 2.0, 42.0
PHASE_SCALE = PHASE_MEAN / math.gamma(1 + 1 / PHASE_SHAPE)
SERIOUSNESS_SD = 0.7
CONV_RATE = 0.013  # conversions per day in a phase after its ramp, average fit and seriousness
CONV_FIT = 0.9
CONV_RAMP = 14.0  # hazard grows linearly over the first two weeks (demos and trial come first)
START_IN_PHASE_FIT = 0.4
AFTERCARE_DAYS = 120.0  # onboarding activity after a conversion

ACTIVITY_CODE = {name: code for code, name in enumerate(ACTIVITY_TYPES)}
ALL_ACTIVITY_TYPES: tuple[str, ...] = ACTIVITY_TYPES + UNKNOWN_ACTIVITY_TYPES
#: Per-day rates while dormant, times the lead's engagement propensity and its age decay.
DORMANT_RATES: dict[str, float] = {
    "page_view": 0.022, "pricing_page_view": 0.0012, "content_download": 0.002,
    "webinar_registration": 0.0015, "webinar_attendance": 0.0003, "form_submit": 0.0008,
}
#: Per-day rates in a buying phase, times seriousness**0.6 and (0.5 + 0.5 * propensity).
PHASE_RATES: dict[str, float] = {
    "page_view": 0.20, "pricing_page_view": 0.05, "content_download": 0.025, "webinar_registration": 0.012,
    "webinar_attendance": 0.010, "form_submit": 0.010, "demo_request": 0.010, "trial_signup": 0.006,
    "meeting_held": 0.012,
}
assert set(HIGH_INTENT_ACTIVITIES) <= set(PHASE_RATES), "every kind of buying intent shows in a phase"
#: Per-day rates in the onboarding months after a conversion.
AFTERCARE_RATES: dict[str, float] = {"page_view": 0.05, "meeting_held": 0.015, "content_download": 0.005}
CAMPAIGN_EVERY = 14.0  # newsletter / nurture e-mail every two weeks
CAMPAIGN_REACH = 0.65  # share of the list a campaign is sent to (segments)
OPEN_BASE, OPEN_PHASE_BOOST = 0.32, 1.7
CLICK_GIVEN_OPEN, CLICK_PHASE = 0.12, 0.25
UNSUBSCRIBE = 0.004
