"""Scoring a request's leads: validate each lead on its own, score the valid ones together, keep order.

Every input lead yields exactly one entry in ``results``, at its own index: either its score or the
fields that kept it from being scored. This module knows nothing of HTTP; the BentoML service and the
tests call it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    return score_requests(bundle, [raw_leads], as_of, lang, top_k, model_version)[0]


def score_requests(bundle: ScoringBundle, requests: Sequence[Sequence[Any]], as_of: datetime | None, lang: Lang,
                   top_k: int, model_version: str) -> list[ScoreResponse]:
    """Several requests' leads scored in one pass through the features and the model (the service's
    concurrent one-lead requests), each answered as :func:`score_request` would answer it alone: its own
    indices, its own errors (a lead id repeated across two requests is not a duplicate), the same numbers.
    They share ``as_of`` (default: one "now" for all), ``lang`` and ``top_k``."""
    moment = _aware(as_of) if as_of else datetime.now(UTC)
    checked = [_checked(raw_leads, moment) for raw_leads in requests]
    scores = bundle.score_records([r for c in checked for r in c.records], [a for c in checked for a in c.activities],
                                  moment, lang, top_k)
    responses, start = [], 0
    for c in checked:
        end = start + len(c.records)
        responses.append(_response(c, scores[start:end], moment, lang, model_version))
        start = end
    return responses


@dataclass
class _Checked:
    """One request's leads after validation: an error result where a lead failed, its record where not."""

    results: list[LeadScore | None]
    valid_index: list[int] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    activities: list[Any] = field(default_factory=list)


def _checked(raw_leads: Sequence[Any], moment: datetime) -> _Checked:
    checked = _Checked(results=[None] * len(raw_leads))
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_leads):
        lead, errors = validate_lead(raw)
        if lead is not None and _aware(lead.created_at) > moment:
            errors = [FieldError(field="created_at", message=f"lead created after as_of ({moment.isoformat()}); "
                                 "it cannot be scored at that moment")]
        if lead is not None and not errors and lead.lead_id in seen:
            errors = [FieldError(field="lead_id", message=f"duplicate lead_id (also at index {seen[lead.lead_id]})")]
        if errors:
            checked.results[i] = LeadScore(index=i, lead_id=lead_id_of(raw), status="error", errors=errors)
            continue
        assert lead is not None
        seen[lead.lead_id] = i
        checked.valid_index.append(i)
        checked.records.append(lead.model_dump(exclude={"activities"}))
        checked.activities.append(lead.activities)
    return checked


def _response(checked: _Checked, scores: list[dict[str, Any]], moment: datetime, lang: Lang,
              model_version: str) -> ScoreResponse:
    results = checked.results
    for i, record, scored in zip(checked.valid_index, checked.records, scores, strict=True):
        results[i] = LeadScore(index=i, lead_id=record["lead_id"], status="ok", model_version=model_version, **scored)
    done = [r for r in results if r is not None]
    failed = sum(r.status == "error" for r in done)
    return ScoreResponse(model_version=model_version, as_of=moment, lang=lang, scored=len(done) - failed,
                         failed=failed, results=done)
