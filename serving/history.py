"""Every score the service gives, recorded in the score log, and a lead's history read back from it.

The API (``/score``, ``/card``), the webhooks and a batch run (``leadscore score``) all record through here,
into :class:`monitoring.scorelog.ScoreLog`: when, which lead, as of when, which model version, the input's
fingerprint, probability, score, tier, grade and reasons; never the e-mail address (the log stores only
those columns; the fingerprint leaves e-mail fields out). Recording a request's scores only queues them
(about a microsecond per score); the log's writer thread writes them in the background, so a slow or absent
database never slows a request (a full queue drops and counts).

``LEADSCORE_SCORE_LOG=off`` turns recording off (benchmarks); ``LEADSCORE_SCORE_DB`` chooses the database
(SQLite file ``scores.db`` in the project folder by default, PostgreSQL by URL).

Webhooks call :func:`record` with what they scored::

    from serving import history
    history.record(response, source="webhook", leads=raw_leads)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from features.batch import LeadBatch
from monitoring.fingerprint import batch_fingerprints
from monitoring.records import ScoreRecord, Source, Trend
from monitoring.scorelog import ScoreLog
from serving.config import score_log_enabled
from serving.schemas import LeadScore, ScoreResponse

log = logging.getLogger(__name__)


class LoggedScore(BaseModel):
    """One score as it was given."""

    scored_at: datetime
    as_of: datetime
    model_version: str
    source: Literal["api", "webhook", "batch"]
    probability: float
    score: int
    tier: str
    grade: str | None
    input_fingerprint: str | None
    reasons: list[dict[str, Any]]


class ScoreTrend(BaseModel):
    """How the lead's score moved since the newest score at least ``days`` older than its latest."""

    change: int
    previous_score: int
    previous_at: datetime
    days: int
    model_changed: bool  #: the two scores came from different model versions
    text: str  #: "+18 since last week" / "+18 seit letzter Woche"


class LeadScoreHistory(BaseModel):
    """``GET /leads/{lead_id}/scores``: the lead's scores, newest first."""

    lead_id: str
    scores: list[LoggedScore]
    trend: ScoreTrend | None


def trend_model(trend: Trend | None, lang: Literal["en", "de"] = "en") -> ScoreTrend | None:
    if trend is None:
        return None
    return ScoreTrend(change=trend.change, previous_score=trend.previous_score, previous_at=trend.previous_at,
                      days=trend.days, model_changed=trend.model_changed, text=trend.text(lang))


class ScoreHistory:
    """The score log as the service uses it; ``log`` None when recording is off (then nothing is recorded
    and there is no history)."""

    def __init__(self, score_log: ScoreLog | None) -> None:
        self.log = score_log

    @classmethod
    def from_env(cls) -> ScoreHistory:
        """The log ``LEADSCORE_SCORE_DB`` names (default ``scores.db``), or none when ``LEADSCORE_SCORE_LOG=off``."""
        return cls(ScoreLog() if score_log_enabled() else None)

    @property
    def enabled(self) -> bool:
        return self.log is not None

    # ---- recording -------------------------------------------------------------------------------------------
    def record(self, scored: ScoreResponse | Iterable[LeadScore], *, source: Source = "api",
               leads: Sequence[Any] | None = None, as_of: datetime | None = None) -> int:
        """Queue the scored leads of a response (error results are not scores and are skipped); returns how many
        were accepted. Each lead's input fingerprint is worked out by the writer, off the request path, from the
        lead as the rules read it (:mod:`monitoring.fingerprint`); ``leads``, the raw leads as received by request
        index, serve a flat-mode model's leads. ``as_of``: only needed for results without their response.
        Never raises: a recording problem must not fail the request that was scored."""
        if self.log is None:
            return 0
        try:
            if isinstance(scored, ScoreResponse):
                as_of, results = scored.as_of, scored.results
            else:
                results = list(scored)
            if as_of is None:
                raise ValueError("as_of is needed to record results without their response")
            records = [ScoreRecord.from_result(r, model_version=r.model_version or "", as_of=as_of, source=source,
                                               lead=_lead(leads, r.index) if r._read_as is None else None,
                                               read_as=r._read_as)
                       for r in results if r.status == "ok"]
            return self.log.record(records)
        except Exception:
            log.exception("could not record scores in the score log")
            return 0

    def record_batch(self, scores: pd.DataFrame, *, model_version: str, as_of: datetime,
                     inputs: LeadBatch | None = None) -> int:
        """Write a batch run's score frame (one row per scored lead, ``source = batch``), with each lead's input
        fingerprint when the leads as read are given (``inputs``). Synchronous; returns the rows written, 0 when
        the database refused them (logged: the score file is written all the same)."""
        if self.log is None or "probability" not in scores.columns or scores["probability"].isna().all():
            return 0  # no lead scored (every row an error): nothing to record
        frame = scores
        if inputs is not None and len(inputs):
            prints = dict(zip(map(str, inputs.lead_ids.tolist()), batch_fingerprints(inputs), strict=True))
            frame = scores.assign(input_fingerprint=scores["lead_id"].astype(str).map(prints))
        try:
            return self.log.record_frame(frame, model_version=model_version, as_of=as_of, source="batch")
        except SQLAlchemyError as exc:
            log.error("the score log could not record this batch run (%s): %s", self.log.url, exc)
            return 0

    # ---- reading ---------------------------------------------------------------------------------------------
    def lead_history(self, lead_id: str, limit: int = 50, lang: Literal["en", "de"] = "en") -> LeadScoreHistory | None:
        """The lead's scores, newest first, and its trend; None for a lead never scored (or no log)."""
        if self.log is None:
            return None
        rows = self.log.history(lead_id, limit=limit)
        if not rows:
            return None
        scores = [LoggedScore(**{k: row[k] for k in LoggedScore.model_fields}) for row in rows]
        return LeadScoreHistory(lead_id=lead_id, scores=scores, trend=trend_model(self.log.trend(lead_id), lang))

    def trend_to(self, lead_id: str, score: int, model_version: str, at: datetime | None = None) -> Trend | None:
        """The trend of a score being given now (not yet in the log): against the lead's newest logged score at
        least ``trend_days`` before ``at``. None without such a score (or without a log)."""
        if self.log is None or not lead_id:
            return None
        try:
            at = at or datetime.now(UTC)
            days = self.log.config.trend_days
            self.log.ensure_schema()
            t = self.log.table
            query = (select(t.c.score, t.c.scored_at, t.c.model_version)
                     .where(t.c.lead_id == lead_id, t.c.scored_at <= at - timedelta(days=days))
                     .order_by(t.c.scored_at.desc(), t.c.id.desc()).limit(1))
            with self.log.engine.connect() as connection:
                before = connection.execute(query).first()
        except Exception:
            log.exception("could not read the score log for the trend")
            return None
        if before is None:
            return None
        return Trend(score=score, scored_at=at, previous_score=before.score, previous_at=before.scored_at, days=days,
                     model_changed=str(before.model_version) != str(model_version))

    def counters(self) -> dict[str, int] | None:
        """The log's ``written``, ``queued``, ``dropped``, ``rejected`` and ``failures`` (None when off)."""
        return self.log.counters() if self.log is not None else None

    def close(self) -> None:
        if self.log is not None:
            self.log.close()


def _lead(leads: Sequence[Any] | None, index: int) -> Mapping[str, Any] | None:
    if leads is None or not 0 <= index < len(leads):
        return None
    lead = leads[index]
    return lead if isinstance(lead, Mapping) else None


_shared: ScoreHistory | None = None
_shared_pid = -1
_shared_lock = threading.Lock()


def shared() -> ScoreHistory:
    """This process's score history (one log, one writer thread per server worker), made on first use from the
    environment."""
    global _shared, _shared_pid
    if _shared is None or _shared_pid != os.getpid():
        with _shared_lock:
            if _shared is None or _shared_pid != os.getpid():
                _shared, _shared_pid = ScoreHistory.from_env(), os.getpid()
    return _shared


def record(scored: ScoreResponse | Iterable[LeadScore], *, source: Source = "webhook",
           leads: Sequence[Any] | None = None, as_of: datetime | None = None) -> int:
    """Record scores given outside ``/score`` (a webhook): see :meth:`ScoreHistory.record`."""
    return shared().record(scored, source=source, leads=leads, as_of=as_of)
