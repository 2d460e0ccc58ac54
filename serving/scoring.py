"""Scoring a request's leads: validate each lead on its own, score the valid ones together, keep order.

Every input lead yields exactly one entry in ``results``, at its own index: either its score or the
fields that kept it from being scored. This module knows nothing of HTTP; the BentoML service and the
tests call it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from features.catalogue import Lang
from serving.schemas import FieldError, LeadScore, ScoreResponse, lead_id_of, validate_lead
from training.bundle import ScoringBundle


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def score_request(bundle: ScoringBundle, raw_leads: Sequence[Any], as_of: datetime | None, lang: Lang,
                  top_k: int, model_version: str) -> ScoreResponse:
    """Score a list of raw lead objects as of ``as_of`` (default: now)."""
    moment = _aware(as_of) if as_of else datetime.now(UTC)
    results: list[LeadScore | None] = [None] * len(raw_leads)
    valid_index, records, activities = [], [], []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_leads):
        lead, errors = validate_lead(raw)
        if lead is not None and _aware(lead.created_at) > moment:
            errors = [FieldError(field="created_at", message=f"lead created after as_of ({moment.isoformat()}); "
                                 "it cannot be scored at that moment")]
        if lead is not None and not errors and lead.lead_id in seen:
            errors = [FieldError(field="lead_id", message=f"duplicate lead_id (also at index {seen[lead.lead_id]})")]
        if errors:
            results[i] = LeadScore(index=i, lead_id=lead_id_of(raw), status="error", errors=errors)
            continue
        assert lead is not None
        seen[lead.lead_id] = i
        valid_index.append(i)
        records.append(lead.model_dump(exclude={"activities"}))
        activities.append(lead.activities)
    scores = bundle.score_records(records, activities, moment, lang, top_k)
    for i, record, scored in zip(valid_index, records, scores, strict=True):
        results[i] = LeadScore(index=i, lead_id=record["lead_id"], status="ok", model_version=model_version, **scored)
    done = [r for r in results if r is not None]
    failed = sum(r.status == "error" for r in done)
    return ScoreResponse(model_version=model_version, as_of=moment, lang=lang, scored=len(done) - failed,
                         failed=failed, results=done)
