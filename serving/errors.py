"""The one error body (:class:`serving.schemas.ErrorBody`) of every 4xx and 5xx, however the error arose.

Errors come from four places: the gate (:mod:`serving.gate`: token, size, media type, unreadable JSON, overload,
shutdown), BentoML's validation of ``/score``, FastAPI's validation of the routes mounted beside it, and
Starlette (unknown path, wrong method). :func:`normalise` turns whatever body the last three produced into
the documented shape, keeping its field-level detail, so a client needs one parser for all of them.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

SCHEMA_MISMATCH = "the request does not match the schema: see detail and /docs.json"


def body(error: str, detail: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An error body; each detail entry needs ``loc`` (list), ``msg`` and ``type``."""
    return {"error": error, "detail": detail or []}


def issue(loc: list[str | int], msg: str, type_: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": type_}


def pydantic_detail(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's (or FastAPI's) error list as detail entries: location, message, type, nothing of the input
    (a body may hold personal data, and bytes that are not text)."""
    out = []
    for e in errors:
        if not isinstance(e, dict):
            out.append(issue(["body"], str(e), "value_error"))
            continue
        loc = [part if isinstance(part, int) else str(part) for part in e.get("loc") or ()]
        if not loc or loc[0] != "body":
            loc = ["body", *loc]
        out.append(issue(loc, str(e.get("msg", "invalid value")), str(e.get("type", "value_error"))))
    return out


def normalise(status: int, raw: bytes) -> dict[str, Any]:
    """The documented body for an error response with body ``raw`` produced inside the service."""
    phrase = _phrase(status)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        text = raw.decode("utf-8", "replace").strip()
        return body(text if 0 < len(text) <= 500 else phrase)
    if isinstance(data, list) and data and isinstance(data[0], dict):  # BentoML answers its own errors in a list
        data = data[0]
    if not isinstance(data, dict):
        return body(phrase)
    detail = data.get("detail")
    error = data.get("error")
    if isinstance(detail, str):  # Starlette's HTTPException
        return body(detail if not isinstance(error, str) else error)
    entries = pydantic_detail(detail) if isinstance(detail, list) else []
    if not isinstance(error, str):
        error = SCHEMA_MISMATCH if entries else phrase
    elif entries and "validation error" in error:  # BentoML's "2 validation errors for Input"
        error = f"{SCHEMA_MISMATCH} ({error})"
    return body(error, entries)


def unreadable_lead(field_errors: list[Any], index: int = 0) -> dict[str, Any]:
    """The body for a lead that could not be read (``/card``'s 422): its fields, as ``/score`` names them."""
    detail = [issue(["body", "leads", index, *str(e.field).split(".")], e.message, "lead_unreadable")
              for e in field_errors]
    return body("the lead could not be read: see detail", detail)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's handler for a request that does not match a route's model: 400 and the error body, as
    ``/score`` answers (FastAPI's own answers 422 and fails on bodies that are not UTF-8)."""
    return JSONResponse(body(SCHEMA_MISMATCH, pydantic_detail(list(exc.errors()))), status_code=400)
