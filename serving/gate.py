"""The gate every request passes before it reaches BentoML: one ASGI middleware that decides, cheaply and
on the event loop, whether a request is worked on, and answers it at once when not.

In order:

* **Health** (``/livez``, ``/healthz``, ``/readyz``) is answered here, before any other middleware, thread
  or queue, so a probe never waits behind scoring work. ``/readyz`` is 503 while the worker drains.
* **Public** routes (the API document ``/docs.json``, the Swagger page, ``/metrics``) need no token: they
  describe the service, they expose no lead data. ``/docs.json`` is :func:`serving.openapi.contract_document`.
* **Token**: every other route needs ``Authorization: Bearer <token>`` (401), compared in constant time.
* **Shutdown**: while draining (:mod:`serving.lifecycle`), 503 with ``Retry-After`` and ``Connection: close``.
* **Body**: a body must be JSON (415 for another media type) and at most ``max_body_bytes`` (413, also when
  sent in chunks); what else it must be is :mod:`serving.body`'s (400, or 413 for too many leads), checked
  here for a small body.
* **Elsewhere**: a body that ``offload`` takes (a big ``/score`` body: :mod:`serving.offload`) is not parsed
  here at all: the scoring process checks it as above, scores it and the gate sends back its answer, without
  passing through BentoML. Parsing a 1,000-lead body holds the interpreter lock for 10–30 ms, which is what a
  probe waited behind (``benchmarks/DECISIONS.md`` §4).
* **Load**, two bounds per worker, each answered with 503 and ``Retry-After`` at once rather than a place in
  a queue that only grows: the requests it answers itself hold at most ``max_leads_in_flight`` leads; the
  big bodies waiting for or in its scoring process add up to at most ``max_big_bytes_in_flight`` bytes (their
  size is what the worker knows of them without parsing; it follows their leads and activities).
  When the worker is already full a request is refused before its body is read, so a refusal costs next to
  nothing.

Every error leaving the service, whoever produced it, carries the documented body (:mod:`serving.errors`),
and the connection stays usable after it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from serving import errors
from serving.auth import CHALLENGE, authorised
from serving.body import Rejected, checked_lead_count
from serving.config import ServeConfig
from serving.lifecycle import Lifecycle, install_drain

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]
"""Status, JSON body, extra headers."""


class Offload(Protocol):
    """Where a request the worker should not parse is answered (:mod:`serving.offload`)."""

    def takes(self, scope: Scope, size: int) -> bool:
        """Whether a request with a body of ``size`` bytes is answered elsewhere (its body is then never parsed
        by the worker)."""

    async def answer(self, body: bytes) -> Answer:
        """The answer to it, its body checked as :mod:`serving.body` checks."""


LIVENESS_PATHS = frozenset({"/livez", "/healthz"})
PUBLIC_PATHS = frozenset({"/", "/docs.json", "/metrics"})
OWN_PATHS = LIVENESS_PATHS | {"/readyz", "/docs.json"}
"""Routes the gate answers itself."""
PUBLIC_PREFIXES = ("/static_content/",)
#: Routes a CRM calls (:mod:`serving.hooks`): they check the CRM's own signature or org Id instead of the
#: token, and take the CRM's media types (Salesforce sends SOAP XML); the size limit and the drain still apply.
HOOK_PREFIX = "/hooks/"
HOOK_PATHS = (f"{HOOK_PREFIX}hubspot", f"{HOOK_PREFIX}salesforce")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
PARSE_ON_LOOP_BYTES = 65_536
"""Bigger ``/score`` bodies go to the scoring process unparsed."""

logger = logging.getLogger("leadscore.serving")


@dataclass(frozen=True)
class Admitted:
    """A request taken into work: its body (None: not read), the leads it counts for, and whether the scoring
    process answers it."""

    body: bytes | None = None
    leads: int = 0
    elsewhere: bool = False

    @property
    def big_bytes(self) -> int:
        return len(self.body or b"") if self.elsewhere else 0


class Gate:
    """See the module docstring. ``document``: the OpenAPI document served at ``/docs.json``."""

    def __init__(self, app: App, config: ServeConfig, document: Callable[[], dict[str, Any]],
                 lifecycle: Lifecycle | None = None, offload: Offload | None = None) -> None:
        self.app = app
        self.config = config
        self.token = (config.api_token or "").encode()
        self.document = document
        self.offload = offload
        self.lifecycle = lifecycle or Lifecycle()
        self._document_bytes: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            install_drain(self.lifecycle, self.config.drain_seconds)
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path in OWN_PATHS and scope["method"] not in ("GET", "HEAD"):
            await self._reply(send, 405, errors.body(f"{scope['method']} is not allowed on {path}: use GET"),
                              [(b"allow", b"GET, HEAD")])
        elif path in LIVENESS_PATHS:
            await self._reply(send, 200, {"status": "alive"})
        elif path == "/readyz":
            if self.lifecycle.draining:
                await self._reply(send, 503, errors.body("shutting down: not taking new requests"))
            else:
                await self._reply(send, 200, {"status": "ready"})
        elif path == "/docs.json":
            await self._send_document(send)
        elif path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, self._closing_when_draining(send))
        elif path.startswith(HOOK_PREFIX):
            await self._hook(scope, receive, send)
        else:
            await self._guarded(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        lifecycle = self.lifecycle
        lifecycle.last_request = time.monotonic()
        lifecycle.requests_in_flight += 1
        admitted = Admitted()
        try:
            try:
                admitted = await self._admit(scope, receive)
            except Rejected as rejected:
                await self._reply(send, rejected.status, rejected.body, rejected.headers)
                return
            if admitted.elsewhere and self.offload is not None and admitted.body is not None:
                await self._reply_bytes(send, *await self.offload.answer(admitted.body))
                return
            await self._forward(scope, receive, send, admitted.body)
        finally:
            lifecycle.release(admitted.leads)
            lifecycle.big_bytes_in_flight -= admitted.big_bytes
            lifecycle.requests_in_flight -= 1
            lifecycle.last_request = time.monotonic()

    async def _hook(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A CRM's call: no token and any media type, but the drain and the size limit hold."""
        try:
            if self.lifecycle.draining:
                raise Rejected(503, "shutting down: send the request again (to another instance)",
                               headers=[(b"retry-after", str(self.config.retry_after_seconds).encode()),
                                        (b"connection", b"close")])
            headers = dict(scope.get("headers") or [])
            body = await self._read_body(receive, headers.get(b"content-length"))
        except Rejected as rejected:
            await self._reply(send, rejected.status, rejected.body, rejected.headers)
            return
        # a hook answers in its CRM's shape (a SOAP fault, a contact's errors); a path that is none gets the one body
        await self._forward(scope, receive, send, body, normalise=scope.get("path") not in HOOK_PATHS)

    async def _admit(self, scope: Scope, receive: Receive) -> Admitted:
        """The request as taken into work, or :class:`Rejected`."""
        headers = dict(scope.get("headers") or [])
        if self.config.auth and not authorised(headers.get(b"authorization", b""), self.token):
            raise Rejected(401, "missing or invalid bearer token: send 'Authorization: Bearer <token>'",
                           [errors.issue(["header", "Authorization"], "expected 'Bearer <token>'", "unauthorised")],
                           [CHALLENGE])
        retry = [(b"retry-after", str(self.config.retry_after_seconds).encode())]
        if self.lifecycle.draining:
            raise Rejected(503, "shutting down: send the request again (to another instance)",
                           headers=[*retry, (b"connection", b"close")])
        if scope["method"] not in BODY_METHODS:
            return Admitted()
        _check_media_type(headers.get(b"content-type"))
        length = headers.get(b"content-length")
        self._check_length(length)
        if self._full(scope, int(length) if length is not None and length.isdigit() else None):
            raise self._busy(retry)  # full: refused before its body is read (the server discards it unread)
        body = await self._read_body(receive, length)
        if self._elsewhere(scope, len(body)):
            if not self.lifecycle.admit_big(len(body), self.config.max_big_bytes_in_flight):
                raise self._busy(retry)
            return Admitted(body, elsewhere=True)
        leads = max(checked_lead_count(body, self.config.max_leads), 1)
        if not self.lifecycle.admit(leads, self.config.max_leads_in_flight):
            raise self._busy(retry)
        return Admitted(body, leads)

    def _elsewhere(self, scope: Scope, size: int) -> bool:
        return self.offload is not None and self.offload.takes(scope, size)

    def _full(self, scope: Scope, size: int | None) -> bool:
        """Whether the bound a request of ``size`` bytes counts against is reached (both, when the size is not
        declared: it may fit the other)."""
        in_process = self.lifecycle.big_bytes_in_flight
        leads = self.lifecycle.leads_in_flight >= self.config.max_leads_in_flight
        if size is None:
            return leads and in_process >= self.config.max_big_bytes_in_flight
        if self._elsewhere(scope, size):
            return bool(in_process) and in_process + size > self.config.max_big_bytes_in_flight
        return leads

    def _busy(self, retry: list[tuple[bytes, bytes]]) -> Rejected:
        return Rejected(503, f"busy: {self.lifecycle.leads_in_flight} leads and {self.lifecycle.big_bytes_in_flight:,} "
                             f"bytes of big requests in work; send the request again after "
                             f"{self.config.retry_after_seconds} s",
                        headers=retry)

    def _too_big(self) -> Rejected:
        limit = self.config.max_body_bytes
        return Rejected(413, f"request body over the limit of {limit:,} bytes: send fewer leads per request",
                        [errors.issue(["body"], f"at most {limit} bytes", "too_large")])

    def _check_length(self, length: bytes | None) -> None:
        """413 at once for a declared ``Content-Length`` over the limit."""
        if length is not None and length.isdigit() and int(length) > self.config.max_body_bytes:
            raise self._too_big()

    async def _read_body(self, receive: Receive, length: bytes | None) -> bytes:
        limit = self.config.max_body_bytes
        self._check_length(length)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Rejected(400, "client disconnected")  # nobody reads it; the server drops it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise self._too_big()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, body: bytes | None,
                       normalise: bool = True) -> None:
        """Run the request in the service with its body replayed; normalise its error bodies (not a hook's:
        a CRM expects its own error shape, e.g. a SOAP fault)."""
        replayed = body is None

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        started = False
        held: Message | None = None
        parts: list[bytes] = []

        async def guarded_send(message: Message) -> None:
            nonlocal started, held
            if message["type"] == "http.response.start":
                started = True
                if message["status"] >= 400 and normalise:
                    held = message
                    return
                await send(self._with_close(message))
            elif message["type"] == "http.response.body" and held is not None:
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    status, raw = held["status"], b"".join(parts)
                    kept = [(k, v) for k, v in held.get("headers", [])
                            if k.lower() not in (b"content-type", b"content-length")]
                    await self._reply(send, status, errors.normalise(status, raw), kept)
            else:
                await send(message)

        try:
            await self.app(scope, replay, guarded_send)
        except Exception:
            if started:
                raise
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            await self._reply(send, 500, errors.body("internal error: the server log has the details"))

    async def _send_document(self, send: Send) -> None:
        if self._document_bytes is None:
            self._document_bytes = json.dumps(self.document()).encode()
        await self._reply_bytes(send, 200, self._document_bytes)

    async def _reply(self, send: Send, status: int, body: dict[str, Any],
                     extra: list[tuple[bytes, bytes]] | None = None) -> None:
        await self._reply_bytes(send, status, json.dumps(body).encode(), extra)

    async def _reply_bytes(self, send: Send, status: int, payload: bytes,
                           extra: list[tuple[bytes, bytes]] | None = None) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                   *(extra or [])]
        await send(self._with_close({"type": "http.response.start", "status": status, "headers": headers}))
        await send({"type": "http.response.body", "body": payload})

    def _with_close(self, start: Message) -> Message:
        """A response started while draining tells the client to close the connection."""
        if not self.lifecycle.draining:
            return start
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"connection"]
        return {**start, "headers": [*headers, (b"connection", b"close")]}

    def _closing_when_draining(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            await send(self._with_close(message) if message["type"] == "http.response.start" else message)
        return wrapped


def _check_media_type(content_type: bytes | None) -> None:
    if content_type is None:
        return  # read as JSON, as BentoML does
    media = content_type.split(b";", 1)[0].strip().lower()
    if media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json")):
        return
    shown = media.decode("latin-1")[:100]
    raise Rejected(415, f"unsupported media type '{shown}': send JSON with 'Content-Type: application/json'",
                   [errors.issue(["header", "Content-Type"], "expected application/json", "unsupported_media_type")])
