"""The API document (``/docs.json``) a CRM integration is written against.

BentoML generates the operations from the service's typed signatures and pydantic models; this module turns
that into leadscore's document: leadscore's name, version and description instead of BentoML's boilerplate,
tags, the bearer security scheme on every data route, every response a route can give (401, 413, 415, 422,
503 and the rest with the one error body, :class:`serving.schemas.ErrorBody`) and examples. BentoML's task
and batch machinery, which this service does not use, is left out. The schemas are pydantic's (JSON Schema
2020-12), so the document is OpenAPI 3.1, not the 3.0 BentoML declares.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from serving.schemas import LEAD_EXAMPLE, ErrorBody, Liveness, Readiness

DESCRIPTION = """\
Calibrated lead scores with reasons sales can read, in English or German.

A CRM posts its leads (the fields of the leadscore data contract and each lead's activities) to `POST /score`
and gets, per lead, the probability of becoming a sales opportunity within the model's horizon, a 0–100 score,
a tier (hot, warm, cold), a fit grade, BANT sub-scores and the reasons behind the score. A lead that cannot
be read is answered with `status: "error"` and its fields named; the other leads of the request are scored.

**Authentication**: every route but health, `/metrics` and this document needs `Authorization: Bearer <token>`.

**Errors** all carry one body: `error` (one line) and `detail` (where and what, per problem).

**Load**: a worker works on a bounded number of leads at once; beyond it a request gets 503 with
`Retry-After` (seconds) at once. Send it again after that time. While an instance shuts down it answers 503
with `Retry-After` and `Connection: close`.
"""

TAGS = [
    {"name": "scoring", "description": "Scores, reasons and score cards for leads."},
    {"name": "model", "description": "What is being served."},
    {"name": "health", "description": "Probes and metrics for operations; no token needed."},
]
ROUTE_TAGS = {"/score": "scoring", "/card": "scoring", "/leads/{lead_id}/scores": "scoring", "/model": "model",
              "/livez": "health", "/readyz": "health", "/metrics": "health"}
DROPPED_SCHEMAS = ("InvalidArgument", "NotFound", "InternalServerError", "HTTPValidationError", "ValidationError",
                   "TaskStatusResponse")
PUBLIC = ("/livez", "/readyz", "/metrics")

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_RETRY_AFTER = {"description": "Seconds to wait before sending the request again.", "schema": {"type": "integer"}}
ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("The body is not UTF-8 JSON, or does not match the schema (see `detail`).", {}),
    "401": ("Missing or wrong bearer token.", {"WWW-Authenticate": {"schema": {"type": "string"}}}),
    "404": ("No such route.", {}),
    "413": ("The body is over the size limit, or has more leads than one request may hold.", {}),
    "415": ("The body is not sent as `application/json`.", {}),
    "503": ("The instance is busy (too many leads in work) or shutting down: send again after `Retry-After`.",
            {"Retry-After": _RETRY_AFTER}),
}
CARD_422 = "The lead could not be read: `detail` names its fields (`loc`: body, leads, 0, field)."


def package_version() -> str:
    try:
        return version("leadscore")
    except PackageNotFoundError:
        return "0+unknown"


def contract_document(generated: dict[str, Any], extra_fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """leadscore's API document from the one BentoML generated for the service. ``extra_fields``: the lead
    fields beyond the documented ones that the served model was trained on (:func:`serving.fields.extra_fields`);
    a lead may carry those and no others."""
    doc = copy.deepcopy(generated)
    doc["openapi"] = "3.1.0"  # the schemas are pydantic's JSON Schema 2020-12 (null types, examples): OpenAPI 3.1
    doc["info"] = {"title": "leadscore", "version": package_version(), "description": DESCRIPTION,
                   "license": {"name": "Proprietary"}}
    doc["tags"] = TAGS
    doc.pop("servers", None)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in DROPPED_SCHEMAS:
        schemas.pop(name, None)
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    if "Lead" in schemas:
        _close_lead(schemas["Lead"], extra_fields or {})
    schemas["Liveness"] = Liveness.model_json_schema()
    schemas["Readiness"] = Readiness.model_json_schema()
    components["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                    "description": "The service's API token."}}
    paths = {}
    for path, operations in doc.get("paths", {}).items():
        if path not in ROUTE_TAGS:  # /healthz duplicates /livez
            continue
        paths[path] = {method: _operation(path, method, op) for method, op in operations.items()}
    doc["paths"] = paths
    return doc


def _operation(path: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    op = {k: v for k, v in op.items() if not k.startswith("x-bentoml")}
    op["tags"] = [ROUTE_TAGS[path]]
    op.setdefault("operationId", f"{method}_{path.strip('/')}")
    op["summary"] = op.get("summary") or path.strip("/").capitalize()
    responses = {str(code): r for code, r in op.get("responses", {}).items() if str(code).startswith("2")}
    if path == "/livez":
        responses = {"200": _json("Alive.", {"$ref": "#/components/schemas/Liveness"})}
    elif path == "/readyz":
        responses = {"200": _json("Ready: the model is loaded and verified.",
                                  {"$ref": "#/components/schemas/Readiness"}),
                     "503": _json("Shutting down: send no more requests here.", _ERROR_REF)}
    elif path == "/metrics":
        responses = {"200": {"description": "Prometheus metrics.",
                             "content": {"text/plain": {"schema": {"type": "string"}}}}}
    if path in PUBLIC:
        op["security"] = []
        op["responses"] = responses
        return op
    op["security"] = [{"bearerAuth": []}]
    codes = ["400", "401", "404", "503"] if any(p.get("in") == "query" for p in op.get("parameters", [])) else \
        ["401", "404", "503"]
    if method in ("post", "put", "patch"):
        codes = ["400", "401", "404", "413", "415", "503"]
    for code in codes:
        text, headers = ERRORS[code]
        responses[code] = _json(text, _ERROR_REF, headers)
    if path == "/card":
        responses["422"] = _json(CARD_422, _ERROR_REF)
    op["responses"] = dict(sorted(responses.items()))
    if "requestBody" in op:
        for media in op["requestBody"].get("content", {}).values():
            _nullable_defaults(media.get("schema", {}))
        example = {"leads": [LEAD_EXAMPLE], "as_of": "2026-06-30T00:00:00Z", "lang": "en"}
        for media in op["requestBody"].get("content", {}).values():
            media["example"] = example
        op["requestBody"]["required"] = True
    return op


EXTRA_KINDS = {"number": [{"type": "number"}, {"type": "string"}, {"type": "null"}],
               "text": [{"type": "string"}, {"type": "null"}]}


def _close_lead(lead: dict[str, Any], extra_fields: Mapping[str, str]) -> None:
    """The lead schema with the served model's extra fields and no others."""
    properties = lead.setdefault("properties", {})
    for name, kind in extra_fields.items():
        read_as = "a number, or text as CRM exports format amounts" if kind == "number" else "a label"
        properties[name] = {"anyOf": EXTRA_KINDS[kind], "title": name,
                            "description": f"An extra column the served model was trained on, read as {read_as}."}
    lead["additionalProperties"] = False


def _nullable_defaults(schema: dict[str, Any]) -> None:
    """BentoML drops ``null`` from an optional parameter's type (``as_of: datetime | None = None`` becomes a
    plain date-time string); put it back, since the service accepts ``null`` there."""
    for name, prop in schema.get("properties", {}).items():
        if "default" in prop and prop["default"] is None and "anyOf" not in prop and "type" in prop:
            kept = {k: v for k, v in prop.items() if k not in ("default", "title", "description", "examples")}
            rest = {k: v for k, v in prop.items() if k not in kept}
            schema["properties"][name] = {"anyOf": [kept, {"type": "null"}], **rest}


def _json(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response
