"""The leads and their latent firmographics: who they are, which company, and how well they fit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadscore.synthetic.clock import Clock, floor_seconds
from leadscore.synthetic.draws import categorical, row_categorical
from leadscore.synthetic.drift import drifted_channels
from leadscore.synthetic.parameters import (
    BAD_EMAIL_EFFECT,
    COUNTRY_PARAMS,
    DEPARTMENT_RELEVANCE,
    FIT_OFFSET,
    FREEMAIL_EFFECT,
    INDUSTRY_PARAMS,
    NEED_SD,
    SOURCE_PARAMS,
    START_IN_PHASE_FIT,
)
from leadscore.synthetic.vocabulary import (
    BOGUS_EMAILS,
    COMPANY_HEADS,
    COMPANY_KINDS,
    COMPANY_TAILS,
    DEPARTMENTS,
    FIRST_NAMES,
    FREEMAIL_DOMAINS,
    LAST_NAMES,
    SENIORITY_CLASSES,
    TITLES,
)


@dataclass
class Latent:
    """Everything true about the leads, observed or not (arrays aligned by lead index)."""

    created: np.ndarray  # days since start, whole seconds
    source: np.ndarray  # index into LEAD_SOURCES
    industry: np.ndarray  # index into INDUSTRIES
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


def _creation_times(rng: np.random.Generator, n: int, clock: Clock) -> np.ndarray:
    """Lead creation days: volume grows ~50 % over the period, few on weekends, in business hours."""
    n_days = max(math.floor(clock.t_end), 1)
    days = np.arange(n_days)
    weekday = (pd.Timestamp(clock.origin_s, unit="s").dayofweek + days) % 7
    weight = (1.0 + 0.5 * days / n_days) * np.where(weekday >= 5, 0.2, 1.0)
    day = np.sort(categorical(rng, weight, n))
    hour = np.clip(rng.normal(np.where(rng.random(n) < 0.5, 9.5, 14.0), 2.0), 0.0, 23.99)
    created = np.sort(day + hour / 24.0)
    return floor_seconds(created) / 86400.0


def draw_leads(rng: np.random.Generator, n: int, clock: Clock) -> Latent:
    created = _creation_times(rng, n, clock)
    source = categorical(rng, np.array([p[0] for p in SOURCE_PARAMS.values()]), n)
    if clock.channel_drift:
        source = drifted_channels(source, created, clock)

    # Companies: several leads can come from one account, which shares its firmographics.
    n_companies = max(1, int(n * 0.75))
    ind_params = np.array(list(INDUSTRY_PARAMS.values()))
    c_industry = categorical(rng, ind_params[:, 0], n_companies)
    c_log_emp = np.clip(rng.normal(ind_params[c_industry, 2], 0.75), 0.0, 5.5)
    c_employees = np.maximum(1, np.round(10**c_log_emp)).astype(np.int64)
    c_revenue = np.round(
        c_employees * ind_params[c_industry, 5] * np.exp(rng.normal(0.0, 0.45, n_companies)), -4
    )
    c_revenue = np.maximum(c_revenue, 10_000.0)
    country_params = list(COUNTRY_PARAMS.values())
    c_country = categorical(rng, np.array([p[0] for p in country_params]), n_companies)
    heads = rng.integers(len(COMPANY_HEADS), size=n_companies)
    tails = rng.integers(len(COMPANY_TAILS), size=n_companies)
    kinds = np.where(rng.random(n_companies) < 0.3, 0, rng.integers(len(COMPANY_KINDS), size=n_companies))
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
    seniority = row_categorical(rng, small_mix * (1 - big) + large_mix * big)
    title_seniority = np.array([SENIORITY_CLASSES.index(t[1]) for t in TITLES])
    title_dept = np.array([DEPARTMENTS.index(t[2]) for t in TITLES])
    order = np.argsort(title_seniority, kind="stable")
    first = np.searchsorted(title_seniority[order], np.arange(len(SENIORITY_CLASSES)))
    count = np.bincount(title_seniority, minlength=len(SENIORITY_CLASSES))
    title = order[first[seniority] + (rng.random(n) * count[seniority]).astype(np.int64)]
    dept = title_dept[title]

    src = np.array(list(SOURCE_PARAMS.values()))
    p_free = src[source, 3] + 0.35 * (seniority == SENIORITY_CLASSES.index("student_intern")) + 0.2 * (
        employees < 10
    )
    freemail = rng.random(n) < np.clip(p_free, 0.0, 0.95)
    bad_email = rng.random(n) < src[source, 4] * np.where(freemail, 1.8, 1.0)
    propensity = rng.gamma(2.0, 0.5, n)
    need = rng.normal(0.0, NEED_SD, n)

    fit = (
        FIT_OFFSET
        + ind_params[industry, 1]
        + _size_effect(log_emp, ind_params[industry, 3], ind_params[industry, 4])
        + np.array([p[1] for p in country_params])[country]
        + src[source, 1]
        + FREEMAIL_EFFECT * freemail
        + BAD_EMAIL_EFFECT * bad_email
        + decision_power(seniority, dept, log_emp)
        + need
    )
    base = src[source, 2]
    p_start = 1.0 / (1.0 + np.exp(-(np.log(base / (1 - base)) + START_IN_PHASE_FIT * fit)))

    company_names, domains = _company_names(c_country, heads, tails, kinds)
    email = _emails(rng, freemail, bad_email, domains[company_of_lead])
    return Latent(
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


def decision_power(seniority: np.ndarray, dept: np.ndarray, log_emp: np.ndarray) -> np.ndarray:
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
    relevance = np.array(list(DEPARTMENT_RELEVANCE.values()))[dept]
    return by_seniority + relevance * (0.5 + big)


def _company_names(
    country: np.ndarray, heads: np.ndarray, tails: np.ndarray, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Company names ("Nordtech Solutions GmbH") and their web domains ("nordtech-solutions.de")."""
    stems = np.array([h + t + k for h in COMPANY_HEADS for t in COMPANY_TAILS for k in COMPANY_KINDS], dtype=object)
    stem = (heads * len(COMPANY_TAILS) + tails) * len(COMPANY_KINDS) + kinds
    params = list(COUNTRY_PARAMS.values())
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
    first = np.array([_ascii(f).lower() for f in FIRST_NAMES], dtype=object)
    last = np.array([_ascii(x).lower() for x in LAST_NAMES], dtype=object)
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
    email = np.where(bogus, np.array(BOGUS_EMAILS, dtype=object)[rng.integers(len(BOGUS_EMAILS), size=n)], email)
    return email


