"""Drift the knobs add over calendar time: the channel mix tilting, and picklists relabelled at a moment.

The third drift, a base rate moving over the years, acts on the conversion hazard
(:meth:`~leadscore.synthetic.clock.Clock.conversion_factor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from leadscore.synthetic.clock import Clock
from leadscore.synthetic.config import parse_moment
from leadscore.synthetic.draws import categorical
from leadscore.synthetic.parameters import SOURCE_PARAMS

if TYPE_CHECKING:
    from leadscore.synthetic.leads import Latent

#: What a CRM's picklists say after the change ``picklist_change`` (labels the earlier history never used).
NEW_LABELS = {
    "industry": {"Software": "Digital Products", "IT-Dienstleistungen": "Tech Services",
                 "Manufacturing": "Industry 4.0", "Maschinenbau": "Industry 4.0", "Retail": "Commerce",
                 "Einzelhandel": "Commerce"},
    "lead_source": {"web_form": "Inbound", "Web Form": "Inbound", "Webformular": "Inbound",
                    "referral": "Recommended", "Empfehlung": "Recommended", "paid_search": "SEA", "Google Ads": "SEA"},
}


def changed_picklists(cols: dict[str, np.ndarray], lat: Latent, clock: Clock, moment: str) -> dict[str, np.ndarray]:
    """The lead columns with new picklist labels for leads created from ``moment`` on."""
    day = (parse_moment(moment, "picklist_change").timestamp() - clock.origin_s) / 86400.0
    later = lat.created >= day
    out = dict(cols)
    for column, labels in NEW_LABELS.items():
        values = np.asarray(cols[column], dtype=object).copy()
        values[later] = [labels.get(v, v) if isinstance(v, str) else v for v in values[later]]
        out[column] = values
    return out


#: The channel mix the market drifts towards (multipliers of each channel's share).
DRIFTED_MIX = {"paid_search": 3.0, "social": 3.0, "trade_show": 0.3, "referral": 0.3, "outbound": 0.5}


def drifted_channels(source: np.ndarray, created: np.ndarray, clock: Clock) -> np.ndarray:
    """Channels redrawn for a share of leads growing from 0 to ``channel_drift`` over the history, from a mix
    tilted towards paid search and social (its own random stream: the rest of the world is unchanged)."""
    rng = np.random.default_rng(len(source) * 7919 + round(clock.t_end))
    share = clock.channel_drift * created / clock.t_end
    redraw = rng.random(len(source)) < share
    base = np.array([p[0] for p in SOURCE_PARAMS.values()])
    tilted = base * np.array([DRIFTED_MIX.get(name, 1.0) for name in SOURCE_PARAMS])
    out = source.copy()
    out[redraw] = categorical(rng, tilted, int(redraw.sum()))
    return out

