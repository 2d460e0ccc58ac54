"""A request's leads scored and answered: one result per input lead, at its own index, in request order.

Reading and validating each lead is :mod:`scoring.requests`' (the same rules as a file row); this module only
turns its outcomes into the API's response shapes. It knows nothing of HTTP: the service, the webhooks and the
tests call it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitoring.fingerprint import Fingerprints
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from scoring.requests import RecordResult, score_groups
from serving.schemas import FieldError, LeadScore, ScoreResponse


def score_request(bundle: ScoringBundle, raw_leads: Sequence[Any], options: ScoringOptions,
                  model_version: str) -> ScoreResponse:
    """Score a list of raw lead objects (``options.as_of`` None: now)."""
    return score_requests(bundle, [raw_leads], options, model_version)[0]


def score_requests(bundle: ScoringBundle, requests: Sequence[Sequence[Any]], options: ScoringOptions,
                   model_version: str) -> list[ScoreResponse]:
    """Several requests' leads scored in one pass (the service's concurrent small requests), each answered as
    :func:`score_request` would answer it alone. They share the options (one "now" for all when unset)."""
    options = options.resolved(bundle.time_zone)
    outcomes = score_groups(bundle, requests, options)
    prints: dict[int, Fingerprints] = {}  # one per batch read: its leads are fingerprinted together, when logged
    return [_response(group, options, model_version, prints) for group in outcomes]


def _response(outcomes: list[RecordResult], options: ScoringOptions, model_version: str,
              prints: dict[int, Fingerprints]) -> ScoreResponse:
    results = []
    for outcome in outcomes:
        result = _lead_score(outcome, model_version)
        if outcome.read_as is not None:
            batch, row = outcome.read_as
            result._read_as = (prints.setdefault(id(batch), Fingerprints(batch)), row)
        results.append(result)
    failed = sum(r.status == "error" for r in results)
    return ScoreResponse(model_version=model_version, as_of=options.as_of, lang=options.lang,
                         scored=len(results) - failed, failed=failed, results=results)


def _lead_score(outcome: RecordResult, model_version: str) -> LeadScore:
    warnings = [FieldError(field=w.field, message=w.message) for w in outcome.warnings]
    if outcome.status == "ok":
        return LeadScore(index=outcome.index, lead_id=outcome.lead_id, status="ok", model_version=model_version,
                         warnings=warnings, **(outcome.result or {}))
    errors = [FieldError(field=e.field, message=e.message) for e in outcome.errors]
    return LeadScore(index=outcome.index, lead_id=outcome.lead_id, status="error", errors=errors, warnings=warnings)
