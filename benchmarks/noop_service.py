"""A no-op BentoML service with the leadscore service's framework settings: the throughput ceiling.

Same ``@bentoml.service`` traffic settings, same mounted (empty) FastAPI app, same gate (auth, body checks, load
bound), same ``/score`` route with the same typed parameters (so BentoML parses and validates the same
JSON body), an ``async`` handler that runs on the event loop, as ``LeadScoring.score`` does for a small
request (a sync handler would add a thread hand-off per request and lower this ceiling); it returns a
two-field pydantic object instead of scoring. What ``benchmarks/serve.py`` measures against it is the cost
of HTTP + BentoML + request parsing alone, so the difference to the real service is leadscore's own work
per request.

    serving.server.running_server(env, target="benchmarks.noop_service:NoopScoring")
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import bentoml
from fastapi import FastAPI
from pydantic import BaseModel, Field

from serving.config import ServeConfig
from serving.gate import Gate
from serving.schemas import Leads

CONFIG = ServeConfig.from_env()
extras = FastAPI(title="noop", docs_url=None, redoc_url=None, openapi_url=None)


class NoopResponse(BaseModel):
    scored: int
    lang: str


@bentoml.service(traffic={"timeout": 60}, workers=CONFIG.workers)
@bentoml.asgi_app(extras, path="/")
class NoopScoring:
    """Accepts what ``/score`` accepts and does nothing with it."""

    @bentoml.api(route="/score")
    async def score(
        self,
        leads: Leads,
        as_of: datetime | None = None,
        lang: Literal["en", "de"] = "en",
        top_k: Annotated[int, Field(ge=0, le=20)] = 5,
    ) -> NoopResponse:
        return NoopResponse(scored=len(leads), lang=lang)


NoopScoring.add_asgi_middleware(Gate, config=CONFIG, document=lambda: NoopScoring.openapi_spec.asdict())
