"""The BentoML service a CRM calls. Thin: it loads what training produced and calls it.

Routes (JSON): ``POST /score`` (leads → scores and reasons), ``GET /model`` (what is being served),
``POST /card`` (an HTML score card for one lead). Every request passes :mod:`serving.gate` first (health,
token, body checks, load bound, shutdown); the request and response shapes are :mod:`serving.schemas`, the
document at ``/docs.json`` is :mod:`serving.openapi`'s.
"""

from __future__ import annotations

from typing import Any

import anyio
import bentoml
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from scoring.options import ScoringOptions
from serving import errors
from serving.batcher import RequestBatcher
from serving.card import render_card
from serving.config import ServeConfig
from serving.gate import Gate
from serving.loader import load_model
from serving.openapi import contract_document
from serving.schemas import AsOf, CardRequest, Lang, Leads, ScoreResponse, Suggest, TopK
from serving.scoring import score_request, score_requests

CONFIG = ServeConfig.from_env()
extras = FastAPI(title="leadscore", docs_url=None, redoc_url=None, openapi_url=None)
extras.add_exception_handler(RequestValidationError, errors.validation_error)


@bentoml.service(traffic={"timeout": 60}, workers=CONFIG.workers)
@bentoml.asgi_app(extras, path="/")
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
        leads: Leads,
        as_of: AsOf = None,
        lang: Lang = "en",
        top_k: TopK = 5,
        suggest: Suggest = False,
    ) -> ScoreResponse:
        """Score leads as of a moment (default now): one result per lead, in request order."""
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

    @extras.post("/card", response_class=HTMLResponse, response_model=None)
    def card(self, request: CardRequest) -> Response:
        """An HTML score card (score, tier, grade, reasons as a waterfall) for one lead."""
        response = score_request(self.loaded.bundle, request.leads,
                                 ScoringOptions(request.as_of, request.lang, request.top_k, suggest=True),
                                 self.loaded.version)
        result = response.results[0]
        if result.status == "error":
            return JSONResponse(errors.unreadable_lead(result.errors), status_code=422)
        return HTMLResponse(render_card(result, request.lang, self.loaded.bundle.horizon_days, request.leads[0]))


def _small(leads: list[dict[str, Any]]) -> bool:
    """Whether a request is small enough to score on the event loop (see ``ServeConfig.inline_leads``)."""
    if len(leads) > CONFIG.inline_leads:
        return False
    activities = sum(len(acts) for lead in leads if isinstance(lead, dict)
                     and isinstance(acts := lead.get("activities"), list))
    return activities <= CONFIG.inline_activities


def _document() -> dict[str, Any]:
    return contract_document(LeadScoring.openapi_spec.asdict())


LeadScoring.add_asgi_middleware(Gate, config=CONFIG, document=_document)
