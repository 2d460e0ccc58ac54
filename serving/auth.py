"""Bearer-token authentication of the data routes (applied by :mod:`serving.gate`, which also lists the
routes that need no token: health, ``/metrics`` and the API document).

Tokens are compared with :func:`hmac.compare_digest` (constant time), so response timing leaks nothing.
"""

from __future__ import annotations

import hmac

CHALLENGE = (b"www-authenticate", b'Bearer realm="leadscore"')


def authorised(header: bytes, token: bytes) -> bool:
    """Whether an ``Authorization`` header value carries ``token`` as a bearer token (never for an empty
    token: a server without one refuses every data request)."""
    scheme, _, given = header.partition(b" ")
    return bool(token) and scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), token)
