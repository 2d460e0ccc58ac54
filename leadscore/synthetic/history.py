"""The latent history: buying phases (entry by thinning, Weibull durations) and conversions inside them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadscore.synthetic.clock import Clock
from leadscore.synthetic.parameters import (
    AGE_FLOOR,
    AGE_TAU,
    CONV_FIT,
    CONV_RAMP,
    CONV_RATE,
    ENTRY_FIT,
    ENTRY_RATE,
    PHASE_SCALE,
    PHASE_SHAPE,
    REFRACTORY,
    REFRACTORY_TAU,
    SERIOUSNESS_SD,
)


@dataclass
class History:
    """Simulated latent history. Phases are rows (unit, start, end, seriousness, converted)."""

    conversion: np.ndarray  # day of conversion per unit, inf if none before t_stop
    phase_unit: np.ndarray
    phase_start: np.ndarray
    phase_end: np.ndarray  # start + min(duration, time to conversion); may lie after t_stop
    phase_seriousness: np.ndarray


def draw_seriousness(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.lognormal(-(SERIOUSNESS_SD**2) / 2, SERIOUSNESS_SD, n)


def age_decay(age: np.ndarray) -> np.ndarray:
    return AGE_FLOOR + (1 - AGE_FLOOR) * np.exp(-np.maximum(age, 0.0) / AGE_TAU)


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
    scale = ENTRY_RATE * np.exp(ENTRY_FIT * fit)
    while todo.size:
        bound = scale[todo] * age_decay(t[todo] - created[todo])
        cand = t[todo] + rng.exponential(1.0, todo.size) / bound
        alive = cand < t_stop
        todo, cand, bound = todo[alive], cand[alive], bound[alive]
        rate = scale[todo] * age_decay(cand - created[todo]) * (
            1 - REFRACTORY * np.exp(-(cand - last_end[todo]) / REFRACTORY_TAU)
        )
        accept = rng.random(todo.size) * bound < rate
        out[todo[accept]] = cand[accept]
        t[todo] = cand
        todo = todo[~accept]
    return out


def _cum_conversion_hazard(tau: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Integral of c * min(tau / RAMP, 1) from phase start to ``tau``."""
    return np.where(tau <= CONV_RAMP, c * tau**2 / (2 * CONV_RAMP), c * (tau - CONV_RAMP / 2))


def _inverse_conversion_hazard(y: np.ndarray, c: np.ndarray) -> np.ndarray:
    knee = c * CONV_RAMP / 2
    return np.where(y <= knee, np.sqrt(2 * CONV_RAMP * y / c), y / c + CONV_RAMP / 2)


def simulate(
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
    clock: Clock | None = None,
) -> History:
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
        serious[entered] = draw_seriousness(rng, entered.size)
        units = np.concatenate([active[in_ph[active]], entered])
        if not units.size:
            break
        elapsed = t[units] - start[units]
        u_dur, u_conv = rng.random(units.size), rng.random(units.size)
        duration = PHASE_SCALE * ((elapsed / PHASE_SCALE) ** PHASE_SHAPE - np.log1p(-u_dur)) ** (
            1 / PHASE_SHAPE
        )
        c = CONV_RATE * np.exp(CONV_FIT * fit[units]) * serious[units]
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
    return History(conversion, cols[0], cols[1], cols[2], cols[3])

