"""A big ``/score`` request worked on in a process of its own, so that the worker that took it keeps its
interpreter lock for the event loop: health probes and small requests are answered while it works.

A thread cannot give this. The event loop and a thread scoring 1,000 leads share one interpreter lock: the loop
gets it back only at the thread's switch interval, and not at all during a long C call, a JSON validation or a
garbage collection, so under overload a ``/livez`` probe waited 200–380 ms at the 99th percentile
(``benchmarks/DECISIONS.md`` §4). Here a ``/score`` body over :data:`serving.gate.PARSE_ON_LOOP_BYTES` is
validated against the API's own input model, scored, recorded in the score log and written as JSON by one
scoring process per worker; the worker only passes it the body and the model's file, and sends back the bytes.

* The worker does not even parse the body: the checks the gate makes of a small body (:mod:`serving.body`)
  are made here, with the same 400 and 413 answers.
* The process is *spawned* (it shares nothing with the worker but its arguments) by the worker's first big
  request, which waits for its start (about 4 s of CPU); a worker that never gets one never pays for it (nor
  does every start and stop of a server in the tests).
* It loads a model only from a file whose SHA-256 matches the one recorded when the worker verified it, and
  keeps the last one loaded: when the worker switches versions (:mod:`serving.watch`) the next request names
  the new file.
* It runs at a lower CPU priority (:data:`NICENESS`): probes and small requests on the worker's loop come first.
* It ignores SIGTERM and SIGINT: the worker drains (:mod:`serving.lifecycle`), waits for the requests in flight,
  then stops the process, which flushes its score log on the way out.
* If the worker dies without stopping it, it exits within a second.
* If it dies (out of memory, killed), the request gets 503 with ``Retry-After`` and the next one starts a new
  process.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from serving import errors, heap
from serving.gate import Answer

logger = logging.getLogger("leadscore.serving")


@dataclass(frozen=True)
class ModelFile:
    """The served model as the scoring process loads it: its verified file and what the worker calls it."""

    path: Path
    sha256: str
    version: str


class ScoringProcess:
    """A worker's scoring process (see the module docstring)."""

    def __init__(self, retry_after_seconds: int = 1) -> None:
        self.retry_after = str(retry_after_seconds).encode()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    async def score(self, body: bytes, model: ModelFile, max_leads: int) -> Answer:
        """Answer a ``/score`` request whose body is ``body`` with ``model``."""
        pool = self._executor()
        try:
            status, payload = await asyncio.get_running_loop().run_in_executor(pool, score_body, body, model,
                                                                               max_leads)
        except BrokenProcessPool:
            logger.error("the scoring process stopped; the next big request starts a new one")
            self._forget(pool)
            payload = json.dumps(errors.body("the scoring process stopped: send the request again")).encode()
            return 503, payload, [(b"retry-after", self.retry_after)]
        except Exception:  # e.g. the model file changed on disk since the worker verified it
            logger.exception("the scoring process could not answer a /score request")
            return 500, json.dumps(errors.body("internal error: the server log has the details")).encode(), []
        return status, payload, []

    def stop(self) -> None:
        """Stop the process once the work it has is done."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _forget(self, broken: ProcessPoolExecutor) -> None:
        """Let the next request start a new process, unless one already did."""
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"),
                                                 initializer=_start)
            return self._pool


# ---- in the scoring process ----------------------------------------------------------------------------------
_loaded: dict[str, Any] = {}
NICENESS = 10
"""The scoring process yields the cores to its worker, whose event loop answers probes and small requests."""


def _start() -> None:
    """The scoring process's set-up: the worker decides when it stops, and the score log is flushed then."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)
    from serving import history

    atexit.register(history.shared().close)
    threading.Thread(target=_exit_with_worker, args=(os.getppid(),), name="exit-with-worker", daemon=True).start()


def _exit_with_worker(worker: int) -> None:
    """Exit once the worker is gone without stopping this process (killed, out of memory): nothing else would
    ever stop it, and it ignores SIGTERM."""
    while os.getppid() == worker:
        time.sleep(1.0)
    os._exit(0)


def score_body(body: bytes, model: ModelFile, max_leads: int) -> tuple[int, bytes]:
    """A ``/score`` body answered as the gate and the service answer it: 200 and the response; 400 with
    field-level detail for a body that is not JSON as :mod:`serving.body` wants it, does not match the API's
    input model or names a field the model does not know; 413 for more than ``max_leads`` leads."""
    from scoring.options import ScoringOptions
    from serving import history
    from serving.body import Rejected, checked_lead_count
    from serving.fields import check_fields
    from serving.scoring import score_request
    from serving.service import LeadScoring

    try:
        checked_lead_count(body, max_leads)
    except Rejected as rejected:
        return rejected.status, json.dumps(rejected.body).encode()
    bundle = _bundle(model)
    try:
        request = LeadScoring.apis["score"].input_spec.model_validate_json(body)
        check_fields(request.leads, bundle, model.version)
    except ValidationError as exc:
        detail = errors.pydantic_detail(list(exc.errors(include_url=False, include_input=False)))
        return 400, json.dumps(errors.body(errors.SCHEMA_MISMATCH, detail)).encode()
    options = ScoringOptions(request.as_of, request.lang, request.top_k, request.suggest)
    response = score_request(bundle, request.leads, options, model.version)
    history.shared().record(response, leads=request.leads)
    return 200, response.model_dump_json().encode()


def _bundle(model: ModelFile) -> Any:
    """The bundle in ``model.path``, verified against its recorded SHA-256 before it is unpickled."""
    from scoring.artifacts import load_bundle

    if _loaded.get("sha256") != model.sha256:
        first = not _loaded
        _loaded.clear()
        _loaded.update(sha256=model.sha256, bundle=load_bundle(model.path, model.sha256))
        heap.settle() if first else heap.resettle()  # as in the worker: the model is never walked by the collector
    return _loaded["bundle"]
