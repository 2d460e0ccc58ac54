"""A synthetic flat CRM export (one row per lead, text as a CRM writes it) whose outcome is known by construction:
what the flat-mode tests train on."""

from __future__ import annotations

import numpy as np
import pandas as pd

N = 1_500


def flat_export(seed: int = 11, n: int = N) -> pd.DataFrame:
    """A CRM export as text: the outcome depends on channel, visits and time on site."""
    rng = np.random.default_rng(seed)
    source = rng.choice(["Web Form", "Referral", "Paid Search", "Webinar"], n, p=[.4, .15, .3, .15])
    visits = rng.poisson(3, n)
    seconds = rng.gamma(2.0, 300.0, n).round()
    logit = -2.2 + 2.0 * (source == "Referral") + 0.8 * (source == "Webinar") + 0.4 * (visits - 3) + seconds / 500
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    created = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h")
    visits_text = visits.astype(str).astype(object)
    visits_text[rng.random(n) < 0.05] = ""
    return pd.DataFrame({
        "Lead ID": [f"L{i:05d}" for i in range(n)],
        "Created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Won": np.where(won, "yes", "no"),
        "Lead Source": source,
        "TotalVisits": visits_text,
        "Time on Site (s)": seconds.astype(int).astype(str),
        "Country": rng.choice(["Germany", "Austria", "Switzerland", "Select"], n),
        # typed in by sales after the call: the outcome for 97 % of the leads
        "Sales Status": np.where(won ^ (rng.random(n) < 0.03), "Deal won", "Lost"),
        # high-cardinality and meaningless: must not be mistaken for a leak
        "CRM Reference": [f"REF-{v:08x}" for v in rng.permutation(n) * 7919],
    })
