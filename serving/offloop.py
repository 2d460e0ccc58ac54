"""A big request's JSON handled off the worker's event loop, so that health probes and small requests never wait
behind it.

The event loop of a worker serves every connection; whatever runs on it runs alone. BentoML validates a request
body against the API's pydantic model, and serialises the response, on the loop: for a 1,000-lead request a
probe cannot be answered meanwhile. Here a body
bigger than :data:`serving.gate.PARSE_ON_LOOP_BYTES` is validated in a worker thread instead, with the same
model, the same errors and the same 400 for a body that does not match; the service serialises a big response
in the thread that scored it (:func:`json_response`). Small requests (a CRM scoring one lead) stay on the loop:
handing them to a thread would cost more than the work.
"""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from serving.gate import PARSE_ON_LOOP_BYTES

JSON = "application/json"


def validate_big_bodies_in_threads(input_spec: type[BaseModel]) -> None:
    """Make BentoML validate a big JSON body for ``input_spec`` (an API's generated input model, whose schema
    the API document shows, unchanged) in a worker thread. BentoML asks the input model to read the request
    (``from_http_request``); this replaces that step for JSON bodies over the threshold and keeps BentoML's own
    for every other request."""
    original = input_spec.from_http_request  # type: ignore[attr-defined]

    async def from_http_request(cls: type[BaseModel], request: Request, serde: Any) -> BaseModel:
        if getattr(serde, "media_type", None) != JSON:
            return await original(request, serde)
        body = await request.body()  # already read and checked by the gate, which replays it
        if len(body) <= PARSE_ON_LOOP_BYTES:
            return cls.model_validate_json(body or b"{}")
        return await anyio.to_thread.run_sync(cls.model_validate_json, body)

    input_spec.from_http_request = classmethod(from_http_request)  # type: ignore[attr-defined]


def json_response(model: BaseModel) -> Response:
    """``model`` as the JSON response BentoML would send for it (the same bytes and media type), made by the
    caller, e.g. in the worker thread that produced it."""
    return Response(model.model_dump_json().encode(), media_type=JSON)
