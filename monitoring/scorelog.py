"""The score log: every score given (API, webhook, batch) recorded in a database, never the e-mail address.

A request only puts its scores into a bounded in-memory queue (:meth:`ScoreLog.record`, about a
microsecond per score); a background thread writes them in batches, one transaction per batch. When the
database is slow or away, the writer retries with growing pauses while the queue fills; once the queue
is full, new scores are dropped and counted (``dropped``), never waited for. A batch run writes its
score frame itself, in large chunks (:meth:`ScoreLog.record_frame`). Tables are created on first use.

Where: ``LEADSCORE_SCORE_DB`` (any SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``), else
``scores.db`` in the project folder. How several server processes share one SQLite file:
:mod:`monitoring.store`.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import MetaData, select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from monitoring.config import ScoreLogConfig, default_score_db_url
from monitoring.records import ScoreRecord, Source, Trend, frame_columns, now_utc, stored_row
from monitoring.store import SOURCES, bulk_insert, create_schema, make_engine, score_table

log = logging.getLogger(__name__)


class ScoreLog:
    """The score log of one process. Create one per server process (it starts its writer thread on the
    first :meth:`record`, again in a forked child) and :meth:`close` it on shutdown to flush."""

    def __init__(self, url: str | None = None, config: ScoreLogConfig | None = None) -> None:
        self.config = config or ScoreLogConfig()
        self.url = url or default_score_db_url()
        self.engine = make_engine(self.url, self.config)
        self.table = score_table(MetaData(schema=self.config.schema), self.config.table)
        self.written = 0
        self.dropped = 0
        self._accepted = 0
        self._abandoned = 0
        self.rejected = 0
        self.failures = 0
        self.last_error: str | None = None
        self._schema_ready = False
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._closed = False
        self._deadline = float("inf")
        self._queue: queue.Queue[ScoreRecord] = queue.Queue(maxsize=self.config.queue_size)
        self._thread: threading.Thread | None = None
        self._pid = -1
        atexit.register(_close_at_exit, weakref.ref(self))

    # ---- writing from requests ----------------------------------------------------------------------------
    @property
    def queued(self) -> int:
        """Scores accepted and not yet written (waiting in the queue or being written)."""
        with self._lock:
            return self._accepted - self.written - self.rejected - self._abandoned

    def record(self, records: Iterable[ScoreRecord]) -> int:
        """Queue scores for writing and return at once; returns how many were accepted. Never raises and
        never waits: a score that finds the queue full (or the log closed) is dropped and counted."""
        if self._pid != os.getpid() or self._thread is None:
            self._start()
        put = self._queue.put_nowait
        accepted = lost = 0
        closed = self._closed
        for record in records:
            if closed:
                lost += 1
                continue
            try:
                put(record)
                accepted += 1
            except queue.Full:
                lost += 1
        with self._lock:
            self._accepted += accepted
            self.dropped += lost
        return accepted

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None:
                return
            if self._pid not in (-1, os.getpid()):  # a forked child: the parent's queue and thread are not ours
                self._queue = queue.Queue(maxsize=self.config.queue_size)
                self.engine.dispose(close=False)
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="score-log-writer", daemon=True)
            self._thread.start()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every accepted score is written (or dropped); False when ``timeout`` ran out first."""
        end = time.monotonic() + timeout
        while self.queued and time.monotonic() < end:
            time.sleep(0.005)
        return not self.queued

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued (retrying a failing database until ``timeout``), then stop the writer.
        Scores still unwritten at the end are counted as dropped."""
        if self._closed:
            return
        self._closed = True
        self._deadline = time.monotonic() + (self.config.close_timeout_s if timeout is None else timeout)
        self._closing.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(max(0.0, self._deadline - time.monotonic()) + 1.0)
            if self._thread.is_alive():  # stuck in a database call: it may still write what it holds
                log.warning("score log writer still busy at close; %d scores unwritten", self.queued)
                return
        self._abandon(self.queued)
        self.engine.dispose()

    def _abandon(self, count: int) -> None:
        if count:
            with self._lock:
                self._abandoned += count
                self.dropped += count
            log.warning("score log gave up on %d unwritten scores (%s)", count, self.last_error)

    def counters(self) -> dict[str, int]:
        """``written``, ``queued``, ``dropped`` (queue full, log closed, or given up at close),
        ``rejected`` (rows the database or the checks refused) and ``failures`` (failed write attempts)."""
        return {"written": self.written, "queued": self.queued, "dropped": self.dropped,
                "rejected": self.rejected, "failures": self.failures}

    # ---- the writer thread ----------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                batch = self._collect()
                if batch is None:
                    return
                self._write_batch(batch)
            except Exception as exc:  # a bug must not end the thread: count, log and go on
                self._fail(exc)

    def _collect(self) -> list[ScoreRecord] | None:
        """The next batch: the first waiting row, then whatever arrives within ``linger_s`` (None: stop)."""
        get = self._queue.get
        while True:
            try:
                batch = [get(timeout=0.1)]
                break
            except queue.Empty:
                if self._closing.is_set():
                    return None
        end = time.monotonic() + (0 if self._closing.is_set() else self.config.linger_s)
        while len(batch) < self.config.batch_size:
            try:
                wait = end - time.monotonic()
                batch.append(get(timeout=wait) if wait > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write_batch(self, batch: list[ScoreRecord]) -> None:
        rows = []
        for record in batch:
            try:
                rows.append(stored_row(record))
            except Exception as exc:  # this row's problem, not the database's: refuse it, keep the others
                self._reject(1, exc)
        delay = self.config.retry_initial_s
        while rows:
            if time.monotonic() > self._deadline:  # closing and out of time
                self._abandon(len(rows))
                return
            try:
                self._insert(rows)
                with self._lock:
                    self.written += len(rows)
                return
            except (IntegrityError, DataError):  # a row the database refuses: find it, write the others
                rows = self._isolate(rows)
            except Exception as exc:
                self._fail(exc)
            if rows:
                time.sleep(max(0.0, min(delay, self._deadline - time.monotonic())))
                delay = min(delay * 2, self.config.retry_max_s)

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if not self._schema_ready:
            create_schema(self.engine, self.table)
            self._schema_ready = True
        try:
            with self.engine.begin() as connection:
                connection.execute(self.table.insert(), rows)
        except SQLAlchemyError:
            self._schema_ready = False  # the table may have gone with the database: check again next time
            raise

    def _isolate(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write rows one by one, refusing those the database refuses; returns the rows left unwritten
        when the database fails for another reason (to be retried)."""
        for i, row in enumerate(rows):
            try:
                self._insert([row])
                with self._lock:
                    self.written += 1
            except (IntegrityError, DataError) as exc:
                self._reject(1, exc)
            except Exception as exc:
                self._fail(exc)
                return rows[i:]
        return []

    def _reject(self, count: int, exc: BaseException) -> None:
        with self._lock:
            self.rejected += count
        self.last_error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("score log refused a row: %s", self.last_error)

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            self.failures += 1
        first = self.failures == 1 or self.failures % 100 == 0
        self.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if first:
            log.warning("score log write failed (%d so far), retrying: %s", self.failures, self.last_error)

    # ---- writing from a batch run ---------------------------------------------------------------------------
    def record_frame(self, frame: pd.DataFrame, *, model_version: str | None = None, as_of: datetime | None = None,
                     source: Source = "batch", scored_at: datetime | None = None) -> int:
        """Write a batch run's scores synchronously, ``frame_chunk`` rows per transaction; returns the rows
        written. Columns: ``lead_id``, ``probability``, ``score``, ``tier``, optionally ``grade``,
        ``reasons`` or ``reasons_json`` (JSON text), ``input_fingerprint``, ``as_of``, ``model_version``
        (the keyword arguments fill the last two for every row). Rows without a probability (the batch's
        error rows) are not scores and are skipped; no other column is ever stored."""
        if source not in SOURCES:
            raise ValueError(f"source {source!r} is not one of {SOURCES}")
        missing = [c for c in ("lead_id", "probability", "score", "tier") if c not in frame.columns]
        if model_version is None and "model_version" not in frame.columns:
            missing.append("model_version")
        if as_of is None and "as_of" not in frame.columns:
            missing.append("as_of")
        if missing:
            raise ValueError(f"the score frame lacks {', '.join(missing)}")
        self.ensure_schema()
        scored = frame[frame["probability"].notna()]
        moment = scored_at or now_utc()
        total = 0
        for start in range(0, len(scored), self.config.frame_chunk):
            chunk = scored.iloc[start:start + self.config.frame_chunk]
            with self.engine.begin() as connection:
                bulk_insert(connection, self.table, frame_columns(chunk, model_version, as_of, source, moment))
            total += len(chunk)
        return total

    # ---- reading --------------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the log's table and indexes unless they exist (every read and the first write do)."""
        if not self._schema_ready:
            create_schema(self.engine, self.table)
            self._schema_ready = True

    def history(self, lead_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """A lead's scores, newest first (``reasons`` parsed back from JSON)."""
        self.ensure_schema()
        t = self.table
        query = select(t).where(t.c.lead_id == lead_id).order_by(t.c.scored_at.desc(), t.c.id.desc()).limit(limit)
        with self.engine.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(query)]
        for row in rows:
            row["reasons"] = json.loads(row["reasons"]) if row["reasons"] else []
        return rows

    def recent(self, since: datetime, until: datetime | None = None) -> pd.DataFrame:
        """Every score given in ``[since, until)`` (until: now) as a frame in time order, for monitoring."""
        self.ensure_schema()
        t = self.table
        query = select(t).where(t.c.scored_at >= since)
        if until is not None:
            query = query.where(t.c.scored_at < until)
        with self.engine.connect() as connection:
            result = connection.execute(query.order_by(t.c.scored_at, t.c.id))
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        for column in ("scored_at", "as_of"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    def trend(self, lead_id: str, days: int | None = None) -> Trend | None:
        """The lead's latest score against its newest score at least ``days`` (default: ``trend_days``)
        earlier; None when the lead has no score that old. Time is when the scores were given."""
        self.ensure_schema()
        days = self.config.trend_days if days is None else days
        t = self.table
        columns = (t.c.score, t.c.scored_at, t.c.model_version)
        newest = select(*columns).where(t.c.lead_id == lead_id).order_by(t.c.scored_at.desc(), t.c.id.desc())
        with self.engine.connect() as connection:
            latest = connection.execute(newest.limit(1)).first()
            if latest is None:
                return None
            before = connection.execute(newest.where(t.c.scored_at <= latest.scored_at - timedelta(days=days))
                                        .limit(1)).first()
        if before is None:
            return None
        return Trend(score=latest.score, scored_at=latest.scored_at, previous_score=before.score,
                     previous_at=before.scored_at, days=days,
                     model_changed=latest.model_version != before.model_version)


def _close_at_exit(ref: weakref.ref[ScoreLog]) -> None:
    score_log = ref()
    if score_log is not None and score_log._pid == os.getpid():
        score_log.close(timeout=min(2.0, score_log.config.close_timeout_s))
