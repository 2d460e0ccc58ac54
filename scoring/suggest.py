"""What would raise a lead's score: the same model, asked about the lead with one more buying action today.

For each action sales can ask a lead for (:data:`features.behaviours.ACTIONABLE`: a demo, a meeting, a trial,
a webinar, a look at the prices), the lead is scored again with that action added a minute before the scoring
moment. "A demo request would take this lead from 34 to 61 (hot)" is then a fact about the model, not a
guess: the score it would give. Only actions that raise the score are suggested, the largest gain first, and
only actions some of the model's training leads had done (``info["actions_seen"]``): of an action it never saw
the model knows nothing, and its answer would be what any activity today does, told as what a demo does.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from features import values
from features.batch import LeadBatch
from features.behaviours import ACTIONABLE
from features.engagement import ActivityArrays, type_code_of
from scoring.bundle import ScoringBundle
from scoring.explain import round_half_up

_ACTION = {
    "demo_request": ("A demo request", "Eine Demo-Anfrage"),
    "meeting_held": ("A meeting with sales", "Ein Termin mit dem Vertrieb"),
    "trial_signup": ("A trial sign-up", "Ein Testzugang"),
    "webinar_attendance": ("Attending a webinar", "Ein Webinar-Besuch"),
    "pricing_page_view": ("A look at the pricing page", "Ein Besuch der Preisseite"),
}
_TIER_DE = {"hot": "heiß", "warm": "warm", "cold": "kalt"}
_MINUTE_US = 60_000_000


def with_activity(batch: LeadBatch, activity: str, at_us: int) -> LeadBatch:
    """The batch with one more activity of ``activity`` for every lead, at ``at_us``."""
    n = len(batch)
    extra = ActivityArrays(np.arange(n, dtype=np.int64), np.full(n, at_us, dtype=np.int64),
                           np.full(n, type_code_of(activity), dtype=np.int16))
    merged = ActivityArrays(np.concatenate([batch.activities.lead_index, extra.lead_index]),
                            np.concatenate([batch.activities.occurred_us, extra.occurred_us]),
                            np.concatenate([batch.activities.type_code, extra.type_code]))
    return LeadBatch(batch.lead_ids, batch.created_us, batch.profile, merged)


def suggestions(bundle: ScoringBundle, batch: LeadBatch, as_of: datetime, scores: np.ndarray, lang: str,
                ) -> list[list[dict[str, object]]]:
    """Per lead of ``batch`` (scored ``scores`` now), the actions that would raise its score, largest gain first."""
    if bundle.mode != "event" or not len(batch):
        return [[] for _ in range(len(batch))]
    at_us = values.moment_us(as_of) - _MINUTE_US
    out: list[list[dict[str, object]]] = [[] for _ in range(len(batch))]
    seen = bundle.info.get("actions_seen")  # None: a model trained before it was recorded
    for action in (a for a in ACTIONABLE if seen is None or a in seen):
        changed = bundle.batch_columns(with_activity(batch, action, at_us), as_of)
        probability = bundle.probability(changed)
        new_scores = round_half_up(100.0 * probability)
        tiers = bundle.tiers.assign(probability)
        for i in np.flatnonzero(new_scores > scores).tolist():
            old, new, tier = int(scores[i]), int(new_scores[i]), str(tiers[i])
            noun_en, noun_de = _ACTION[action]
            text = (f"{noun_en} would take this lead from {old} to {new} ({tier})" if lang == "en"
                    else f"{noun_de} brächte diesen Lead von {old} auf {new} ({_TIER_DE[tier]})")
            out[i].append({"action": action, "score": new, "tier": tier, "gain": new - old, "text": text})
    for items in out:
        items.sort(key=lambda item: -int(item["gain"]))  # type: ignore[call-overload]
    return out
