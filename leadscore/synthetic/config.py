"""What world to generate: :class:`WorldConfig`, its knobs, and the named presets."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd


@dataclass(frozen=True)
class WorldConfig:
    """What world to generate; the defaults are the standard world every test, demo and benchmark uses.

    ``start`` is when the first lead is created and ``end`` the moment of the export: nothing after it is
    in the files. ``truth_as_of`` (default ``end - horizon_days``, so every outcome in the horizon is
    observed) is the snapshot the truth file scores. A later ``truth_as_of`` is allowed: the latent history
    is then simulated past ``end`` so ``converted_in_horizon`` is still known, though the files stop at
    ``end``; a history shorter than the horizon needs one. ``mess`` degrades the export the way real CRM
    exports are degraded; the latent world and the truth do not change with it.

    The knobs below make worlds unlike each other. At their defaults the world is bitwise the standard one,
    and under any setting the truth file stays right: it reruns the very process the knobs change.

    ``conversion_scale``
        Multiplies the conversion hazard inside a buying phase. The share of open leads converting within
        the horizon moves less than in proportion, because a phase converts at most once and most
        conversions come from well-fitting leads that convert anyway: measured on 8,000-lead worlds (two
        seeds), 0.35 gives 0.56 times the standard 90-day rate (5.7 %), 0.5 gives 0.69 times, 2 gives 1.35
        times and 3 gives 1.6 times.
    ``interaction``
        How strongly fit and intent interact. A phase's hazard grows with its seriousness ``s`` (how much
        the lead means it; mean 1) as ``s ** (1 + interaction * fit)``: 0 keeps fit and intent additive on the
        log scale; above 0 a serious phase counts for more the better the lead fits, and for a lead with
        ``fit < -1 / interaction`` a serious phase converts *less* readily (it evaluates and decides against).
    ``base_rate_drift``
        Change of the log conversion hazard from the first to the last day of the history, linear in
        calendar time; a phase converts at the level of the day it began (-0.7 halves the hazard by ``end``).
    ``channel_drift``
        Share of the leads created at ``end`` whose channel is redrawn from a mix tilted towards paid search
        and social and away from trade shows, referrals and outbound; the share grows linearly from 0 at
        ``start``. The redraw uses its own random stream, so everything else about the leads stays as in the
        standard world of the same seed (their fit follows the new channel).
    ``picklist_change``
        The moment (ISO date, after ``start``, no later than ``end``) the CRM's picklists got new labels:
        leads created from then on carry them for some industries and channels
        (:data:`~leadscore.synthetic.drift.NEW_LABELS`); only the record changes, not the world.
    ``activities``
        ``False`` leaves the activity log out: an empty activities table with the contract's columns. The
        leads, conversions and truth are bitwise those of the same world with its log, so conversions are
        still driven by fit and the hidden buying phases; only the record of intent is missing.
    """

    n_leads: int = 20_000
    seed: int = 0
    start: str = "2024-01-01"
    end: str = "2026-06-30"
    horizon_days: int = 90
    truth_as_of: str | None = None
    mess: bool = True
    #: conversion hazard × this; the 90-day rate moves less than in proportion (2.0 gives ~1.35×)
    conversion_scale: float = 1.0
    #: how strongly fit and intent interact: a phase's hazard grows as ``seriousness ** (1 + interaction · fit)``;
    #: 0 keeps the two additive in log-hazard
    interaction: float = 0.0
    #: change of the log conversion hazard from the first to the last day of the history (base-rate drift)
    base_rate_drift: float = 0.0
    #: share of the leads created at ``end`` whose channel is redrawn from a mix tilted towards paid search and
    #: social (growing linearly from 0 at ``start``: channel-mix drift)
    channel_drift: float = 0.0
    #: from this date on, the CRM's picklists change: industries and channels are written with new labels
    #: the old history never used (picklist drift); None: no change
    picklist_change: str | None = None
    #: False: the export has no activities table (conversions still follow the hidden buying phases)
    activities: bool = True

    def __post_init__(self) -> None:
        if self.n_leads < 1:
            raise ValueError("n_leads must be at least 1")
        if self.horizon_days < 1:
            raise ValueError("horizon_days must be at least 1")
        start, end = parse_moment(self.start, "start"), parse_moment(self.end, "end")
        if end <= start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if self.truth_as_of is None:
            if end - pd.Timedelta(days=self.horizon_days) <= start:
                raise ValueError(
                    f"a history of {(end - start).days} days is not longer than the {self.horizon_days}-day "
                    "horizon: start earlier, shorten horizon_days or set truth_as_of (it may be end)"
                )
        elif parse_moment(self.truth_as_of, "truth_as_of") <= start:
            raise ValueError(f"truth_as_of ({self.truth_as_of}) must be after start ({self.start})")
        change = None if self.picklist_change is None else parse_moment(self.picklist_change, "picklist_change")
        if change is not None and not start < change <= end:
            raise ValueError(f"picklist_change ({self.picklist_change}) must lie after start and no later than end")
        if not (math.isfinite(self.conversion_scale) and self.conversion_scale > 0):
            raise ValueError("conversion_scale must be a number above 0 (1 is the standard world)")
        if not (math.isfinite(self.interaction) and self.interaction >= 0):
            raise ValueError("interaction must be 0 (fit and intent additive) or more")
        if not math.isfinite(self.base_rate_drift):
            raise ValueError("base_rate_drift must be a finite number (0: no drift)")
        if not 0 <= self.channel_drift <= 1:
            raise ValueError("channel_drift is a share of leads: between 0 and 1")

    @classmethod
    def preset(cls, name: str, **changes: object) -> WorldConfig:
        """A named world of another shape (:data:`PRESETS`), with any field changed (``n_leads``, ``seed`` ...).

        * ``default``: the standard world.
        * ``short_crm``: a CRM three months old (1,000 leads), judged on the horizon after the export.
        * ``no_activities``: 8.5 months of leads and no activity table, judged on the horizon after the export.
        * ``drifting``: conversion hazard rising (log +0.8), channels tilting, picklists relabelled Dec 2025.
        * ``strong_interaction``: intent counts far more in well-fitting leads (``interaction=1.5``).
        * ``low_base_rate``: conversion hazard × 0.35, about 3 % of open leads convert in 90 days.
        """
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
        return replace(cls(**PRESETS[name]), **changes)  # type: ignore[arg-type]


#: Named worlds: each a few knobs away from the default (one line each in :meth:`WorldConfig.preset`).
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


def parse_moment(text: str, name: str) -> pd.Timestamp:
    """An ISO date or date-time as a UTC timestamp (a time without zone is UTC), or a ValueError naming the
    field."""
    try:
        moment = pd.Timestamp(text)
    except (ValueError, TypeError):
        moment = pd.NaT
    if pd.isna(moment):
        raise ValueError(f"{name} must be an ISO date such as 2025-07-01, not {text!r}")
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
