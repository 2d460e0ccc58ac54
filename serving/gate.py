"""The gate every request passes before it reaches BentoML: one ASGI middleware that decides, cheaply and
on the event loop, whether a request is worked on, and answers it at once when not.

In order:

* **Health** (``/livez``, ``/healthz``, ``/readyz``) is answered here, before any other middleware, thread
  or queue, so a probe never waits behind scoring work. ``/readyz`` is 503 while the worker drains.
* **Public** routes (the API document ``/docs.json``, the Swagger page, ``/metrics``) need no token: they
  describe the service, they expose no lead data. ``/docs.json`` is :func:`serving.openapi.contract_document`.
* **Token**: every other route needs ``Authorization: Bearer <token>`` (401), compared in constant time.
* **Shutdown**: while draining (:mod:`serving.lifecycle`), 503 with ``Retry-After`` and ``Connection: close``.
* **Body**: a body must be JSON (415 for another media type), at most ``max_body_bytes`` (413, also when
  sent in chunks), UTF-8, well-formed, without ``NaN``/``Infinity`` and not nested absurdly deep (400), with
  at most ``max_leads`` leads (413). The JSON is only checked here; what its values mean is the rulebook's.
* **Load**: a worker works on at most ``max_leads_in_flight`` leads; a request beyond that gets 503 with
  ``Retry-After`` at once rather than a place in a queue that only grows. When the worker is already full the
  request is refused before its body is read, so a refusal costs the worker next to nothing.
* **Elsewhere**: an admitted request that ``offload`` takes (a big ``/score`` body: :mod:`serving.offload`)
  is answered with what it returns, without passing through BentoML.

Every error leaving the service, whoever produced it, carries the documented body (:mod:`serving.errors`),
and the connection stays usable after it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from serving import errors
from serving.auth import CHALLENGE, authorised
from serving.config import ServeConfig
from serving.lifecycle import Lifecycle, install_drain

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
#: Answers an admitted request elsewhere (status, body, headers), or None to let the service answer it.
Offload = Callable[[Scope, bytes], Awaitable[tuple[int, bytes, list[tuple[bytes, bytes]]] | None]]

LIVENESS_PATHS = frozenset({"/livez", "/healthz"})
PUBLIC_PATHS = frozenset({"/", "/docs.json", "/metrics"})
OWN_PATHS = LIVENESS_PATHS | {"/readyz", "/docs.json"}
"""Routes the gate answers itself."""
PUBLIC_PREFIXES = ("/static_content/",)
#: Routes a CRM calls (:mod:`serving.hooks`): they check the CRM's own signature or org Id instead of the
#: token, and take the CRM's media types (Salesforce sends SOAP XML); the size limit and the drain still apply.
HOOK_PREFIX = "/hooks/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_DEPTH = 64
"""Deepest JSON nesting read (a lead with its activities is 4 levels deep)."""
PARSE_ON_LOOP_BYTES = 65_536
"""Bigger bodies are checked in a worker thread."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")

logger = logging.getLogger("leadscore.serving")


class Rejected(Exception):
    """A request answered by the gate: status, error body, extra headers."""

    def __init__(self, status: int, error: str, detail: list[dict[str, Any]] | None = None,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(error)
        self.status, self.body, self.headers = status, errors.body(error, detail), headers or []


class Gate:
    """See the module docstring. ``document``: the OpenAPI document served at ``/docs.json``."""

    def __init__(self, app: App, config: ServeConfig, document: Callable[[], dict[str, Any]],
                 lifecycle: Lifecycle | None = None, offload: Offload | None = None) -> None:
        self.app = app
        self.config = config
        self.token = (config.api_token or "").encode()
        self.document = document
        self.offload = offload
        self._parse_lock: anyio.Lock | None = None
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
        leads = 0
        try:
            try:
                body, leads = await self._admit(scope, receive)
            except Rejected as rejected:
                await self._reply(send, rejected.status, rejected.body, rejected.headers)
                return
            answer = await self.offload(scope, body) if self.offload and body is not None else None
            if answer is not None:
                await self._reply_bytes(send, *answer)
                return
            await self._forward(scope, receive, send, body)
        finally:
            lifecycle.release(leads)
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
        await self._forward(scope, receive, send, body, normalise=False)

    async def _admit(self, scope: Scope, receive: Receive) -> tuple[bytes | None, int]:
        """The request's body (None: not read) and the leads it takes into work, or :class:`Rejected`."""
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
            return None, 0
        _check_media_type(headers.get(b"content-type"))
        length = headers.get(b"content-length")
        self._check_length(length)
        if self.lifecycle.leads_in_flight >= self.config.max_leads_in_flight:
            raise self._busy(retry)  # full: refused before its body is read (the server discards it unread)
        body = await self._read_body(receive, length)
        if len(body) > PARSE_ON_LOOP_BYTES:  # a 1,000-lead body takes tens of ms: not on the loop the probes use
            async with self._one_parse():  # one at a time: more threads would keep the lock from the loop longer
                if self.lifecycle.leads_in_flight >= self.config.max_leads_in_flight:
                    raise self._busy(retry)  # it filled up while this request waited: no need to read it
                count = _lead_count(await anyio.to_thread.run_sync(_parse, body))
        else:
            count = _lead_count(_parse(body)) if body.strip() else 0
        if count > self.config.max_leads:
            raise Rejected(413, f"{count} leads in one request; the limit is {self.config.max_leads}: "
                                "send them in several requests",
                           [errors.issue(["body", "leads"], f"at most {self.config.max_leads} items", "too_long")])
        leads = max(count, 1)
        if not self.lifecycle.admit(leads, self.config.max_leads_in_flight):
            raise self._busy(retry)
        return body, leads

    def _one_parse(self) -> anyio.Lock:
        """The lock a big body's JSON check takes (made on the event loop, on first use)."""
        if self._parse_lock is None:
            self._parse_lock = anyio.Lock()
        return self._parse_lock

    def _busy(self, retry: list[tuple[bytes, bytes]]) -> Rejected:
        return Rejected(503, f"busy: {self.lifecycle.leads_in_flight} leads in work; send the request again "
                             f"after {self.config.retry_after_seconds} s", headers=retry)

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


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON: send null for a missing number")


def _parse(body: bytes) -> object:
    """The body as JSON, or :class:`Rejected` (400) saying where it stops being JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, "the body is not UTF-8 text: send JSON encoded as UTF-8",
                       [errors.issue(["body"], f"invalid UTF-8 at byte {exc.start}", "unicode_decode_error")]) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Rejected(400, f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                       [errors.issue(["body"], f"{exc.msg} (character {exc.pos})", "json_invalid")]) from None
    except ValueError as exc:
        raise Rejected(400, f"the body is not JSON: {exc}",
                       [errors.issue(["body"], str(exc), "json_invalid")]) from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        if data is None and body.strip() == b"null":
            return None
        raise Rejected(400, f"the body is nested more than {MAX_DEPTH} levels deep",
                       [errors.issue(["body"], f"at most {MAX_DEPTH} levels of nesting", "json_too_deep")])
    if _SURROGATE_ESCAPE.search(body) and not _encodable(data):
        raise Rejected(400, "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff): it is not text",
                       [errors.issue(["body"], "lone surrogate escape", "unicode_surrogate")])
    return data


def _encodable(value: object) -> bool:
    """Whether every text in a JSON value is Unicode text (a lone surrogate escape is not)."""
    stack = [value]
    while stack:
        item = stack.pop()
        texts: list[object] = []
        if isinstance(item, dict):
            texts = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            texts = [item]
        for text in texts:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return False
    return True


def _depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep ``value`` nests (stops counting past ``limit``)."""
    depth, level = 0, [value]
    while level and depth <= limit:
        depth += 1
        nxt: list[object] = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(v for v in item.values() if isinstance(v, dict | list))
            elif isinstance(item, list):
                nxt.extend(v for v in item if isinstance(v, dict | list))
        level = nxt
    return depth


def _lead_count(data: object) -> int:
    leads = data.get("leads") if isinstance(data, dict) else None
    return len(leads) if isinstance(leads, list) else 0

