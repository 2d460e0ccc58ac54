"""A synthetic B2B CRM history whose right answer is known.

Every test, demo and benchmark of leadscore stands on this world, so it is built to look like a real CRM
export (three tables in the data contract's shape, German and English free text, the mess real exports
have) while carrying a *truth file*: the best probability any model could give each open lead.

The world
---------
A company sells a sales-and-marketing product to other companies, mostly in the DACH region. Leads are
people at companies (several leads may share one company). What makes a lead a good customer (its **fit**)
is fixed when it is created and acts on a log scale:

* industry, and company size with a sweet spot that differs by industry (software buys at 50-500
  employees, manufacturing at 200-2,000; too small cannot afford it, too large builds it in-house);
  annual revenue follows size log-normally, so it carries little extra information;
* country (DACH strongest), lead source (referral, partner and web form strongest; social and e-mail
  campaigns weakest), free-mail vs corporate e-mail, undeliverable addresses (junk leads);
* the job title's seniority and department *with the company size*: in a 20-person firm the
  Geschäftsführer decides alone, in a 5,000-person firm a Head of Marketing matters more than the CEO;
* an unobserved need (a random effect no export records).

Engagement follows a latent **buying phase** process. A dormant lead enters a phase at a rate that grows
with fit, decays with the lead's age (interest fades) and is suppressed for a few months after a phase
ended without a purchase (they just decided "not now"). A phase lasts about six weeks (Weibull, shape 2,
mean 42 days): the usual B2B evaluation of a mid-priced tool, from first research through demos and a
trial to internal approval. In a phase the lead shows bursts of high-intent activity (pricing page, demo
request, webinar attendance, trial, meetings, downloads) whose intensity grows with the phase's latent
*seriousness*; outside a phase there is only low-level noise (page views, e-mail opens from the fortnightly
campaign, webinar registrations without attendance). A lead converts only inside a phase, at a hazard that
ramps up over the first two weeks of the phase and grows with fit and seriousness, so **recency matters**
and a stale burst means little. A lead converts at most once; onboarding meetings and page views continue
after the conversion, which a correct point-in-time pipeline must not see. An unsubscribe stops later
e-mail activity; an undeliverable address bounces once and never opens anything.

The truth file
--------------
For the moment ``truth_as_of`` T and every lead that is *open* at T (created at or before T, not converted
by T), ``true_probability`` is P(convert in (T, T + horizon] | the full latent state at T): fit (with the
unobserved need), whether the lead is in a buying phase, how long it has been in it and how serious it
is, when its last phase ended and how old it is. It is computed by Monte Carlo: the same process that
generated the history is restarted from each lead's state at T ``TRUTH_DRAWS`` times. The realised
continuation is one more draw of that process, so ``converted_in_horizon`` (what actually happened) is
calibrated against ``true_probability`` by construction, up to sampling noise. No model that sees only
the exports can beat its AUC or log loss except by chance; tests compare models against it.

The mess
--------
With ``mess=True`` the export is degraded the way real ones are, *after* the latent world is generated (so
``mess=False`` is the same world, cleanly recorded): missing firmographics, picklist drift in industry,
lower-case and missing country codes, missing titles and sources, exactly duplicated activity rows,
activities of deleted leads, and activity types outside the contract's vocabulary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from features.contract import (
    ACTIVITY_COLUMNS,
    ACTIVITY_TYPES,
    CONVERSION_COLUMNS,
    HIGH_INTENT_ACTIVITIES,
    LEAD_COLUMNS,
    LEAD_SOURCES,
)

__all__ = [
    "COUNTRIES",
    "DEPARTMENTS",
    "FREEMAIL_DOMAINS",
    "INDUSTRY_VARIANTS",
    "SENIORITY_CLASSES",
    "SIZE_SWEET_SPOTS",
    "TITLES",
    "TRUTH_COLUMNS",
    "TRUTH_DRAWS",
    "UNKNOWN_ACTIVITY_TYPES",
    "World",
    "WorldConfig",
    "generate_world",
    "read_world",
    "write_world",
]

# ---------------------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------------------

SENIORITY_CLASSES: tuple[str, ...] = (
    "c_level_owner",
    "vp_director",
    "head_lead",
    "manager",
    "individual_contributor",
    "student_intern",
)
DEPARTMENTS: tuple[str, ...] = ("sales", "marketing", "it", "finance", "operations", "hr", "management", "other")

#: (job title as typed into a CRM, seniority class, department). German titles come in both genders where
#: CRMs see both. A title parser can be tested against this list: it is what the world writes.
TITLES: tuple[tuple[str, str, str], ...] = (
    # c_level_owner
    ("Geschäftsführer", "c_level_owner", "management"),
    ("Geschäftsführerin", "c_level_owner", "management"),
    ("Geschäftsführender Gesellschafter", "c_level_owner", "management"),
    ("Inhaber", "c_level_owner", "management"),
    ("Inhaberin", "c_level_owner", "management"),
    ("Vorstand", "c_level_owner", "management"),
    ("CEO", "c_level_owner", "management"),
    ("Founder & CEO", "c_level_owner", "management"),
    ("Managing Director", "c_level_owner", "management"),
    ("Owner", "c_level_owner", "management"),
    ("Chief Marketing Officer", "c_level_owner", "marketing"),
    ("CMO", "c_level_owner", "marketing"),
    ("Chief Revenue Officer", "c_level_owner", "sales"),
    ("Chief Sales Officer", "c_level_owner", "sales"),
    ("CFO", "c_level_owner", "finance"),
    ("Kaufmännischer Geschäftsführer", "c_level_owner", "finance"),
    ("CTO", "c_level_owner", "it"),
    ("Chief Information Officer", "c_level_owner", "it"),
    ("COO", "c_level_owner", "operations"),
    # vp_director
    ("VP Marketing", "vp_director", "marketing"),
    ("VP Sales", "vp_director", "sales"),
    ("Vice President Sales", "vp_director", "sales"),
    ("Director of Marketing", "vp_director", "marketing"),
    ("Sales Director", "vp_director", "sales"),
    ("Vertriebsdirektor", "vp_director", "sales"),
    ("Marketingdirektorin", "vp_director", "marketing"),
    ("Bereichsleiter Vertrieb", "vp_director", "sales"),
    ("Bereichsleiterin Marketing", "vp_director", "marketing"),
    ("IT Director", "vp_director", "it"),
    ("Finance Director", "vp_director", "finance"),
    ("Director Operations", "vp_director", "operations"),
    ("HR Director", "vp_director", "hr"),
    ("Prokurist", "vp_director", "management"),
    # head_lead
    ("Head of Sales", "head_lead", "sales"),
    ("Head of Marketing", "head_lead", "marketing"),
    ("Leiter Vertrieb", "head_lead", "sales"),
    ("Leiterin Vertrieb", "head_lead", "sales"),
    ("Leiter Marketing", "head_lead", "marketing"),
    ("Leiterin Marketing", "head_lead", "marketing"),
    ("Vertriebsleiter", "head_lead", "sales"),
    ("Vertriebsleiterin", "head_lead", "sales"),
    ("Marketingleiter", "head_lead", "marketing"),
    ("Head of Growth", "head_lead", "marketing"),
    ("Head of Demand Generation", "head_lead", "marketing"),
    ("Head of Revenue Operations", "head_lead", "sales"),
    ("Teamleiter Inside Sales", "head_lead", "sales"),
    ("Head of IT", "head_lead", "it"),
    ("IT-Leiter", "head_lead", "it"),
    ("Leiter Finanzen", "head_lead", "finance"),
    ("Head of Operations", "head_lead", "operations"),
    ("Teamleiterin Kundenservice", "head_lead", "operations"),
    ("Personalleiterin", "head_lead", "hr"),
    ("Head of People", "head_lead", "hr"),
    # manager
    ("Marketing Manager", "manager", "marketing"),
    ("Marketing Managerin", "manager", "marketing"),
    ("Online Marketing Manager", "manager", "marketing"),
    ("Performance Marketing Manager", "manager", "marketing"),
    ("CRM Manager", "manager", "marketing"),
    ("Sales Manager", "manager", "sales"),
    ("Key Account Manager", "individual_contributor", "sales"),
    ("Key Account Managerin", "individual_contributor", "sales"),
    ("Business Development Manager", "manager", "sales"),
    ("IT Manager", "manager", "it"),
    ("Projektmanagerin", "manager", "operations"),
    ("Office Manager", "manager", "operations"),
    ("HR Manager", "manager", "hr"),
    ("Product Manager", "manager", "other"),
    # individual_contributor
    ("Vertriebsmitarbeiter", "individual_contributor", "sales"),
    ("Vertriebsmitarbeiterin", "individual_contributor", "sales"),
    ("Sales Representative", "individual_contributor", "sales"),
    ("Account Executive", "individual_contributor", "sales"),
    ("Sales Development Representative", "individual_contributor", "sales"),
    ("Marketing Specialist", "individual_contributor", "marketing"),
    ("Referentin Marketing", "individual_contributor", "marketing"),
    ("Content Marketing Specialist", "individual_contributor", "marketing"),
    ("IT Administrator", "individual_contributor", "it"),
    ("Systemadministrator", "individual_contributor", "it"),
    ("Softwareentwickler", "individual_contributor", "it"),
    ("Software Engineer", "individual_contributor", "it"),
    ("Buchhalterin", "individual_contributor", "finance"),
    ("Accountant", "individual_contributor", "finance"),
    ("Controllerin", "individual_contributor", "finance"),
    ("Sachbearbeiter", "individual_contributor", "operations"),
    ("Kaufmännische Angestellte", "individual_contributor", "operations"),
    ("Assistenz der Geschäftsführung", "individual_contributor", "management"),
    ("Recruiter", "individual_contributor", "hr"),
    ("Consultant", "individual_contributor", "other"),
    ("Berater", "individual_contributor", "other"),
    # student_intern
    ("Werkstudent Vertrieb", "student_intern", "sales"),
    ("Werkstudentin Marketing", "student_intern", "marketing"),
    ("Working Student IT", "student_intern", "it"),
    ("Praktikant", "student_intern", "other"),
    ("Praktikantin Marketing", "student_intern", "marketing"),
    ("Marketing Intern", "student_intern", "marketing"),
    ("Sales Intern", "student_intern", "sales"),
    ("Student", "student_intern", "other"),
    ("Auszubildender", "student_intern", "other"),
    ("Azubi Industriekaufmann", "student_intern", "operations"),
)

#: Canonical industry -> raw picklist values CRMs hold for it (picklist drift over the years, German and
#: English UIs, import scripts). The first variant is the clean one, used when ``mess=False``.
INDUSTRY_VARIANTS: dict[str, tuple[str, ...]] = {
    "software": (
        "Software", "software ", "SOFTWARE", "IT/Software", "Software & SaaS", "SaaS", "Softwareentwicklung",
    ),
    "it_services": ("IT Services", "IT-Dienstleistungen", "Information Technology"),
    "manufacturing": ("Manufacturing", "Maschinenbau", "Industrial Machinery", "Produktion"),
    "automotive": ("Automotive", "Automobil", "Automobilindustrie"),
    "retail": ("Retail", "Einzelhandel", "E-Commerce", "Retail & E-Commerce"),
    "financial_services": (
        "Financial Services", "Banking", "Finanzdienstleistungen", "Insurance", "Versicherungen",
    ),
    "healthcare": ("Healthcare", "Gesundheitswesen", "Pharma", "Medizintechnik"),
    "education": ("Education", "Bildung", "E-Learning"),
    "consulting": ("Consulting", "Beratung", "Unternehmensberatung"),
    "logistics": ("Logistics", "Logistik", "Transport & Logistik"),
    "energy": ("Energy", "Energie", "Utilities"),
    "public_sector": ("Public Sector", "Öffentlicher Dienst", "Government"),
    "media": ("Media", "Medien", "Marketing & Advertising"),
    "telecommunications": ("Telecommunications", "Telekommunikation"),
    "real_estate": ("Real Estate", "Immobilien"),
    "construction": ("Construction", "Bauwesen"),
    "other": ("Other", "Sonstige"),
}

#: ISO 3166-1 alpha-2 codes the world uses, DACH first.
COUNTRIES: tuple[str, ...] = (
    "DE", "AT", "CH", "US", "GB", "FR", "NL", "IT", "ES", "PL", "SE", "DK", "BE", "IE", "CZ", "NO", "FI", "PT",
)

#: Activity types a CRM export contains that the contract does not know (counted as ``other`` by it).
UNKNOWN_ACTIVITY_TYPES: tuple[str, ...] = ("chat_started", "social_share", "sms_sent", "call_logged")

TRUTH_COLUMNS: tuple[str, ...] = ("lead_id", "as_of", "true_probability", "converted_in_horizon")

#: Monte Carlo draws per open lead for ``true_probability``; the per-lead standard error is at most
#: 0.5 / sqrt(256) ~ 0.03, and far less for the typical lead with p ~ 0.05 (~0.014).
TRUTH_DRAWS = 256

# ---------------------------------------------------------------------------------------------------------
# Parameters of the world (log-scale effects on the phase-entry and conversion hazards)
# ---------------------------------------------------------------------------------------------------------

_INDUSTRIES: tuple[str, ...] = tuple(INDUSTRY_VARIANTS)
#: industry: (share of companies, fit effect, median log10 employees, sweet spot lo, hi, revenue/employee EUR)
_INDUSTRY_PARAMS: dict[str, tuple[float, float, float, float, float, float]] = {
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
_COUNTRY_PARAMS: dict[str, tuple[float, float, str, str]] = {
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
SIZE_SWEET_SPOTS: dict[str, tuple[int, int]] = {k: (int(v[3]), int(v[4])) for k, v in _INDUSTRY_PARAMS.items()}
assert tuple(_COUNTRY_PARAMS) == COUNTRIES
#: lead source: (share of leads, fit effect, P(already in a buying phase when created), P(free-mail),
#: P(undeliverable address)). Referral/partner/web-form (contact and demo forms) arrive mid-evaluation.
_SOURCE_PARAMS: dict[str, tuple[float, float, float, float, float]] = {
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
assert tuple(_SOURCE_PARAMS) == LEAD_SOURCES
_DEPARTMENT_RELEVANCE: dict[str, float] = {
    "sales": 0.35, "marketing": 0.40, "it": 0.0, "finance": -0.35, "operations": -0.25, "hr": -0.60,
    "management": 0.10, "other": -0.35,
}
_FREEMAIL_EFFECT = -0.6
_BAD_EMAIL_EFFECT = -1.0
_NEED_SD = 0.5  # unobserved need: no export records it
_FIT_OFFSET = -0.9  # centres fit near 0 for the typical lead

# Buying phases (time unit: days).
_ENTRY_RATE = 1 / 170  # phase entries per day of a fresh, average-fit lead
_ENTRY_FIT = 0.6
_AGE_FLOOR, _AGE_TAU = 0.3, 180.0  # interest decays to 30 % with a time constant of ~6 months
_REFRACTORY, _REFRACTORY_TAU = 0.85, 60.0  # after a phase without purchase: "not now" for ~2 months
_PHASE_SHAPE, _PHASE_MEAN = 2.0, 42.0
_PHASE_SCALE = _PHASE_MEAN / math.gamma(1 + 1 / _PHASE_SHAPE)
_SERIOUSNESS_SD = 0.7
_CONV_RATE = 0.013  # conversions per day in a phase after its ramp, average fit and seriousness
_CONV_FIT = 0.9
_CONV_RAMP = 14.0  # hazard grows linearly over the first two weeks (demos and trial come first)
_START_IN_PHASE_FIT = 0.4
_AFTERCARE_DAYS = 120.0  # onboarding activity after a conversion

_A = {name: code for code, name in enumerate(ACTIVITY_TYPES)}
_ALL_TYPES: tuple[str, ...] = ACTIVITY_TYPES + UNKNOWN_ACTIVITY_TYPES
#: Per-day rates while dormant, times the lead's engagement propensity and its age decay.
_DORMANT_RATES: dict[str, float] = {
    "page_view": 0.022, "pricing_page_view": 0.0012, "content_download": 0.002,
    "webinar_registration": 0.0015, "webinar_attendance": 0.0003, "form_submit": 0.0008,
}
#: Per-day rates in a buying phase, times seriousness**0.6 and (0.5 + 0.5 * propensity).
_PHASE_RATES: dict[str, float] = {
    "page_view": 0.20, "pricing_page_view": 0.05, "content_download": 0.025, "webinar_registration": 0.012,
    "webinar_attendance": 0.010, "form_submit": 0.010, "demo_request": 0.010, "trial_signup": 0.006,
    "meeting_held": 0.012,
}
assert set(HIGH_INTENT_ACTIVITIES) <= set(_PHASE_RATES), "every kind of buying intent shows in a phase"
#: Per-day rates in the onboarding months after a conversion.
_AFTERCARE_RATES: dict[str, float] = {"page_view": 0.05, "meeting_held": 0.015, "content_download": 0.005}
_CAMPAIGN_EVERY = 14.0  # newsletter / nurture e-mail every two weeks
_CAMPAIGN_REACH = 0.65  # share of the list a campaign is sent to (segments)
_OPEN_BASE, _OPEN_PHASE_BOOST = 0.32, 1.7
_CLICK_GIVEN_OPEN, _CLICK_PHASE = 0.12, 0.25
_UNSUBSCRIBE = 0.004

_FIRST_NAMES = (
    "Anna", "Lena", "Julia", "Laura", "Sarah", "Katharina", "Sophie", "Marie", "Lisa", "Hannah", "Emma",
    "Claudia", "Sabine", "Petra", "Nina", "Jana", "Alexander", "Maximilian", "Lukas", "Jonas", "Felix", "Paul",
    "Thomas", "Michael", "Andreas", "Stefan", "Christian", "Markus", "Daniel", "Jan", "Tobias", "Florian",
    "Peter", "Martin", "Jürgen", "Björn", "Jörg", "Ömer", "Mehmet", "Elif", "James", "John", "Emily", "Olivia",
    "Pierre", "Camille", "Luca", "Giulia", "Pablo", "Lucía", "Piotr", "Anna-Lena", "Erik", "Astrid", "Sven",
)
_LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
    "Huber", "Gruber", "Steiner", "Moser", "Keller", "Brunner", "Smith", "Jones", "Taylor", "Brown", "Dubois",
    "Martin", "Rossi", "Bianchi", "García", "López", "Nowak", "Kowalski", "de Vries", "Jansen", "Andersson",
    "Nielsen", "Yılmaz", "Kaya", "O'Brien",
)
_COMPANY_HEADS = (
    "Nord", "Süd", "Alpen", "Rhein", "Elb", "Isar", "Main", "Donau", "Blau", "Grün", "Stern", "Licht", "Berg",
    "Tal", "Wald", "Nova", "Vega", "Orbit", "Pixel", "Data", "Quant", "Flux", "Smart", "Prime", "Meta", "Opti",
    "Logi", "Medi", "Fin", "Bau", "Auto", "Agri", "Tele", "Info", "Net", "Cloud", "Hanse", "Brück", "Falken",
    "Adler",
)
_COMPANY_TAILS = (
    "tech", "soft", "werk", "bau", "logistik", "systeme", "consult", "media", "data", "net", "works", "labs",
    "trans", "energie", "plan", "form", "line", "port", "hub", "wise", "tron", "med", "fin", "ware", "point",
    "kraft", "punkt", "feld", "haus", "quelle",
)
_COMPANY_KINDS = (
    "", " Solutions", " Group", " Systems", " & Partner", " Digital", " Services", " International",
    " Technik", " Holding",
)
#: Free-mail providers some leads give instead of a company address (private interest, students, junk).
FREEMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "gmx.de", "web.de", "t-online.de", "outlook.com", "yahoo.com", "hotmail.com", "gmx.net",
    "icloud.com", "gmx.at", "bluewin.ch",
)
_BOGUS_EMAILS = (
    "test@test.de", "asdf@asdf.de", "keine@angabe.de", "x@x.com", "info@example.com", "noreply@noreply.com",
)


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldConfig:
    """What world to generate.

    ``start`` is when the first lead is created and ``end`` the moment of the export: nothing after it is
    in the files. ``truth_as_of`` (default ``end - horizon_days``, so every outcome in the horizon is
    observed) is the snapshot the truth file scores. A later ``truth_as_of`` is allowed: the latent history
    is then simulated past ``end`` so ``converted_in_horizon`` is still known, though the files stop at
    ``end``. ``mess`` degrades the export the way real CRM exports are degraded; the latent world and the
    truth do not change with it.
    """

    n_leads: int = 20_000
    seed: int = 0
    start: str = "2024-01-01"
    end: str = "2026-06-30"
    horizon_days: int = 90
    truth_as_of: str | None = None
    mess: bool = True
    #: conversion hazard × this (2.0 roughly doubles the conversion rate); the truth follows it
    conversion_scale: float = 1.0
    #: how strongly fit and intent interact: the effect of fit on converting grows with how serious the buying
    #: phase is, ``seriousness ** (1 + interaction · fit)``; 0 keeps the two additive in log-hazard
    interaction: float = 0.0
    #: change of the log conversion hazard from the first to the last day of the history (base-rate drift)
    base_rate_drift: float = 0.0
    #: share of leads whose channel is redrawn from a mix that tilts, over the history, towards paid search
    #: and social and away from trade shows and referrals (channel-mix drift)
    channel_drift: float = 0.0
    #: from this date on, the CRM's picklists change: industries and channels are written with new labels
    #: the old history never used (picklist drift); None: no change
    picklist_change: str | None = None
    #: False: the export has no activities table (conversions still follow the hidden buying phases)
    activities: bool = True

    @classmethod
    def preset(cls, name: str, **changes: object) -> WorldConfig:
        """Worlds of other shapes, for judging a model on more than one world (see :data:`PRESETS`)."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
        return replace(cls(**PRESETS[name]), **changes)  # type: ignore[arg-type]


@dataclass
class World:
    """A generated CRM history in the data contract's shape, plus the truth at one snapshot.

    ``leads``, ``activities`` and ``conversions`` are what a CRM export would contain (activities sorted by
    ``occurred_at``). ``truth`` has one row per lead open at ``as_of``: ``true_probability`` is the
    probability of converting in ``(as_of, as_of + horizon]`` given the full latent state (the best any
    model can do) and ``converted_in_horizon`` is 1 if the lead actually did.
    """

    leads: pd.DataFrame
    activities: pd.DataFrame
    conversions: pd.DataFrame
    truth: pd.DataFrame


#: Named worlds: each a few knobs away from the default.
PRESETS: dict[str, dict[str, object]] = {
    "default": {},
    # a CRM started three months ago, judged on what happens after the export (truth at the end)
    "short_crm": {"start": "2026-03-30", "end": "2026-06-30", "n_leads": 1_000, "truth_as_of": "2026-06-30"},
    # 8.5 months of leads without an activity table (fit only), judged after the export
    "no_activities": {"start": "2025-10-15", "end": "2026-06-30", "activities": False, "truth_as_of": "2026-06-30"},
    "drifting": {"base_rate_drift": 0.8, "channel_drift": 0.5, "picklist_change": "2025-12-01"},
    "strong_interaction": {"interaction": 1.5},
    "low_base_rate": {"conversion_scale": 0.35},
}


def generate_world(config: WorldConfig = WorldConfig()) -> World:
    """Generate a CRM history and its truth file; the same config always gives identical frames.

    Every random draw comes from one ``np.random.default_rng(config.seed)`` in a fixed order, and all work
    is vectorised over leads (the only Python loops run over buying phases and rejection rounds), so a
    million leads take minutes, not hours.
    """
    if config.n_leads < 1:
        raise ValueError("n_leads must be at least 1")
    rng = np.random.default_rng(config.seed)
    clock = _Clock.from_config(config)
    latent = _draw_leads(rng, config.n_leads, clock)
    history = _simulate(
        rng,
        created=latent.created,
        fit=latent.fit,
        t0=latent.created,
        in_phase=rng.random(config.n_leads) < latent.p_start_in_phase,
        phase_start=latent.created,
        seriousness=_draw_seriousness(rng, config.n_leads),
        last_end=np.full(config.n_leads, -np.inf),
        t_stop=clock.sim_end,
        record=True,
        clock=clock,
    )
    won = np.isfinite(history.conversion)
    conv_s = np.full(config.n_leads, np.iinfo(np.int64).max)
    conv_s[won] = _floor_seconds(history.conversion[won])
    act_lead, act_time, act_type = _activities(rng, latent, history, clock)
    truth = _truth(rng, latent, history, conv_s, clock)
    if config.mess:
        lead_cols = _messy_lead_columns(rng, latent)
        act_lead, act_time, act_type = _messy_activities(rng, latent, clock, act_lead, act_time, act_type)
    else:
        lead_cols = _clean_lead_columns(latent)
    if config.picklist_change is not None:
        lead_cols = _changed_picklists(lead_cols, latent, clock, config.picklist_change)
    world = _assemble(latent, lead_cols, act_lead, act_time, act_type, conv_s, truth, clock)
    if not config.activities:
        world.activities = world.activities.iloc[:0].reset_index(drop=True)
    return world


#: What a CRM's picklists say after the change ``picklist_change`` (labels the earlier history never used).
_NEW_LABELS = {
    "industry": {"Software": "Digital Products", "IT-Dienstleistungen": "Tech Services",
                 "Manufacturing": "Industry 4.0", "Maschinenbau": "Industry 4.0", "Retail": "Commerce",
                 "Einzelhandel": "Commerce"},
    "lead_source": {"web_form": "Inbound", "Web Form": "Inbound", "Webformular": "Inbound",
                    "referral": "Recommended", "Empfehlung": "Recommended", "paid_search": "SEA", "Google Ads": "SEA"},
}


def _changed_picklists(cols: dict[str, np.ndarray], lat: _Latent, clock: _Clock, moment: str) -> dict[str, np.ndarray]:
    """The lead columns with new picklist labels for leads created from ``moment`` on."""
    day = (pd.Timestamp(moment, tz="UTC").timestamp() - clock.origin_s) / 86400.0
    later = lat.created >= day
    out = dict(cols)
    for column, labels in _NEW_LABELS.items():
        values = np.asarray(cols[column], dtype=object).copy()
        values[later] = [labels.get(v, v) if isinstance(v, str) else v for v in values[later]]
        out[column] = values
    return out


def write_world(world: World, out_dir: Path, fmt: Literal["csv", "parquet"] = "csv") -> dict[str, Path]:
    """Write leads.<ext>, activities.<ext>, conversions.<ext> and truth.<ext> into ``out_dir``.

    CSV timestamps are ISO 8601 UTC with a ``Z`` (``2025-03-04T09:15:00Z``; the world keeps whole
    seconds); missing values are empty fields. Returns the path of each table by name.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in _tables(world).items():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        else:
            frame.to_parquet(path, index=False)
        paths[name] = path
    return paths


def read_world(directory: Path, fmt: Literal["csv", "parquet"] = "csv") -> World:
    """Read back what :func:`write_world` wrote, with the dtypes :func:`generate_world` returns.

    A convenience for demos and tests of this module; leadscore's own loader reads real exports.
    """
    directory = Path(directory)
    frames: dict[str, pd.DataFrame] = {}
    for name, time_cols in _TIME_COLUMNS.items():
        path = directory / f"{name}.{fmt}"
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=_CSV_DTYPES.get(name), float_precision="round_trip")
            for col in time_cols:
                frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").dt.as_unit("us")
        else:
            frame = pd.read_parquet(path)
        frames[name] = frame
    return World(**frames)


# ---------------------------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    """The world's time axis: floats in days since ``start`` (midnight UTC)."""

    origin_s: int  # start as Unix seconds
    t_end: float  # export moment
    t_truth: float  # truth_as_of
    horizon: float
    sim_end: float  # how far the latent history is simulated
    scale: float = 1.0  # conversion hazard multiplier
    drift_per_day: float = 0.0  # change of the log conversion hazard per day of the history
    interaction: float = 0.0  # seriousness ** (1 + interaction · fit)
    channel_drift: float = 0.0  # share of the latest leads whose channel comes from the tilted mix

    def conversion_factor(self, start: np.ndarray, fit: np.ndarray, serious: np.ndarray) -> np.ndarray | float:
        """The knobs' multiplier of a phase's conversion hazard (1.0 for the default world, exactly)."""
        factor: np.ndarray | float = self.scale
        if self.drift_per_day:
            factor = factor * np.exp(self.drift_per_day * start)
        if self.interaction:
            factor = factor * serious ** (self.interaction * fit)
        return factor

    @classmethod
    def from_config(cls, config: WorldConfig) -> _Clock:
        start = pd.Timestamp(config.start, tz="UTC")
        end = pd.Timestamp(config.end, tz="UTC")
        if end <= start:
            raise ValueError("end must be after start")
        as_of = (
            end - pd.Timedelta(days=config.horizon_days)
            if config.truth_as_of is None
            else pd.Timestamp(config.truth_as_of, tz="UTC")
        )
        if not start < as_of:
            raise ValueError("truth_as_of must be after start")
        day = 86400.0
        t_end = (end - start).total_seconds() / day
        t_truth = (as_of - start).total_seconds() / day
        return cls(
            origin_s=int(start.timestamp()),
            t_end=t_end,
            t_truth=t_truth,
            horizon=float(config.horizon_days),
            sim_end=max(t_end, t_truth + config.horizon_days),
            scale=config.conversion_scale,
            drift_per_day=config.base_rate_drift / t_end,
            interaction=config.interaction,
            channel_drift=config.channel_drift,
        )

    def to_timestamps(self, seconds: np.ndarray) -> pd.Series:
        """Whole seconds since ``start`` -> tz-aware microsecond timestamps."""
        micros = (np.asarray(seconds, dtype=np.int64) + self.origin_s) * 1_000_000
        return pd.Series(micros.view("datetime64[us]")).dt.tz_localize("UTC")


def _floor_seconds(days: np.ndarray) -> np.ndarray:
    """Days -> whole seconds, rounding down; the nudge keeps a time that *is* a whole second on it."""
    return np.floor(np.asarray(days) * 86400.0 + 1e-6).astype(np.int64)


# ---------------------------------------------------------------------------------------------------------
# Leads and their fit
# ---------------------------------------------------------------------------------------------------------


@dataclass
class _Latent:
    """Everything true about the leads, observed or not (arrays aligned by lead index)."""

    created: np.ndarray  # days since start, whole seconds
    source: np.ndarray  # index into LEAD_SOURCES
    industry: np.ndarray  # index into _INDUSTRIES
    employees: np.ndarray  # int
    revenue: np.ndarray  # EUR
    country: np.ndarray  # index into COUNTRIES
    title: np.ndarray  # index into TITLES
    company: np.ndarray  # str
    email: np.ndarray  # str
    freemail: np.ndarray  # bool
    bad_email: np.ndarray  # bool: undeliverable address
    propensity: np.ndarray  # how much the person clicks around, unrelated to buying
    fit: np.ndarray  # log-hazard multiplier of phase entry and conversion
    p_start_in_phase: np.ndarray


def _categorical(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    probs = np.asarray(probs, dtype=float)
    return rng.choice(len(probs), size=size, p=probs / probs.sum())


def _row_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows, categories) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _creation_times(rng: np.random.Generator, n: int, clock: _Clock) -> np.ndarray:
    """Lead creation days: volume grows ~50 % over the period, few on weekends, in business hours."""
    n_days = max(math.floor(clock.t_end), 1)
    days = np.arange(n_days)
    weekday = (pd.Timestamp(clock.origin_s, unit="s").dayofweek + days) % 7
    weight = (1.0 + 0.5 * days / n_days) * np.where(weekday >= 5, 0.2, 1.0)
    day = np.sort(_categorical(rng, weight, n))
    hour = np.clip(rng.normal(np.where(rng.random(n) < 0.5, 9.5, 14.0), 2.0), 0.0, 23.99)
    created = np.sort(day + hour / 24.0)
    return _floor_seconds(created) / 86400.0


#: The channel mix the market drifts towards (multipliers of each channel's share).
_DRIFTED_MIX = {"paid_search": 3.0, "social": 3.0, "trade_show": 0.3, "referral": 0.3, "outbound": 0.5}


def _drifted_channels(source: np.ndarray, created: np.ndarray, clock: _Clock) -> np.ndarray:
    """Channels redrawn for a share of leads growing from 0 to ``channel_drift`` over the history, from a mix
    tilted towards paid search and social (its own random stream: the rest of the world is unchanged)."""
    rng = np.random.default_rng(len(source) * 7919 + round(clock.t_end))
    share = clock.channel_drift * created / clock.t_end
    redraw = rng.random(len(source)) < share
    base = np.array([p[0] for p in _SOURCE_PARAMS.values()])
    tilted = base * np.array([_DRIFTED_MIX.get(name, 1.0) for name in _SOURCE_PARAMS])
    out = source.copy()
    out[redraw] = _categorical(rng, tilted, int(redraw.sum()))
    return out


def _draw_leads(rng: np.random.Generator, n: int, clock: _Clock) -> _Latent:
    created = _creation_times(rng, n, clock)
    source = _categorical(rng, np.array([p[0] for p in _SOURCE_PARAMS.values()]), n)
    if clock.channel_drift:
        source = _drifted_channels(source, created, clock)

    # Companies: several leads can come from one account, which shares its firmographics.
    n_companies = max(1, int(n * 0.75))
    ind_params = np.array(list(_INDUSTRY_PARAMS.values()))
    c_industry = _categorical(rng, ind_params[:, 0], n_companies)
    c_log_emp = np.clip(rng.normal(ind_params[c_industry, 2], 0.75), 0.0, 5.5)
    c_employees = np.maximum(1, np.round(10**c_log_emp)).astype(np.int64)
    c_revenue = np.round(
        c_employees * ind_params[c_industry, 5] * np.exp(rng.normal(0.0, 0.45, n_companies)), -4
    )
    c_revenue = np.maximum(c_revenue, 10_000.0)
    country_params = list(_COUNTRY_PARAMS.values())
    c_country = _categorical(rng, np.array([p[0] for p in country_params]), n_companies)
    heads = rng.integers(len(_COMPANY_HEADS), size=n_companies)
    tails = rng.integers(len(_COMPANY_TAILS), size=n_companies)
    kinds = np.where(rng.random(n_companies) < 0.3, 0, rng.integers(len(_COMPANY_KINDS), size=n_companies))
    # Most accounts bring one or two leads, a few large ones dozens.
    company_of_lead = rng.permutation(n_companies)[(n_companies * rng.random(n) ** 1.4).astype(np.int64)]

    industry = c_industry[company_of_lead]
    employees = c_employees[company_of_lead]
    revenue = c_revenue[company_of_lead]
    country = c_country[company_of_lead]
    log_emp = np.log10(employees)

    # Titles: owners dominate tiny firms, managers and specialists large ones.
    big = np.clip((log_emp - 1.0) / 2.5, 0.0, 1.0)[:, None]
    small_mix = np.array([0.42, 0.03, 0.10, 0.15, 0.20, 0.10])
    large_mix = np.array([0.06, 0.12, 0.22, 0.27, 0.24, 0.09])
    seniority = _row_categorical(rng, small_mix * (1 - big) + large_mix * big)
    title_seniority = np.array([SENIORITY_CLASSES.index(t[1]) for t in TITLES])
    title_dept = np.array([DEPARTMENTS.index(t[2]) for t in TITLES])
    order = np.argsort(title_seniority, kind="stable")
    first = np.searchsorted(title_seniority[order], np.arange(len(SENIORITY_CLASSES)))
    count = np.bincount(title_seniority, minlength=len(SENIORITY_CLASSES))
    title = order[first[seniority] + (rng.random(n) * count[seniority]).astype(np.int64)]
    dept = title_dept[title]

    src = np.array(list(_SOURCE_PARAMS.values()))
    p_free = src[source, 3] + 0.35 * (seniority == SENIORITY_CLASSES.index("student_intern")) + 0.2 * (
        employees < 10
    )
    freemail = rng.random(n) < np.clip(p_free, 0.0, 0.95)
    bad_email = rng.random(n) < src[source, 4] * np.where(freemail, 1.8, 1.0)
    propensity = rng.gamma(2.0, 0.5, n)
    need = rng.normal(0.0, _NEED_SD, n)

    fit = (
        _FIT_OFFSET
        + ind_params[industry, 1]
        + _size_effect(log_emp, ind_params[industry, 3], ind_params[industry, 4])
        + np.array([p[1] for p in country_params])[country]
        + src[source, 1]
        + _FREEMAIL_EFFECT * freemail
        + _BAD_EMAIL_EFFECT * bad_email
        + _decision_power(seniority, dept, log_emp)
        + need
    )
    base = src[source, 2]
    p_start = 1.0 / (1.0 + np.exp(-(np.log(base / (1 - base)) + _START_IN_PHASE_FIT * fit)))

    company_names, domains = _company_names(c_country, heads, tails, kinds)
    email = _emails(rng, freemail, bad_email, domains[company_of_lead])
    return _Latent(
        created=created,
        source=source,
        industry=industry,
        employees=employees,
        revenue=revenue,
        country=country,
        title=title,
        company=company_names[company_of_lead],
        email=email,
        freemail=freemail,
        bad_email=bad_email,
        propensity=propensity,
        fit=fit,
        p_start_in_phase=p_start,
    )


def _size_effect(log_emp: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """+0.6 inside the industry's sweet spot, falling 1.5 per decade outside it, floored at -1.5."""
    outside = np.maximum(np.log10(lo) - log_emp, 0.0) + np.maximum(log_emp - np.log10(hi), 0.0)
    return np.maximum(0.6 - 1.5 * outside, -1.5)


def _decision_power(seniority: np.ndarray, dept: np.ndarray, log_emp: np.ndarray) -> np.ndarray:
    """How much the person can buy, which depends on company size.

    In a small firm the owner decides alone and the department hardly matters; in a large one the CEO does
    not pick a marketing tool and the relevant department head or VP does, so department relevance counts
    three times as much.
    """
    big = np.clip((log_emp - 2.0) / 1.5, 0.0, 1.0)  # 0 up to 100 employees, 1 from ~3,000
    small = np.clip(2.0 - log_emp, 0.0, 1.0)  # 1 up to 10 employees, 0 from 100
    s = np.asarray(seniority)
    buyer_dept = np.isin(dept, [DEPARTMENTS.index("sales"), DEPARTMENTS.index("marketing")])
    c_level = np.where(buyer_dept, 0.9, 1.0 - 1.3 * big)
    by_seniority = np.select(
        [s == 0, s == 1, s == 2, s == 3, s == 4],
        [c_level, 0.8 - 0.3 * small, 0.35 + 0.55 * big, 0.1 + 0.3 * big, np.full_like(big, -0.4)],
        default=-1.4,
    )
    relevance = np.array(list(_DEPARTMENT_RELEVANCE.values()))[dept]
    return by_seniority + relevance * (0.5 + big)


def _company_names(
    country: np.ndarray, heads: np.ndarray, tails: np.ndarray, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Company names ("Nordtech Solutions GmbH") and their web domains ("nordtech-solutions.de")."""
    stems = np.array([h + t + k for h in _COMPANY_HEADS for t in _COMPANY_TAILS for k in _COMPANY_KINDS], dtype=object)
    stem = (heads * len(_COMPANY_TAILS) + tails) * len(_COMPANY_KINDS) + kinds
    params = list(_COUNTRY_PARAMS.values())
    legal = np.array([" " + p[2] for p in params], dtype=object)
    tld = np.array(["." + p[3] for p in params], dtype=object)
    slugs = np.array([_ascii(s.replace(" & ", "-und-").replace(" ", "-")).lower() for s in stems], dtype=object)
    # Companies that draw the same name (say a German and an Austrian GmbH) are told apart the way CRMs
    # do it: "... GmbH (2)".
    legal_form = np.unique([p[2] for p in params], return_inverse=True)[1]
    key = stem * len(params) + legal_form[country]
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - np.repeat(np.cumsum(counts) - counts, counts)
    number = np.array([""] + [str(i + 1) for i in range(1, max(2, int(rank.max(initial=0)) + 1))], dtype=object)
    names = stems[stem] + legal[country] + np.where(rank > 0, " (" + number[rank] + ")", "")
    domains = slugs[stem] + number[rank] + tld[country]
    return names, domains


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                           "é": "e", "í": "i", "ı": "i", "'": "", " ": ""})
    return text.translate(table)


def _emails(rng: np.random.Generator, freemail: np.ndarray, bad: np.ndarray, domain: np.ndarray) -> np.ndarray:
    n = len(freemail)
    first = np.array([_ascii(f).lower() for f in _FIRST_NAMES], dtype=object)
    last = np.array([_ascii(x).lower() for x in _LAST_NAMES], dtype=object)
    f = first[rng.integers(len(first), size=n)]
    la = last[rng.integers(len(last), size=n)]
    style = rng.integers(3, size=n)
    initial = np.array([x[0] for x in first], dtype=object)[rng.integers(len(first), size=n)]
    corporate_local = np.where(style == 0, f + "." + la, np.where(style == 1, initial + "." + la, f))
    digits = np.array([""] * 4 + [str(i) for i in range(70, 100)], dtype=object)
    free_local = f + "." + la + digits[rng.integers(len(digits), size=n)]
    free_domain = np.array(FREEMAIL_DOMAINS, dtype=object)[rng.integers(len(FREEMAIL_DOMAINS), size=n)]
    email = np.where(freemail, free_local + "@" + free_domain, corporate_local + "@" + domain)
    bogus = bad & (rng.random(n) < 0.35)  # the rest look fine but the mailbox does not exist
    email = np.where(bogus, np.array(_BOGUS_EMAILS, dtype=object)[rng.integers(len(_BOGUS_EMAILS), size=n)], email)
    return email


# ---------------------------------------------------------------------------------------------------------
# The latent process: buying phases and conversions
# ---------------------------------------------------------------------------------------------------------


@dataclass
class _History:
    """Simulated latent history. Phases are rows (unit, start, end, seriousness, converted)."""

    conversion: np.ndarray  # day of conversion per unit, inf if none before t_stop
    phase_unit: np.ndarray
    phase_start: np.ndarray
    phase_end: np.ndarray  # start + min(duration, time to conversion); may lie after t_stop
    phase_seriousness: np.ndarray


def _draw_seriousness(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.lognormal(-(_SERIOUSNESS_SD**2) / 2, _SERIOUSNESS_SD, n)


def _age_decay(age: np.ndarray) -> np.ndarray:
    return _AGE_FLOOR + (1 - _AGE_FLOOR) * np.exp(-np.maximum(age, 0.0) / _AGE_TAU)


def _next_entry(
    rng: np.random.Generator, t_from: np.ndarray, last_end: np.ndarray, created: np.ndarray,
    fit: np.ndarray, t_stop: float,
) -> np.ndarray:
    """First phase entry after ``t_from`` of dormant units (inf if none before ``t_stop``), by thinning.

    The entry intensity is ENTRY_RATE * exp(ENTRY_FIT * fit) * age_decay(age) * (1 - REFRACTORY *
    exp(-time since the last phase / REFRACTORY_TAU)). Its value without the refractory factor at the
    current time bounds it from above for all later times (age decay only falls), which makes thinning
    exact.
    """
    out = np.full(len(t_from), np.inf)
    todo = np.arange(len(t_from))
    t = t_from.astype(float, copy=True)
    scale = _ENTRY_RATE * np.exp(_ENTRY_FIT * fit)
    while todo.size:
        bound = scale[todo] * _age_decay(t[todo] - created[todo])
        cand = t[todo] + rng.exponential(1.0, todo.size) / bound
        alive = cand < t_stop
        todo, cand, bound = todo[alive], cand[alive], bound[alive]
        rate = scale[todo] * _age_decay(cand - created[todo]) * (
            1 - _REFRACTORY * np.exp(-(cand - last_end[todo]) / _REFRACTORY_TAU)
        )
        accept = rng.random(todo.size) * bound < rate
        out[todo[accept]] = cand[accept]
        t[todo] = cand
        todo = todo[~accept]
    return out


def _cum_conversion_hazard(tau: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Integral of c * min(tau / RAMP, 1) from phase start to ``tau``."""
    return np.where(tau <= _CONV_RAMP, c * tau**2 / (2 * _CONV_RAMP), c * (tau - _CONV_RAMP / 2))


def _inverse_conversion_hazard(y: np.ndarray, c: np.ndarray) -> np.ndarray:
    knee = c * _CONV_RAMP / 2
    return np.where(y <= knee, np.sqrt(2 * _CONV_RAMP * y / c), y / c + _CONV_RAMP / 2)


def _simulate(
    rng: np.random.Generator,
    *,
    created: np.ndarray,
    fit: np.ndarray,
    t0: np.ndarray | float,
    in_phase: np.ndarray,
    phase_start: np.ndarray,
    seriousness: np.ndarray,
    last_end: np.ndarray,
    t_stop: float,
    record: bool,
    clock: _Clock | None = None,
) -> _History:
    """Run the buying-phase process for independent units from their state at ``t0`` until ``t_stop``.

    A unit in a phase at ``t0`` is described by the phase's start and seriousness: its remaining duration
    and its conversion time are drawn conditional on neither having happened by ``t0`` (both are
    independent given the state), which is exactly how the process would have continued. The same code
    generates the history (from creation) and the Monte Carlo truth (from ``truth_as_of``).
    """
    n = len(created)
    t = np.broadcast_to(np.asarray(t0, dtype=float), (n,)).copy()
    in_ph = in_phase.copy()
    start = np.asarray(phase_start, dtype=float).copy()
    serious = seriousness.copy()
    last = last_end.copy()
    conversion = np.full(n, np.inf)
    rec: list[tuple[np.ndarray, ...]] = []
    active = np.arange(n)
    while active.size:
        dormant = active[~in_ph[active]]
        entry = _next_entry(rng, t[dormant], last[dormant], created[dormant], fit[dormant], t_stop)
        entered = dormant[np.isfinite(entry)]
        start[entered] = entry[np.isfinite(entry)]
        t[entered] = start[entered]
        serious[entered] = _draw_seriousness(rng, entered.size)
        units = np.concatenate([active[in_ph[active]], entered])
        if not units.size:
            break
        elapsed = t[units] - start[units]
        u_dur, u_conv = rng.random(units.size), rng.random(units.size)
        duration = _PHASE_SCALE * ((elapsed / _PHASE_SCALE) ** _PHASE_SHAPE - np.log1p(-u_dur)) ** (
            1 / _PHASE_SHAPE
        )
        c = _CONV_RATE * np.exp(_CONV_FIT * fit[units]) * serious[units]
        if clock is not None and (clock.scale != 1.0 or clock.drift_per_day or clock.interaction):
            c = c * clock.conversion_factor(start[units], fit[units], serious[units])
        to_conv = _inverse_conversion_hazard(_cum_conversion_hazard(elapsed, c) - np.log1p(-u_conv), c)
        converts = to_conv < duration
        end = start[units] + np.minimum(duration, to_conv)
        hit = converts & (end <= t_stop)
        conversion[units[hit]] = end[hit]
        if record:
            rec.append((units, start[units].copy(), end, serious[units].copy()))
        go_on = ~converts & (end < t_stop)
        active = units[go_on]
        t[active] = end[go_on]
        last[active] = end[go_on]
        in_ph[active] = False
    if rec:
        cols = [np.concatenate(col) for col in zip(*rec, strict=True)]
    else:
        cols = [np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0)]
    return _History(conversion, cols[0], cols[1], cols[2], cols[3])


# ---------------------------------------------------------------------------------------------------------
# Activities
# ---------------------------------------------------------------------------------------------------------

_Events = tuple[np.ndarray, np.ndarray, np.ndarray]  # lead index, day, activity type code


def _poisson_events(
    rng: np.random.Generator, t0: np.ndarray, t1: np.ndarray, rate: np.ndarray, rates: dict[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A Poisson process at ``rate * sum(rates)`` per day on each interval [t0, t1).

    Returns, per event, the index of its interval, its time and its type (drawn in proportion to
    ``rates``).
    """
    length = np.maximum(t1 - t0, 0.0)
    k = rng.poisson(rate * sum(rates.values()) * length)
    interval = np.repeat(np.arange(len(t0)), k)
    times = t0[interval] + rng.random(interval.size) * length[interval]
    codes = np.array([_A[a] for a in rates], dtype=np.int8)
    kinds = codes[_categorical(rng, np.array(list(rates.values())), interval.size)]
    return interval, times, kinds


def _sorted_phases(hist: _History) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((hist.phase_start, hist.phase_unit))
    return (
        hist.phase_unit[order], hist.phase_start[order], hist.phase_end[order], hist.phase_seriousness[order],
    )


def _in_phase(lead: np.ndarray, t: np.ndarray, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray) -> np.ndarray:
    """Whether each (lead, time) falls inside one of the lead's phases (phases sorted by lead, start)."""
    if not pu.size:
        return np.zeros(len(lead), dtype=bool)
    width = float(np.ceil(max(pe[np.isfinite(pe)].max(initial=0.0), t.max(initial=0.0))) + 2.0)
    j = np.searchsorted(pu * width + ps, lead * width + t, side="right") - 1
    jj = np.maximum(j, 0)
    return (j >= 0) & (pu[jj] == lead) & (t < pe[jj])


def _activities(rng: np.random.Generator, lat: _Latent, hist: _History, clock: _Clock) -> _Events:
    """All activity rows of real leads up to the export moment (unsorted)."""
    n = len(lat.created)
    stop = clock.sim_end
    lead_end = np.minimum(hist.conversion, stop)
    pu, ps, pe, pser = _sorted_phases(hist)
    parts: list[_Events] = [
        _dormant_noise(rng, lat, pu, ps, pe, lead_end),
        _phase_bursts(rng, lat, pu, ps, np.minimum(pe, stop), pser),
        _aftercare(rng, hist.conversion, stop),
        _first_touch(rng, lat, pu, ps),
        _email(rng, lat, pu, ps, pe, lead_end, stop),
    ]
    lead = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts]).astype(np.int8)
    keep = day <= clock.t_end
    assert n == 0 or lead.max(initial=0) < n
    return lead[keep], day[keep], kind[keep]


def _dormant_noise(
    rng: np.random.Generator, lat: _Latent, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray,
    lead_end: np.ndarray,
) -> _Events:
    """Low-level noise between phases: page views, the odd download or webinar registration.

    Its level is the lead's propensity times the age decay; the decay inside an interval is applied by
    thinning against its value at the interval's start.
    """
    n = len(lat.created)
    is_first = np.append(True, pu[1:] != pu[:-1]) if pu.size else np.zeros(0, dtype=bool)
    is_last = np.append(pu[1:] != pu[:-1], True) if pu.size else np.zeros(0, dtype=bool)
    first_start = np.full(n, np.inf)
    first_start[pu[is_first]] = ps[is_first]
    next_start = np.where(is_last, np.inf, np.append(ps[1:], np.inf))
    unit = np.concatenate([np.arange(n), pu])
    g0 = np.concatenate([lat.created, pe])
    g1 = np.minimum(np.concatenate([first_start, next_start]), lead_end[unit])
    keep = g1 > g0
    unit, g0, g1 = unit[keep], g0[keep], g1[keep]
    decay0 = _age_decay(g0 - lat.created[unit])
    interval, t, kind = _poisson_events(rng, g0, g1, lat.propensity[unit] * decay0, _DORMANT_RATES)
    lead = unit[interval]
    accept = rng.random(t.size) * decay0[interval] < _age_decay(t - lat.created[lead])
    return lead[accept], t[accept], kind[accept]


def _phase_bursts(
    rng: np.random.Generator, lat: _Latent, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray, pser: np.ndarray
) -> _Events:
    """High-intent bursts in buying phases, stronger the more serious the phase."""
    rate = pser**0.6 * (0.5 + 0.5 * lat.propensity[pu])
    interval, t, kind = _poisson_events(rng, ps, pe, rate, _PHASE_RATES)
    return pu[interval], t, kind


def _aftercare(rng: np.random.Generator, conversion: np.ndarray, stop: float) -> _Events:
    """After a conversion: the closing meeting, then onboarding meetings and page views.

    A point-in-time pipeline must not see these when it scores the lead before its conversion.
    """
    won = np.flatnonzero(np.isfinite(conversion))
    t0 = conversion[won]
    interval, t, kind = _poisson_events(
        rng, t0, np.minimum(t0 + _AFTERCARE_DAYS, stop), np.ones(won.size), _AFTERCARE_RATES
    )
    closing = rng.random(won.size) < 0.7
    close_t = t0[closing] + rng.random(closing.sum()) * 2.0
    return (
        np.concatenate([won[interval], won[closing]]),
        np.concatenate([t, close_t]),
        np.concatenate([kind, np.full(closing.sum(), _A["meeting_held"], dtype=np.int8)]),
    )


def _first_touch(rng: np.random.Generator, lat: _Latent, pu: np.ndarray, ps: np.ndarray) -> _Events:
    """The activity that created the lead, by source (a form, a webinar, gated content, a campaign click)."""
    n = len(lat.created)
    src = np.asarray(LEAD_SOURCES)[lat.source]
    c = lat.created
    starts_in_phase = np.zeros(n, dtype=bool)
    starts_in_phase[pu[ps == lat.created[pu]]] = True
    u = rng.random(n)
    events: list[tuple[np.ndarray, np.ndarray, str]] = [
        (src == "web_form", c, "form_submit"),
        ((src == "web_form") & starts_in_phase & (u < 0.5), c, "demo_request"),
        (src == "webinar", c, "webinar_registration"),
        ((src == "webinar") & (u < 0.55), c + 1.0 + 6.0 * rng.random(n), "webinar_attendance"),
        (np.isin(src, ["paid_search", "organic_search", "social"]), c, "page_view"),
        (np.isin(src, ["paid_search", "organic_search"]) & (u < 0.5), c, "content_download"),
        (np.isin(src, ["paid_search", "organic_search"]) & (u >= 0.5), c, "form_submit"),
        (src == "email_campaign", c, "email_click"),
    ]
    lead = np.concatenate([np.flatnonzero(m) for m, _, _ in events])
    day = np.concatenate([t[m] for m, t, _ in events])
    kind = np.concatenate([np.full(m.sum(), _A[a], dtype=np.int8) for m, _, a in events])
    return lead, day, kind


def _email(
    rng: np.random.Generator, lat: _Latent, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray,
    lead_end: np.ndarray, stop: float,
) -> _Events:
    """The fortnightly campaign: opens and clicks (more in a phase), unsubscribes, bounces.

    Each campaign reaches a segment of the open leads. An undeliverable address bounces on its first
    send and is suppressed from then on; an unsubscribe (recorded with the open it came from) stops all
    later e-mail activity.
    """
    n = len(lat.created)
    sends = np.arange(3.4, stop + _CAMPAIGN_EVERY, _CAMPAIGN_EVERY)
    sends = np.sort(sends + rng.normal(0.0, 0.3, sends.size))
    first = np.searchsorted(sends, lat.created, side="left")
    last = np.searchsorted(sends, lead_end, side="left")
    count = np.maximum(last - first, 0)
    lead = np.repeat(np.arange(n), count)
    offset = np.arange(lead.size) - np.repeat(np.cumsum(count) - count, count)
    t = sends[first[lead] + offset]
    reached = rng.random(lead.size) < _CAMPAIGN_REACH
    lead, t = lead[reached], t[reached]

    bad = lat.bad_email[lead]
    bounce = bad & np.append(True, lead[1:] != lead[:-1])  # first send to an undeliverable address
    bounce_lead, bounce_t = lead[bounce], t[bounce] + 0.001
    lead, t = lead[~bad], t[~bad]
    in_phase = _in_phase(lead, t, pu, ps, pe)
    p_open = np.sqrt(lat.propensity[lead]) * _age_decay(t - lat.created[lead]) * _OPEN_BASE
    p_open = np.minimum(p_open * np.where(in_phase, _OPEN_PHASE_BOOST, 1.0), 0.95)
    p_unsub = _UNSUBSCRIBE * np.exp(-0.5 * lat.fit[lead])
    u = rng.random(lead.size)
    unsub = u < p_unsub
    opened = u < p_unsub + p_open  # an unsubscribe comes from an opened e-mail
    click = opened & ~unsub & (rng.random(lead.size) < np.where(in_phase, _CLICK_PHASE, _CLICK_GIVEN_OPEN))
    t_open = t + rng.exponential(0.4, lead.size)
    t_click = t_open + rng.exponential(0.01, lead.size)
    # Rows are sorted by lead, then time: nothing after a lead's first unsubscribe.
    unsubs_before = np.cumsum(unsub) - unsub
    at_lead_start = np.append(True, lead[1:] != lead[:-1])
    alive = unsubs_before == np.maximum.accumulate(np.where(at_lead_start, unsubs_before, 0))
    o, c, s = alive & opened, alive & click, alive & unsub
    return (
        np.concatenate([lead[o], lead[c], lead[s], bounce_lead]),
        np.concatenate([t_open[o], t_click[c], t_click[s], bounce_t]),
        np.concatenate([
            np.full(o.sum(), _A["email_open"], dtype=np.int8),
            np.full(c.sum(), _A["email_click"], dtype=np.int8),
            np.full(s.sum(), _A["email_unsubscribe"], dtype=np.int8),
            np.full(bounce_lead.size, _A["email_bounce"], dtype=np.int8),
        ]),
    )


# ---------------------------------------------------------------------------------------------------------
# Truth
# ---------------------------------------------------------------------------------------------------------


@dataclass
class _Truth:
    lead: np.ndarray
    probability: np.ndarray
    converted: np.ndarray


def _truth(
    rng: np.random.Generator, lat: _Latent, hist: _History, conv_s: np.ndarray, clock: _Clock
) -> _Truth:
    """P(convert in (T, T + horizon] | latent state at T) for the leads open at T, and what happened.

    The state of an open lead at T is its fit, its creation day, and either its current phase (start and
    seriousness) or the end of its last phase. ``TRUTH_DRAWS`` copies of each lead run the process on from
    that state; the share that converts within the horizon is the probability.
    """
    t_s = round(clock.t_truth * 86400)
    h_s = round(clock.horizon * 86400)
    created_s = _floor_seconds(lat.created)
    open_lead = np.flatnonzero((created_s <= t_s) & (conv_s > t_s))
    n = len(lat.created)
    T = clock.t_truth

    # The state at T from the recorded phases: the last phase started by T is current if it has not ended.
    started = hist.phase_start <= T
    pu, ps, pe, pser = (a[started] for a in (
        hist.phase_unit, hist.phase_start, hist.phase_end, hist.phase_seriousness))
    order = np.lexsort((ps, pu))
    pu, ps, pe, pser = pu[order], ps[order], pe[order], pser[order]
    latest = np.append(pu[1:] != pu[:-1], True) if pu.size else np.zeros(0, dtype=bool)
    in_phase = np.zeros(n, dtype=bool)
    phase_start = np.zeros(n)
    seriousness = np.ones(n)
    last_end = np.full(n, -np.inf)
    cur = latest & (pe > T)
    in_phase[pu[cur]] = True
    phase_start[pu[cur]] = ps[cur]
    seriousness[pu[cur]] = pser[cur]
    done = latest & (pe <= T)
    last_end[pu[done]] = pe[done]

    probability = np.empty(open_lead.size)
    chunk = max(1, 4_000_000 // TRUTH_DRAWS)
    for lo in range(0, open_lead.size, chunk):
        leads = open_lead[lo : lo + chunk]
        units = np.repeat(leads, TRUTH_DRAWS)
        sim = _simulate(
            rng,
            created=lat.created[units],
            fit=lat.fit[units],
            t0=T,
            in_phase=in_phase[units],
            phase_start=phase_start[units],
            seriousness=seriousness[units],
            last_end=last_end[units],
            t_stop=T + clock.horizon,
            record=False,
            clock=clock,
        )
        probability[lo : lo + chunk] = np.isfinite(sim.conversion).reshape(-1, TRUTH_DRAWS).mean(axis=1)
    converted = (conv_s[open_lead] > t_s) & (conv_s[open_lead] <= t_s + h_s)
    return _Truth(open_lead, probability, converted.astype(np.int64))


# ---------------------------------------------------------------------------------------------------------
# The export, clean or messy
# ---------------------------------------------------------------------------------------------------------


def _clean_lead_columns(lat: _Latent) -> dict[str, np.ndarray]:
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


def _messy_lead_columns(rng: np.random.Generator, lat: _Latent) -> dict[str, np.ndarray]:
    """Lead columns as a real CRM holds them after years of imports, form changes and manual entry.

    Firmographics are missing more often for self-service channels (forms, search, social) than for leads
    sales entered and enriched (referral, partner, outbound, trade show); a missing head-count usually
    comes with a missing revenue.
    """
    n = len(lat.created)
    cols = _clean_lead_columns(lat)
    variants = [INDUSTRY_VARIANTS[c] for c in _INDUSTRIES]
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


def _messy_activities(
    rng: np.random.Generator, lat: _Latent, clock: _Clock, lead: np.ndarray, day: np.ndarray, kind: np.ndarray
) -> _Events:
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


def _string_column(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(values, dtype="str"))


def _take_strings(vocabulary: list[str], index: np.ndarray) -> pd.Series:
    """Strings by index into a vocabulary, built in Arrow (fast for tens of millions of rows)."""
    return pd.Series(pa.array(vocabulary, type=pa.string()).take(pa.array(index)).to_pandas())


def _assemble(
    lat: _Latent, cols: dict[str, np.ndarray], act_lead: np.ndarray, act_day: np.ndarray,
    act_kind: np.ndarray, conv_s: np.ndarray, truth: _Truth, clock: _Clock,
) -> World:
    n = len(lat.created)
    n_ids = max(n, int(act_lead.max(initial=-1)) + 1)
    width = max(7, len(str(n_ids)))
    ids = [f"L{i:0{width}d}" for i in range(1, n_ids + 1)]
    created_s = _floor_seconds(lat.created)

    leads = pd.DataFrame({"lead_id": _take_strings(ids, np.arange(n)), "created_at": clock.to_timestamps(created_s)})
    for name in LEAD_COLUMNS[2:]:
        leads[name] = cols[name].astype(float) if name in ("employee_count", "annual_revenue") else _string_column(
            cols[name]
        )

    act_s = _floor_seconds(act_day)
    order = np.argsort(act_s, kind="stable")
    activities = pd.DataFrame({
        "lead_id": _take_strings(ids, act_lead[order]),
        "occurred_at": clock.to_timestamps(act_s[order]),
        "activity_type": _take_strings(list(_ALL_TYPES), act_kind[order].astype(np.int64)),
    })

    end_s = round(clock.t_end * 86400)
    won = np.flatnonzero(conv_s <= end_s)
    won = won[np.argsort(conv_s[won], kind="stable")]
    conversions = pd.DataFrame({
        "lead_id": _take_strings(ids, won), "converted_at": clock.to_timestamps(conv_s[won]),
    })

    as_of = clock.to_timestamps(np.full(truth.lead.size, round(clock.t_truth * 86400), dtype=np.int64))
    truth_frame = pd.DataFrame({
        "lead_id": _take_strings(ids, truth.lead),
        "as_of": as_of,
        "true_probability": truth.probability,
        "converted_in_horizon": truth.converted,
    })
    assert tuple(activities.columns) == ACTIVITY_COLUMNS
    assert tuple(conversions.columns) == CONVERSION_COLUMNS
    return World(leads=leads, activities=activities, conversions=conversions, truth=truth_frame)


def _tables(world: World) -> dict[str, pd.DataFrame]:
    return {
        "leads": world.leads, "activities": world.activities, "conversions": world.conversions,
        "truth": world.truth,
    }


_TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": ("created_at",), "activities": ("occurred_at",), "conversions": ("converted_at",),
    "truth": ("as_of",),
}
_CSV_DTYPES: dict[str, dict[str, str]] = {
    "leads": {c: "str" for c in LEAD_COLUMNS if c not in ("created_at", "employee_count", "annual_revenue")}
    | {"employee_count": "float64", "annual_revenue": "float64"},
    "activities": {"lead_id": "str", "activity_type": "str"},
    "conversions": {"lead_id": "str"},
    "truth": {"lead_id": "str", "true_probability": "float64", "converted_in_horizon": "int64"},
}
