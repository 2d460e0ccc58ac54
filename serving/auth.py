"""Bearer-token auth and body-size limits, as one ASGI middleware around every route.

BentoML's middleware wraps everything, its own probes and ``/metrics`` included, so health probes are
allow-listed here explicitly: an orchestrator must be able to ask "are you alive?" without a secret.
Tokens are compared with :func:`hmac.compare_digest` (constant time), so response timing leaks nothing.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

HEALTH_PATHS = frozenset({"/livez", "/readyz", "/healthz"})
#: Routes a CRM calls (serving/hooks.py): they check the CRM's own signature or org Id instead of the token.
HOOK_PREFIX = "/hooks/"


async def _reply(send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class AuthMiddleware:
    """401 without the right ``Authorization: Bearer <token>``; 413 for a body over ``max_body_bytes``."""

    def __init__(self, app: Callable[..., Awaitable[None]], token: str | None, enabled: bool,
                 max_body_bytes: int) -> None:
        self.app = app
        self.token = (token or "").encode()
        self.enabled = enabled
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        hook = scope["path"].startswith(HOOK_PREFIX)
        if self.enabled and not hook and not self._authorised(headers.get(b"authorization", b"")):
            await _reply(send, 401, {"error": "missing or invalid bearer token",
                                     "detail": [{"loc": ["header", "Authorization"],
                                                 "msg": "expected 'Authorization: Bearer <token>'"}]},
                         [(b"www-authenticate", b'Bearer realm="leadscore"')])
            return
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await _reply(send, 413, {"error": f"request body of {int(length):,} bytes exceeds the limit of "
                                              f"{self.max_body_bytes:,} bytes"})
            return
        await self.app(scope, receive, send)

    def _authorised(self, header: bytes) -> bool:
        scheme, _, token = header.partition(b" ")
        return bool(self.token) and scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.token)
