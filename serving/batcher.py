"""Small requests that arrive together are scored together.

A CRM scores leads one at a time as they change, often several at once. Most of a one-lead request's cost is
per call rather than per lead (building the feature arrays, one TreeSHAP call, choosing reasons; figures in
``benchmarks/DECISIONS.md``). So the service hands its small requests to
a :class:`RequestBatcher` on the event loop. A request that finds nobody waiting is scored once the event loop
has run :data:`TURNS` more turns; requests that reach the batcher meanwhile (read with it, a few steps of the
framework behind it) are scored with it, in one :func:`serving.scoring.score_requests` call. Nothing waits for
a batch to fill: a lone request waits only for those turns (microseconds when nothing else is ready), and
every request gets exactly the response it would get alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from typing import Any

TURNS = 3
"""Turns of the event loop a request waits for others: requests read together reach the batcher a few turns apart
(each ``await`` inside the framework is one); with 3, 8 clients' calls held 7–8 requests, not 1–3 (DECISIONS K31)."""

Score = Callable[[Hashable, Sequence[Sequence[Any]]], list[Any]]
"""``score(key, requests)``: the responses to requests sharing ``key`` (their as_of, lang, top_k), in order."""


class RequestBatcher:
    """Collects the requests submitted during :data:`TURNS` turns of the event loop and scores those with equal
    keys in one call of at most ``max_leads`` leads. If a call fails, its requests are scored one by one, so that
    an error reaches only the request it belongs to. Runs on the event loop only (no locks)."""

    def __init__(self, score: Score, max_leads: int) -> None:
        self.score = score
        self.max_leads = max_leads
        self._pending: list[tuple[Hashable, Sequence[Any], asyncio.Future[Any]]] = []

    async def submit(self, key: Hashable, leads: Sequence[Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush_after, loop, TURNS - 1)
        self._pending.append((key, leads, future))
        return await future

    def _flush_after(self, loop: asyncio.AbstractEventLoop, turns: int) -> None:
        if turns > 0:
            loop.call_soon(self._flush_after, loop, turns - 1)
        else:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        try:
            groups: dict[Hashable, list[list[tuple[Sequence[Any], asyncio.Future[Any]]]]] = {}
            sizes: dict[Hashable, int] = {}  # leads in each key's last chunk
            for key, leads, future in pending:
                if future.done():  # cancelled while waiting (the client went away)
                    continue
                chunks = groups.setdefault(key, [[]])
                if chunks[-1] and sizes[key] + len(leads) > self.max_leads:
                    chunks.append([])
                    sizes[key] = 0
                chunks[-1].append((leads, future))
                sizes[key] = sizes.get(key, 0) + len(leads)
            for key, chunks in groups.items():
                for chunk in chunks:
                    self._score(key, chunk)
        except Exception as exc:  # a bug here must not leave requests waiting until their timeout
            for _, _, future in pending:
                if not future.done():
                    future.set_exception(exc)

    def _score(self, key: Hashable, chunk: list[tuple[Sequence[Any], asyncio.Future[Any]]]) -> None:
        try:
            responses = self.score(key, [leads for leads, _ in chunk])
        except Exception as exc:
            if len(chunk) > 1:
                for one in chunk:
                    self._score(key, [one])
            elif not chunk[0][1].done():
                chunk[0][1].set_exception(exc)
            return
        for (_, future), response in zip(chunk, responses, strict=True):
            if not future.done():
                future.set_result(response)
