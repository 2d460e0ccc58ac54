"""The BentoML service a CRM calls. Thin: it loads what training produced and calls it.

Routes (JSON): ``POST /score`` (leads → scores and reasons), ``GET /model`` (what is being served),
``POST /card`` (an HTML score card for one lead), ``GET /leads/{lead_id}/scores`` (a lead's logged scores).
Every request passes :mod:`serving.gate` first (health, token, body checks, load bound, shutdown); the request
and response shapes are :mod:`serving.schemas`, the document at ``/docs.json`` is :mod:`serving.openapi`'s.
The served model follows its registry alias (:mod:`serving.watch`); every score given is recorded in the
score log (:mod:`serving.history`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
import bentoml
from fastapi import FastAPI, HTTPException, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from scoring.options import ScoringOptions
from scoring.requests import activities_as_read
from serving import errors, heap, history
from serving.batcher import RequestBatcher
from serving.card import render_card
from serving.config import ServeConfig
from serving.fields import check_fields, extra_fields
from serving.gate import PARSE_ON_LOOP_BYTES, Answer, Gate, Scope
from serving.history import LeadScoreHistory
from serving.hooks import hooks
from serving.loader import LoadedModel, load_model
from serving.offload import ModelFile, ScoringProcess
from serving.openapi import contract_document
from serving.schemas import AsOf, CardRequest, Lang, Leads, ScoreResponse, Suggest, TopK
from serving.scoring import score_request, score_requests
from serving.watch import ModelFollower, alias_of

CONFIG = ServeConfig.from_env()
extras = FastAPI(title="leadscore", docs_url=None, redoc_url=None, openapi_url=None)
extras.add_exception_handler(RequestValidationError, errors.validation_error)


@bentoml.service(traffic={"timeout": 60}, workers=CONFIG.workers)
@bentoml.asgi_app(extras, path="/")
@bentoml.asgi_app(hooks, path="/hooks")  # CRM webhooks (serving/hooks.py), before "/" so it is matched first
class LeadScoring:
    """Calibrated lead scores with reasons sales can read, in English or German."""

    def __init__(self) -> None:
        self.follower = ModelFollower(load_model(CONFIG.model_uri, CONFIG.cache_dir), CONFIG.cache_dir,
                                      alias_of(CONFIG.model_uri), CONFIG.watch_seconds, CONFIG.allow_contract_change)
        self.follower.start()
        self.history = history.shared()
        self.batcher = RequestBatcher(self._score_together, max_leads=CONFIG.batch_leads)
        self.scorer = ScoringProcess(CONFIG.retry_after_seconds)  # started by the first big request
        _RUNNING.append(self)
        heap.settle()  # the model and libraries are never walked by the garbage collector again

    @property
    def loaded(self) -> LoadedModel:
        """The model now served. A request reads it once and scores every lead with it."""
        return self.follower.served.model

    def _score_together(self, options: ScoringOptions, requests: list[list[Any]]) -> list[ScoreResponse]:
        loaded = self.loaded
        return score_requests(loaded.bundle, requests, options, loaded.version)

    def __is_ready__(self) -> bool:
        return getattr(self, "follower", None) is not None

    @bentoml.on_shutdown
    def _shutdown(self) -> None:
        self.follower.stop()
        self.scorer.stop()
        self.history.close()

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
            loaded = self.loaded
            check_fields(leads, loaded.bundle, loaded.version)
            response = await self.batcher.submit(options, leads)
            self.history.record(response, leads=leads)
            return response
        # (a body over 64 KB never gets here: the scoring process answers it, see _offload below)
        # scored, logged and written as JSON in a worker thread: none of it holds up the event loop
        return await anyio.to_thread.run_sync(self._score_in_thread, self.loaded, leads, options)

    def _score_in_thread(self, loaded: LoadedModel, leads: list[Any], options: ScoringOptions) -> Response:
        check_fields(leads, loaded.bundle, loaded.version)
        response = score_request(loaded.bundle, leads, options, loaded.version)
        self.history.record(response, leads=leads)
        return Response(response.model_dump_json().encode(), media_type="application/json")

    async def offload(self, body: bytes) -> Answer:
        """A big ``/score`` request answered by this worker's scoring process (:mod:`serving.offload`)."""
        return await self.scorer.score(body, self._model_file(), CONFIG.max_leads)

    def _model_file(self) -> ModelFile:
        loaded = self.loaded
        return ModelFile(loaded.path, loaded.sha256, loaded.version)

    @extras.get("/model")
    def model(self) -> dict[str, Any]:
        """What is being served: version, alias, training window, metrics, tiers, and the lead fields beyond the
        documented ones that the model was trained on (``extra_fields``: name → number or text); a lead may
        carry those and no others."""
        loaded = self.loaded
        info = loaded.bundle.info
        return {
            "name": loaded.name,
            "version": loaded.version,
            "alias": loaded.alias,
            "sha256": loaded.sha256,
            "loaded_from": loaded.source,
            "mode": loaded.bundle.mode,
            "horizon_days": loaded.bundle.horizon_days,
            "regime": info.get("regime"),
            "evaluation": info.get("evaluation"),
            "backtest": info.get("backtest"),
            "training_window": info.get("windows"),
            "metrics": info.get("metrics"),
            "tiers": info.get("tiers"),
            "features": loaded.bundle.catalogue.names,
            "extra_fields": extra_fields(loaded.bundle),
            **self.follower.status().model_dump(mode="json"),
            "score_log": self.history.counters(),
        }

    @extras.get("/leads/{lead_id}/scores")
    def lead_scores(self, lead_id: str, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                    lang: Literal["en", "de"] = "en") -> LeadScoreHistory:
        """A lead's logged scores, newest first, and how its score moved ("+18 since last week")."""
        found = self.history.lead_history(lead_id, limit=limit, lang=lang)
        if found is None:
            raise HTTPException(404, detail=f"no scores logged for lead {lead_id!r}" if self.history.enabled
                                else "the score log is off on this server (LEADSCORE_SCORE_LOG=off)")
        return found

    @extras.post("/card", response_class=HTMLResponse, response_model=None)
    def card(self, request: CardRequest) -> Response:
        """An HTML score card (score, tier, grade, reasons as a waterfall) for one lead."""
        loaded = self.loaded
        try:
            check_fields(request.leads, loaded.bundle, loaded.version)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        response = score_request(loaded.bundle, request.leads,
                                 ScoringOptions(request.as_of, request.lang, request.top_k, suggest=True),
                                 loaded.version)
        result = response.results[0]
        if result.status == "error":
            return JSONResponse(errors.unreadable_lead(result.errors), status_code=422)
        trend = self.history.trend_to(result.lead_id or "", int(result.score or 0), loaded.version)
        self.history.record(response, leads=request.leads)
        horizon = loaded.bundle.horizon_days if loaded.bundle.mode == "event" else None  # flat: no horizon
        return HTMLResponse(render_card(result, request.lang, horizon, request.leads[0],
                                        trend=trend.text(request.lang) if trend else None,
                                        activities=activities_as_read(loaded.bundle, request.leads[0],
                                                                      response.as_of)))


def _small(leads: list[dict[str, Any]]) -> bool:
    """Whether a request is small enough to score on the event loop (see ``ServeConfig.inline_leads``)."""
    if len(leads) > CONFIG.inline_leads:
        return False
    activities = sum(len(acts) for lead in leads if isinstance(lead, dict)
                     and isinstance(acts := lead.get("activities"), list))
    return activities <= CONFIG.inline_activities


_RUNNING: list[LeadScoring] = []
"""This worker's service instance (the document names the extra fields of the model it serves)."""


def _document() -> dict[str, Any]:
    fields = extra_fields(_RUNNING[-1].loaded.bundle) if _RUNNING else {}
    return contract_document(LeadScoring.openapi_spec.asdict(), fields)


class _ToScoringProcess:
    """The gate's hand-off (:class:`serving.gate.Offload`): a ``/score`` body too big for the event loop goes
    to this worker's scoring process unparsed."""

    def takes(self, scope: Scope, size: int) -> bool:
        return scope["path"] == "/score" and size > PARSE_ON_LOOP_BYTES and bool(_RUNNING)

    async def answer(self, body: bytes) -> Answer:
        return await _RUNNING[-1].offload(body)


LeadScoring.add_asgi_middleware(Gate, config=CONFIG, document=_document, offload=_ToScoringProcess())
