"""Generating a world: the latent leads and history, their activity log and truth, assembled into frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from features.contract import ACTIVITY_COLUMNS, CONVERSION_COLUMNS, LEAD_COLUMNS, LEAD_SOURCES
from leadscore.synthetic.activities import draw_activities
from leadscore.synthetic.clock import Clock, floor_seconds
from leadscore.synthetic.config import WorldConfig
from leadscore.synthetic.drift import changed_picklists
from leadscore.synthetic.history import draw_seriousness, simulate
from leadscore.synthetic.leads import Latent, draw_leads
from leadscore.synthetic.mess import clean_lead_columns, messy_activities, messy_lead_columns
from leadscore.synthetic.parameters import ALL_ACTIVITY_TYPES, INDUSTRIES
from leadscore.synthetic.truth import Truth, simulate_truth


@dataclass
class World:
    """A generated CRM history in the data contract's shape, plus the truth at one snapshot.

    ``leads``, ``activities`` and ``conversions`` are what a CRM export would contain (activities sorted by
    ``occurred_at``). ``truth`` has one row per lead open at ``as_of``: ``true_probability`` is the
    probability of converting in ``(as_of, as_of + horizon]`` given the full latent state (the best any
    model can do) and ``converted_in_horizon`` is 1 if the lead actually did.

    ``hidden`` is what no export holds, one row per lead: its true ``lead_source`` and ``industry`` (before
    any mess or picklist change), its ``fit`` (the log-scale effect on its phase-entry and conversion
    hazards, unobserved need included) and its buying state at ``as_of``: ``in_phase_at_as_of`` and the
    ``seriousness_at_as_of`` of that phase (mean 1 over phases; NaN when not in one). It lets tests look at
    the world from inside; :func:`~leadscore.synthetic.write_world` does not write it, so a world read back
    from files has none.
    """

    leads: pd.DataFrame
    activities: pd.DataFrame
    conversions: pd.DataFrame
    truth: pd.DataFrame
    hidden: pd.DataFrame | None = None


_DEFAULT_CONFIG = WorldConfig()


def generate_world(config: WorldConfig = _DEFAULT_CONFIG) -> World:
    """Generate a CRM history and its truth file; the same config always gives identical frames.

    Every random draw comes from one ``np.random.default_rng(config.seed)`` in a fixed order, and all work
    is vectorised over leads (the only Python loops run over buying phases and rejection rounds), so a
    million leads take minutes, not hours.
    """
    rng = np.random.default_rng(config.seed)
    clock = Clock.from_config(config)
    latent = draw_leads(rng, config.n_leads, clock)
    history = simulate(
        rng,
        created=latent.created,
        fit=latent.fit,
        t0=latent.created,
        in_phase=rng.random(config.n_leads) < latent.p_start_in_phase,
        phase_start=latent.created,
        seriousness=draw_seriousness(rng, config.n_leads),
        last_end=np.full(config.n_leads, -np.inf),
        t_stop=clock.sim_end,
        record=True,
        clock=clock,
    )
    won = np.isfinite(history.conversion)
    conv_s = np.full(config.n_leads, np.iinfo(np.int64).max)
    conv_s[won] = floor_seconds(history.conversion[won])
    act_lead, act_time, act_type = draw_activities(rng, latent, history, clock)
    truth = simulate_truth(rng, latent, history, conv_s, clock)
    if config.mess:
        lead_cols = messy_lead_columns(rng, latent)
        act_lead, act_time, act_type = messy_activities(rng, latent, clock, act_lead, act_time, act_type)
    else:
        lead_cols = clean_lead_columns(latent)
    if config.picklist_change is not None:
        lead_cols = changed_picklists(lead_cols, latent, clock, config.picklist_change)
    world = _assemble(latent, lead_cols, act_lead, act_time, act_type, conv_s, truth, clock)
    if not config.activities:
        world.activities = world.activities.iloc[:0].reset_index(drop=True)
    return world


def string_column(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(values, dtype="str"))


def take_strings(vocabulary: list[str], index: np.ndarray) -> pd.Series:
    """Strings by index into a vocabulary, built in Arrow (fast for tens of millions of rows)."""
    return pd.Series(pa.array(vocabulary, type=pa.string()).take(pa.array(index)).to_pandas())


def _assemble(
    lat: Latent, cols: dict[str, np.ndarray], act_lead: np.ndarray, act_day: np.ndarray,
    act_kind: np.ndarray, conv_s: np.ndarray, truth: Truth, clock: Clock,
) -> World:
    n = len(lat.created)
    n_ids = max(n, int(act_lead.max(initial=-1)) + 1)
    width = max(7, len(str(n_ids)))
    ids = [f"L{i:0{width}d}" for i in range(1, n_ids + 1)]
    created_s = floor_seconds(lat.created)

    leads = pd.DataFrame({"lead_id": take_strings(ids, np.arange(n)), "created_at": clock.to_timestamps(created_s)})
    for name in LEAD_COLUMNS[2:]:
        leads[name] = cols[name].astype(float) if name in ("employee_count", "annual_revenue") else string_column(
            cols[name]
        )

    act_s = floor_seconds(act_day)
    order = np.argsort(act_s, kind="stable")
    activities = pd.DataFrame({
        "lead_id": take_strings(ids, act_lead[order]),
        "occurred_at": clock.to_timestamps(act_s[order]),
        "activity_type": take_strings(list(ALL_ACTIVITY_TYPES), act_kind[order].astype(np.int64)),
    })

    end_s = round(clock.t_end * 86400)
    won = np.flatnonzero(conv_s <= end_s)
    won = won[np.argsort(conv_s[won], kind="stable")]
    conversions = pd.DataFrame({
        "lead_id": take_strings(ids, won), "converted_at": clock.to_timestamps(conv_s[won]),
    })

    as_of = clock.to_timestamps(np.full(truth.lead.size, round(clock.t_truth * 86400), dtype=np.int64))
    truth_frame = pd.DataFrame({
        "lead_id": take_strings(ids, truth.lead),
        "as_of": as_of,
        "true_probability": truth.probability,
        "converted_in_horizon": truth.converted,
    })
    assert tuple(activities.columns) == ACTIVITY_COLUMNS
    assert tuple(conversions.columns) == CONVERSION_COLUMNS
    hidden = pd.DataFrame({
        "lead_id": leads["lead_id"],
        "lead_source": take_strings(list(LEAD_SOURCES), lat.source),
        "industry": take_strings(list(INDUSTRIES), lat.industry),
        "fit": lat.fit,
        "in_phase_at_as_of": truth.in_phase,
        "seriousness_at_as_of": truth.seriousness,
    })
    return World(leads=leads, activities=activities, conversions=conversions, truth=truth_frame, hidden=hidden)

