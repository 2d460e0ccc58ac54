"""The activity log the latent history leaves: noise while dormant, bursts of intent in a buying phase,
onboarding after a conversion, the lead's first touch and the fortnightly e-mail campaign.
"""

from __future__ import annotations

import numpy as np

from features.contract import LEAD_SOURCES
from leadscore.synthetic.clock import Clock
from leadscore.synthetic.draws import categorical
from leadscore.synthetic.history import History, age_decay
from leadscore.synthetic.leads import Latent
from leadscore.synthetic.parameters import (
    ACTIVITY_CODE,
    AFTERCARE_DAYS,
    AFTERCARE_RATES,
    CAMPAIGN_EVERY,
    CAMPAIGN_REACH,
    CLICK_GIVEN_OPEN,
    CLICK_PHASE,
    DORMANT_RATES,
    OPEN_BASE,
    OPEN_PHASE_BOOST,
    PHASE_RATES,
    UNSUBSCRIBE,
)

Events = tuple[np.ndarray, np.ndarray, np.ndarray]  # lead index, day, activity type code


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
    codes = np.array([ACTIVITY_CODE[a] for a in rates], dtype=np.int8)
    kinds = codes[categorical(rng, np.array(list(rates.values())), interval.size)]
    return interval, times, kinds


def _sorted_phases(hist: History) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def draw_activities(rng: np.random.Generator, lat: Latent, hist: History, clock: Clock) -> Events:
    """All activity rows of real leads up to the export moment (unsorted)."""
    n = len(lat.created)
    stop = clock.sim_end
    lead_end = np.minimum(hist.conversion, stop)
    pu, ps, pe, pser = _sorted_phases(hist)
    parts: list[Events] = [
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
    rng: np.random.Generator, lat: Latent, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray,
    lead_end: np.ndarray,
) -> Events:
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
    decay0 = age_decay(g0 - lat.created[unit])
    interval, t, kind = _poisson_events(rng, g0, g1, lat.propensity[unit] * decay0, DORMANT_RATES)
    lead = unit[interval]
    accept = rng.random(t.size) * decay0[interval] < age_decay(t - lat.created[lead])
    return lead[accept], t[accept], kind[accept]


def _phase_bursts(
    rng: np.random.Generator, lat: Latent, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray, pser: np.ndarray
) -> Events:
    """High-intent bursts in buying phases, stronger the more serious the phase."""
    rate = pser**0.6 * (0.5 + 0.5 * lat.propensity[pu])
    interval, t, kind = _poisson_events(rng, ps, pe, rate, PHASE_RATES)
    return pu[interval], t, kind


def _aftercare(rng: np.random.Generator, conversion: np.ndarray, stop: float) -> Events:
    """After a conversion: the closing meeting, then onboarding meetings and page views.

    A point-in-time pipeline must not see these when it scores the lead before its conversion.
    """
    won = np.flatnonzero(np.isfinite(conversion))
    t0 = conversion[won]
    interval, t, kind = _poisson_events(
        rng, t0, np.minimum(t0 + AFTERCARE_DAYS, stop), np.ones(won.size), AFTERCARE_RATES
    )
    closing = rng.random(won.size) < 0.7
    close_t = t0[closing] + rng.random(closing.sum()) * 2.0
    return (
        np.concatenate([won[interval], won[closing]]),
        np.concatenate([t, close_t]),
        np.concatenate([kind, np.full(closing.sum(), ACTIVITY_CODE["meeting_held"], dtype=np.int8)]),
    )


def _first_touch(rng: np.random.Generator, lat: Latent, pu: np.ndarray, ps: np.ndarray) -> Events:
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
    kind = np.concatenate([np.full(m.sum(), ACTIVITY_CODE[a], dtype=np.int8) for m, _, a in events])
    return lead, day, kind


def _email(
    rng: np.random.Generator, lat: Latent, pu: np.ndarray, ps: np.ndarray, pe: np.ndarray,
    lead_end: np.ndarray, stop: float,
) -> Events:
    """The fortnightly campaign: opens and clicks (more in a phase), unsubscribes, bounces.

    Each campaign reaches a segment of the open leads. An undeliverable address bounces on its first
    send and is suppressed from then on; an unsubscribe (recorded with the open it came from) stops all
    later e-mail activity.
    """
    n = len(lat.created)
    sends = np.arange(3.4, stop + CAMPAIGN_EVERY, CAMPAIGN_EVERY)
    sends = np.sort(sends + rng.normal(0.0, 0.3, sends.size))
    first = np.searchsorted(sends, lat.created, side="left")
    last = np.searchsorted(sends, lead_end, side="left")
    count = np.maximum(last - first, 0)
    lead = np.repeat(np.arange(n), count)
    offset = np.arange(lead.size) - np.repeat(np.cumsum(count) - count, count)
    t = sends[first[lead] + offset]
    reached = rng.random(lead.size) < CAMPAIGN_REACH
    lead, t = lead[reached], t[reached]

    bad = lat.bad_email[lead]
    bounce = bad & np.append(True, lead[1:] != lead[:-1])  # first send to an undeliverable address
    bounce_lead, bounce_t = lead[bounce], t[bounce] + 0.001
    lead, t = lead[~bad], t[~bad]
    in_phase = _in_phase(lead, t, pu, ps, pe)
    p_open = np.sqrt(lat.propensity[lead]) * age_decay(t - lat.created[lead]) * OPEN_BASE
    p_open = np.minimum(p_open * np.where(in_phase, OPEN_PHASE_BOOST, 1.0), 0.95)
    p_unsub = UNSUBSCRIBE * np.exp(-0.5 * lat.fit[lead])
    u = rng.random(lead.size)
    unsub = u < p_unsub
    opened = u < p_unsub + p_open  # an unsubscribe comes from an opened e-mail
    click = opened & ~unsub & (rng.random(lead.size) < np.where(in_phase, CLICK_PHASE, CLICK_GIVEN_OPEN))
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
            np.full(o.sum(), ACTIVITY_CODE["email_open"], dtype=np.int8),
            np.full(c.sum(), ACTIVITY_CODE["email_click"], dtype=np.int8),
            np.full(s.sum(), ACTIVITY_CODE["email_unsubscribe"], dtype=np.int8),
            np.full(bounce_lead.size, ACTIVITY_CODE["email_bounce"], dtype=np.int8),
        ]),
    )

