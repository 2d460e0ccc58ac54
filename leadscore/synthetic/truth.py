"""The truth file: each open lead's probability of converting within the horizon given its full latent
state, by Monte Carlo continuation of the same process that generated the history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadscore.synthetic.clock import Clock, floor_seconds
from leadscore.synthetic.history import History, simulate
from leadscore.synthetic.leads import Latent

TRUTH_COLUMNS: tuple[str, ...] = ("lead_id", "as_of", "true_probability", "converted_in_horizon")

#: Monte Carlo draws per open lead for ``true_probability``; the per-lead standard error is at most
#: 0.5 / sqrt(256) ~ 0.03, and far less for the typical lead with p ~ 0.05 (~0.014).
TRUTH_DRAWS = 256


@dataclass
class Truth:
    """The truth for the leads open at T (``lead``, ``probability``, ``converted``) and, for every lead, the
    buying state at T it was computed from (``in_phase``; ``seriousness`` of the current phase, NaN if none)."""

    lead: np.ndarray
    probability: np.ndarray
    converted: np.ndarray
    in_phase: np.ndarray
    seriousness: np.ndarray


def simulate_truth(
    rng: np.random.Generator, lat: Latent, hist: History, conv_s: np.ndarray, clock: Clock
) -> Truth:
    """P(convert in (T, T + horizon] | latent state at T) for the leads open at T, and what happened.

    The state of an open lead at T is its fit, its creation day, and either its current phase (start and
    seriousness) or the end of its last phase. ``TRUTH_DRAWS`` copies of each lead run the process on from
    that state; the share that converts within the horizon is the probability.
    """
    t_s = round(clock.t_truth * 86400)
    h_s = round(clock.horizon * 86400)
    created_s = floor_seconds(lat.created)
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
        sim = simulate(
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
    state = np.where(in_phase, seriousness, np.nan)
    return Truth(open_lead, probability, converted.astype(np.int64), in_phase, state)

