"""The BentoML service a CRM calls. Thin: it loads what training produced and calls it.

Routes (JSON): ``POST /score`` (leads → scores and reasons), ``GET /model`` (what is being served),
``POST /card`` (an HTML score card for one lead). Health: ``/livez`` answers at once; ``/readyz`` only
once the model is loaded and its checksum verified. Everything but health needs the bearer token.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Literal

import anyio
import bentoml
from bentoml.exceptions import BentoMLException
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from scoring.options import ScoringOptions
from serving.auth import AuthMiddleware
from serving.batcher import RequestBatcher
from serving.card import render_card
from serving.config import ServeConfig
from serving.hooks import hooks
from serving.loader import load_model
from serving.schemas import ScoreResponse
from serving.scoring import score_request, score_requests

CONFIG = ServeConfig.from_env()
extras = FastAPI(title="leadscore", docs_url=None, redoc_url=None, openapi_url=None)


class CardRequest(BaseModel):
    leads: list[dict[str, Any]] = Field(min_length=1, max_length=1)
    as_of: datetime | None = None
    lang: Literal["en", "de"] = "en"
    top_k: int = Field(default=5, ge=1, le=20)


@bentoml.service(traffic={"timeout": 60}, workers=CONFIG.workers)
@bentoml.asgi_app(extras, path="/")
@bentoml.asgi_app(hooks, path="/hooks")  # CRM webhooks (serving/hooks.py), before "/" so it is matched first
class LeadScoring:
    """Calibrated lead scores with reasons sales can read, in English or German."""

    def __init__(self) -> None:
        self.loaded = load_model(CONFIG.model_uri, CONFIG.cache_dir)
        self.batcher = RequestBatcher(self._score_together, max_leads=CONFIG.batch_leads)

    def _score_together(self, options: ScoringOptions, requests: list[list[Any]]) -> list[ScoreResponse]:
        return score_requests(self.loaded.bundle, requests, options, self.loaded.version)

    def __is_ready__(self) -> bool:
        return getattr(self, "loaded", None) is not None

    @bentoml.api(route="/score")
    async def score(
        self,
        leads: Annotated[list[dict[str, Any]], Field(description="Leads: the contract's lead fields, any extra "
                                                                 "columns the model was trained on, and an "
                                                                 "optional `activities` list.")],
        as_of: datetime | None = None,
        lang: Literal["en", "de"] = "en",
        top_k: Annotated[int, Field(ge=0, le=20)] = 5,
        suggest: bool = False,
    ) -> ScoreResponse:
        """Score leads as of a moment (default now). One result per lead, in request order; ``suggest``: also
        the buying actions that would raise each score."""
        if len(leads) > CONFIG.max_leads:
            raise BentoMLException(f"{len(leads)} leads in one request; the limit is {CONFIG.max_leads}",
                                   error_code=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        options = ScoringOptions(as_of, lang, top_k, suggest)
        if _small(leads):  # on the event loop, together with the small requests that arrived with it
            return await self.batcher.submit(options, leads)
        return await anyio.to_thread.run_sync(score_request, self.loaded.bundle, leads, options, self.loaded.version)

    @extras.get("/model")
    def model(self) -> dict[str, Any]:
        """What is being served: version, alias, training window, metrics, tiers."""
        info = self.loaded.bundle.info
        return {
            "name": self.loaded.name,
            "version": self.loaded.version,
            "alias": self.loaded.alias,
            "sha256": self.loaded.sha256,
            "loaded_from": self.loaded.source,
            "mode": self.loaded.bundle.mode,
            "horizon_days": self.loaded.bundle.horizon_days,
            "regime": info.get("regime"),
            "evaluation": info.get("evaluation"),
            "backtest": info.get("backtest"),
            "training_window": info.get("windows"),
            "metrics": info.get("metrics"),
            "tiers": info.get("tiers"),
            "features": self.loaded.bundle.catalogue.names,
        }

    @extras.post("/card", response_class=HTMLResponse)
    def card(self, request: CardRequest) -> HTMLResponse:
        """An HTML score card (score, tier, grade, reasons as a waterfall) for one lead."""
        response = score_request(self.loaded.bundle, request.leads,
                                 ScoringOptions(request.as_of, request.lang, request.top_k, suggest=True),
                                 self.loaded.version)
        result = response.results[0]
        if result.status == "error":
            return HTMLResponse(render_card(result, request.lang, self.loaded.bundle.horizon_days, request.leads[0]),
                                status_code=422)
        return HTMLResponse(render_card(result, request.lang, self.loaded.bundle.horizon_days, request.leads[0]))


def _small(leads: list[dict[str, Any]]) -> bool:
    """Whether a request is small enough to score on the event loop (see ``ServeConfig.inline_leads``)."""
    if len(leads) > CONFIG.inline_leads:
        return False
    activities = sum(len(acts) for lead in leads if isinstance(lead, dict)
                     and isinstance(acts := lead.get("activities"), list))
    return activities <= CONFIG.inline_activities


LeadScoring.add_asgi_middleware(AuthMiddleware, token=CONFIG.api_token, enabled=CONFIG.auth,
                                max_body_bytes=CONFIG.max_body_bytes)
