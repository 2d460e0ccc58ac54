"""A worker's life as its gate sees it: the work in flight, and whether it is shutting down.

On SIGTERM a worker *drains* (:func:`install_drain`): it keeps its listening socket and its connections
open, finishes the requests in flight, and answers every new request, also one arriving on a kept-alive
connection, with 503, ``Retry-After`` and ``Connection: close``, so that a client's connection pool learns
the worker is leaving from a response instead of a reset. Once nothing is in flight and no request has come
for ``quiet_seconds`` (at most ``drain_seconds`` after the signal), it hands the signal to the server
(uvicorn), which stops accepting, closes the idle connections and waits for the rest.

A request still in flight at ``drain_seconds`` is waited for, as uvicorn would wait for it anyway (the
supervisor's grace period bounds it), and the drain goes on until ``quiet_seconds`` after it: its response
says ``Connection: close``, and the client's next request, on a new connection, must find a worker that
answers 503. Handed over at once, that request would land in the listening socket's backlog, which the
supervisor (BentoML's circus arbiter) holds open until the worker has exited, and be reset unanswered.

Why not uvicorn's own shutdown: it closes idle kept-alive connections at once, and a client that sends its
next request at that moment gets a reset, with no way to know whether the request was processed.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

logger = logging.getLogger("leadscore.serving")


@dataclass
class Lifecycle:
    """``leads_in_flight``: leads in the requests the worker answers itself (one load bound counts these);
    ``big_bytes_in_flight``: bytes of the big request bodies given to its scoring process (the other bound);
    ``requests_in_flight``: requests being answered on any route behind the gate."""

    draining: bool = False
    leads_in_flight: int = 0
    big_bytes_in_flight: int = 0
    requests_in_flight: int = 0
    last_request: float = field(default_factory=time.monotonic)
    drain_installed: bool = False

    def admit(self, leads: int, limit: int) -> bool:
        """Take ``leads`` into work unless that would pass ``limit``; a request bigger than the limit alone
        is taken when nothing else is in flight (else it could never be answered)."""
        if self.leads_in_flight and self.leads_in_flight + leads > limit:
            return False
        self.leads_in_flight += leads
        return True

    def release(self, leads: int) -> None:
        self.leads_in_flight -= leads

    def admit_big(self, size: int, limit: int) -> bool:
        """Take a big body of ``size`` bytes for the scoring process unless that would pass ``limit`` bytes
        there (one bigger than the limit alone is taken when the process has nothing else)."""
        if self.big_bytes_in_flight and self.big_bytes_in_flight + size > limit:
            return False
        self.big_bytes_in_flight += size
        return True


def install_drain(lifecycle: Lifecycle, drain_seconds: float, quiet_seconds: float = 0.5) -> None:
    """Put the drain described in the module docstring in front of the SIGTERM handler the server installed
    (call on the event loop, in the main thread, after the server installed its handlers). A second SIGTERM
    during the drain changes nothing."""
    if lifecycle.drain_installed or threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return
    lifecycle.drain_installed = True

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        if lifecycle.draining:
            return
        lifecycle.draining = True
        logger.info("SIGTERM: draining (new requests get 503 and Connection: close)")
        loop.call_soon_threadsafe(lambda: loop.create_task(_drain_then(previous, sig, frame)))

    async def _drain_then(handler: Callable[[int, Any], Any], sig: int, frame: FrameType | None) -> None:
        deadline = time.monotonic() + drain_seconds
        while True:
            now = time.monotonic()
            if lifecycle.requests_in_flight == 0 and (now >= deadline or now - lifecycle.last_request >= quiet_seconds):
                break
            if lifecycle.requests_in_flight and now >= deadline:
                deadline = now + quiet_seconds  # a request outlived the drain: its client gets a moment to learn
            await asyncio.sleep(0.05)
        logger.info("drained: %d requests still in flight; stopping the server", lifecycle.requests_in_flight)
        handler(sig, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
