"""What world to generate: :class:`WorldConfig`, its knobs, and the named presets."""

from __future__ import annotations

from dataclasses import dataclass, replace


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

