"""Inbound routes a CRM workflow calls, mounted into the service at ``/hooks``: each scores the lead it is
sent, with the same vendor mapping a file export goes through (:func:`features.mappings.split_conversions`), and
answers in the shape the CRM expects. They authenticate by the CRM's own means, not the bearer token.

* ``POST /hooks/hubspot``: a HubSpot workflow's "Send a webhook" with the contact's properties (JSON),
  signed with ``X-HubSpot-Signature-v3`` (app secret ``LEADSCORE_HUBSPOT_CLIENT_SECRET``). Answers 200 with
  the score (``probability``, ``score``, ``tier``, ``grade``, ``stage``, ``reasons``); 401 for a missing
  or wrong signature, a timestamp over 5 minutes off, or a replayed signature; 403 when no secret is set;
  422 naming the field when the contact cannot be scored, or has converted (its
  ``hs_lifecyclestage_opportunity_date`` is past: a customer is left unscored, as in a score file).
  ``LEADSCORE_HOOKS_PUBLIC_URL`` is the base URL HubSpot calls (``https://scores.example.com``) when a proxy
  in front changes scheme or host; without it the URI is rebuilt from the request (``X-Forwarded-Proto`` /
  ``X-Forwarded-Host`` honoured).
* ``POST /hooks/salesforce``: a Salesforce Outbound Message on Lead (SOAP). The ``OrganizationId`` must
  be ``LEADSCORE_SALESFORCE_ORG_ID`` (15 or 18 characters; 403 SOAP fault otherwise or when unset); each new
  notification is scored, a repeated notification Id acknowledged without scoring again. Answers the SOAP
  ``Ack`` (scores in a header block, see :func:`crm.inbound.soap_ack`; a converted Lead, ``ConvertedDate``
  past, an error naming it); 400 SOAP fault for a body that is not an Outbound Message.

Every refusal has a JSON body (a SOAP fault for Salesforce) with the field at fault; nothing answers 500
for a bad request. Scored hooks pass through :func:`record_scores`, the one place to log them.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
import bentoml
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm.inbound import (
    MAX_AGE_MS,
    Refused,
    ReplayGuard,
    hubspot_properties,
    parse_outbound_message,
    soap_ack,
    soap_fault,
    verify_hubspot,
)
from crm.stages import suggest_stage
from features import values
from features.mappings import salesforce_id18, split_conversions
from scoring.options import ScoringOptions
from scoring.settings import project_dir
from serving import errors, history
from serving.schemas import LeadScore, ScoreResponse
from serving.scoring import score_request

HUBSPOT_SECRET_ENV = "LEADSCORE_HUBSPOT_CLIENT_SECRET"
SALESFORCE_ORG_ENV = "LEADSCORE_SALESFORCE_ORG_ID"
PUBLIC_URL_ENV = "LEADSCORE_HOOKS_PUBLIC_URL"
SOAP_TYPE = "text/xml; charset=utf-8"

hooks = FastAPI(title="leadscore hooks", docs_url=None, redoc_url=None, openapi_url=None)


@hooks.exception_handler(StarletteHTTPException)
async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An unknown path or method under /hooks answers in the one error body (:mod:`serving.errors`)."""
    return JSONResponse(errors.body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)
#: The running service (its ``loaded`` model), as BentoML hands it to a mounted app's routes.
Service = Annotated[Any, Depends(bentoml.get_current_service)]
#: Where the server's workers share the webhook keys they have seen (:class:`crm.inbound.ReplayGuard`).
SEEN_FILE = "hooks-seen.db"


@functools.lru_cache(maxsize=2)
def _seen(crm: str) -> ReplayGuard:
    """The replay guard of ``crm``: a HubSpot signature is replayed within its 5 minutes (twice that kept),
    a Salesforce notification retried for up to 24 hours."""
    ttl = 2 * MAX_AGE_MS / 1000 if crm == "hubspot" else 24 * 3600
    return ReplayGuard(project_dir() / SEEN_FILE, ttl, crm)


def record_scores(source: str, leads: list[dict[str, Any]], response: ScoreResponse) -> None:
    """Every lead a hook scored (``source``: ``hubspot`` / ``salesforce``) into the score log once, as a
    ``webhook`` score, with the contract record it was scored from (:func:`serving.history.record`)."""
    history.record(response, source="webhook", leads=leads)


def _refusal(error: Refused) -> JSONResponse:
    return JSONResponse(errors.body(error.message, [errors.issue(["header", error.field], error.message, "refused")]),
                        status_code=error.status)


def _result(result: LeadScore) -> dict[str, Any]:
    """A hook's answer for one lead: the score and what a CRM workflow routes on."""
    if result.status != "ok":
        return {"lead_id": result.lead_id, "status": "error",
                "errors": [{"field": e.field, "message": e.message} for e in result.errors]}
    return {"lead_id": result.lead_id, "status": "ok", "probability": result.probability, "score": result.score,
            "tier": result.tier, "grade": result.grade,
            "stage": suggest_stage({"score": result.score, "tier": result.tier, "grade": result.grade}),
            "reasons": [reason.text for reason in result.reasons], "model_version": result.model_version}


def _converted(leads: list[dict[str, Any]], dates: list[tuple[str, object] | None]) -> list[dict[str, Any] | None]:
    """Per lead, the error answer of one the CRM records as converted by now (its ``dates`` entry from
    :func:`features.mappings.split_conversions`: a customer, left unscored as a score file leaves it,
    :mod:`serving.batch`), else None. An unreadable date leaves the lead open."""
    now = values.moment_us(datetime.now(UTC))
    answers: list[dict[str, Any] | None] = []
    for lead, found in zip(leads, dates, strict=True):
        try:
            at = values.moment_us(found[1]) if found else None
        except ValueError:
            at = None
        if at is None or at > now:
            answers.append(None)
            continue
        moment = datetime.fromtimestamp(at / 1e6, UTC).isoformat()
        answers.append({"lead_id": lead.get("lead_id"), "status": "error", "errors": [
            {"field": found[0], "message": f"lead converted at {moment}, by as_of: not scored"}]})
    return answers


async def _score(service: Any, source: str, leads: list[dict[str, Any]]) -> ScoreResponse:
    loaded = service.loaded
    response = await anyio.to_thread.run_sync(score_request, loaded.bundle, leads, ScoringOptions(), loaded.version)
    record_scores(source, leads, response)
    return response


def _signed_uri(request: Request) -> str:
    """The full URI HubSpot called: the configured public base URL, or the request's own, plus the raw path."""
    path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    base = os.environ.get(PUBLIC_URL_ENV, "").rstrip("/")
    if not base:
        scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
        host = request.headers.get("x-forwarded-host", request.headers.get("host", request.url.netloc))
        base = f"{scheme}://{host.split(',')[0].strip()}"
    return f"{base}{path}" + (f"?{query}" if query else "")


@hooks.post("/hubspot")
async def hubspot(request: Request, service: Service) -> JSONResponse:
    """A HubSpot workflow webhook: one contact's properties in, its score out."""
    secret = os.environ.get(HUBSPOT_SECRET_ENV, "")
    if not secret:
        return _refusal(Refused(403, "X-HubSpot-Signature-v3", f"HubSpot hook disabled: set {HUBSPOT_SECRET_ENV}"))
    body = await request.body()
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        signature = verify_hubspot(secret, request.method, _signed_uri(request), body, headers)
        if not _seen("hubspot").first_time(signature):
            raise Refused(401, "X-HubSpot-Signature-v3", "replayed request: this signature was already accepted")
    except Refused as refused:
        return _refusal(refused)
    try:
        properties = hubspot_properties(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        return JSONResponse(errors.body("not a HubSpot contact", [errors.issue(["body"], str(exc), "value_error")]),
                            status_code=422)
    leads, dates = split_conversions([properties], "hubspot")
    [converted] = _converted(leads, dates)
    if converted is not None:
        return JSONResponse(converted, status_code=422)
    result = (await _score(service, "hubspot", leads)).results[0]
    answer = _result(result)
    return JSONResponse(answer, status_code=200 if result.status == "ok" else 422)


def _soap(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type=SOAP_TYPE)


@hooks.post("/salesforce")
async def salesforce(request: Request, service: Service) -> Response:
    """A Salesforce Outbound Message on Lead: acknowledged, and each new notification's lead scored."""
    expected_org = os.environ.get(SALESFORCE_ORG_ENV, "").strip()
    if not expected_org:
        return _soap(403, soap_fault("soapenv:Client", f"Salesforce hook disabled: set {SALESFORCE_ORG_ENV}"))
    try:
        message = parse_outbound_message(await request.body())
    except ValueError as exc:
        return _soap(400, soap_fault("soapenv:Client", f"not a Salesforce Outbound Message: {exc}"))
    if salesforce_id18(message.organization_id) != salesforce_id18(expected_org):
        return _soap(403, soap_fault("soapenv:Client",
                                     f"OrganizationId {message.organization_id} is not this service's org"))
    fresh = [(nid, fields) for nid, fields in message.notifications if _seen("salesforce").first_time(nid)]
    scores: list[dict[str, Any]] = [{"notification": nid, "status": "duplicate"}
                                    for nid, _ in message.notifications if nid not in {n for n, _ in fresh}]
    if fresh:
        leads, dates = split_conversions([fields for _, fields in fresh], "salesforce")
        converted = _converted(leads, dates)
        open_ = [lead for lead, answer in zip(leads, converted, strict=True) if answer is None]
        try:
            results = iter((await _score(service, "salesforce", open_)).results if open_ else [])
        except Exception:  # not scored: Salesforce's retry must be, not be acknowledged as a duplicate
            _seen("salesforce").forget(nid for nid, _ in fresh)
            raise
        for (nid, _), answer in zip(fresh, converted, strict=True):
            answer = answer or _result(next(results))
            answer["errors"] = [f"{e['field']}: {e['message']}" for e in answer.get("errors", [])]
            scores.append({"notification": nid, **answer})
    return _soap(200, soap_ack(scores))
