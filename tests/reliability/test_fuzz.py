"""Malformed bodies, media types and encodings never break a response or a connection.

Every body below goes to every route over ONE kept-alive connection; each must get a documented 4xx with the
documented error body, and the connection must stay open (the next request goes over the same socket),
then a good request on it must be scored.
"""

from __future__ import annotations

import http.client
import json
import pickle
import random
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

ROUTES = {"/score": {"400", "413", "415"}, "/card": {"400", "413", "415", "422"}}
CONTENT_TYPES = [None, "application/json", "application/json; charset=utf-8", "text/plain", "application/xml",
                 "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/octet-stream",
                 "application/vnd.bentoml+pickle", "image/png", "application/problem+json"]
GOOD_LEAD = {"lead_id": "fuzz-1", "created_at": "2026-01-05T10:00:00Z"}


def _json_bodies(rng: random.Random) -> Iterator[bytes]:
    """Syntactically valid JSON that does not match the schema, or stretches it."""
    odd_values = [None, True, 0, -1, 1e308, -1e308, 2**70, "", "x" * 100_000, [], {}, [[[]]], "\ud800",
                  "2026-02-30T25:61:00Z", "31.12.2025", "1e99", "NaN", "-0", {"$ref": "#"}, "\u0000", "🙂" * 1000]
    for value in odd_values:
        yield json.dumps({"leads": value}).encode()
        yield json.dumps({"leads": [value]}).encode()
        for field in ("lead_id", "created_at", "employee_count", "annual_revenue", "activities", "job_title"):
            yield json.dumps({"leads": [{**GOOD_LEAD, field: value}]}).encode()
        activity = {"occurred_at": value, "activity_type": value}
        yield json.dumps({"leads": [{**GOOD_LEAD, "activities": [activity]}]}).encode()
        for key in ("as_of", "lang", "top_k", "suggest"):
            yield json.dumps({"leads": [GOOD_LEAD], key: value}).encode()
        yield json.dumps(value).encode()
    for depth in (65, 1_000, 100_000):
        yield b'{"leads": ' + b"[" * depth + b"]" * depth + b"}"
        yield b'{"a":' * depth + b"1" + b"}" * depth
    yield json.dumps({"leads": [GOOD_LEAD] * 201}).encode()  # more leads than the server's limit (200)
    yield b'{"leads": [' + b'"' + b"y" * 2_100_000 + b'"]}'  # more bytes than its limit (2 MB)
    for _ in range(40):
        yield json.dumps({"leads": [{rng.choice(["lead_id", "created_at", "x"]): rng.random()}
                                    for _ in range(rng.randint(0, 5))],
                          rng.choice(["as_of", "lang", "top_k", "other"]): rng.choice(odd_values[:12])}).encode()


def _broken_bodies(rng: random.Random) -> Iterator[bytes]:
    """Bodies that are not JSON at all, or not UTF-8."""
    yield b""
    yield b"{not json"
    yield b'{"leads": [NaN]}'
    yield b'{"leads": [{"employee_count": Infinity}]}'
    yield b'{"leads": [{"annual_revenue": -Infinity}]}'
    yield b'{"leads": [], "leads": 5}'
    yield b"\xef\xbb\xbf" + json.dumps({"leads": []}).encode()  # a byte-order mark
    yield json.dumps({"leads": [GOOD_LEAD]}).encode("utf-16")
    yield '{"leads": [{"lead_id": "Müller"}]}'.encode("latin-1")
    yield pickle.dumps({"leads": [GOOD_LEAD]})
    yield b"<leads><lead/></leads>"
    yield b"leads=1&as_of=now"
    yield b"--x\r\nContent-Disposition: form-data; name=\"leads\"\r\n\r\n[]\r\n--x--\r\n"
    for size in (1, 7, 64, 1000, 65_537):
        for _ in range(6):
            yield rng.randbytes(size)
    for _ in range(20):
        good = bytearray(json.dumps({"leads": [GOOD_LEAD]}).encode())
        good[rng.randrange(len(good))] = rng.randrange(256)
        yield bytes(good)


def malformed_requests(seed: int = 21) -> list[tuple[str | None, bytes]]:
    rng = random.Random(seed)
    bodies = [*_json_bodies(rng), *_broken_bodies(rng)]
    return [(content_type, body) for body in bodies
            for content_type in ([None, "application/json"] if len(body) > 100_000 else
                                 rng.sample(CONTENT_TYPES, 3))]


@pytest.fixture(scope="module")
def connection(server: str) -> Iterator[http.client.HTTPConnection]:
    url = urlsplit(server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.connect()
    yield conn
    conn.close()


def _send(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def test_a_thousand_malformed_requests_get_documented_4xx_on_one_kept_alive_connection(
    connection: http.client.HTTPConnection, auth: dict
) -> None:
    requests = malformed_requests()
    assert len(requests) * len(ROUTES) >= 1000
    socket_before = connection.sock
    outcomes: dict[str, int] = {}
    for path, documented in ROUTES.items():
        for content_type, body in requests:
            headers = {**auth, **({"Content-Type": content_type} if content_type else {})}
            status, raw = _send(connection, path, body, headers)
            assert connection.sock is socket_before, f"connection closed after {status} for {body[:80]!r}"
            assert str(status) in documented | {"200"}, (status, raw[:300], content_type, body[:80])
            if content_type and not content_type.startswith(("application/json", "application/problem+json")):
                assert status == 415
            if status != 200:
                error = json.loads(raw)
                assert isinstance(error["error"], str) and isinstance(error["detail"], list)
                assert all({"loc", "msg", "type"} <= set(d) for d in error["detail"])
            outcomes[f"{path} {status}"] = outcomes.get(f"{path} {status}", 0) + 1
    print(outcomes)
    status, raw = _send(connection, "/score", json.dumps({"leads": [GOOD_LEAD], "as_of": "2026-06-30T00:00:00Z"})
                        .encode(), {**auth, "Content-Type": "application/json"})
    assert status == 200 and json.loads(raw)["scored"] == 1
    assert connection.sock is socket_before
