"""The gate on its own (serving/gate.py), in process: what it answers itself, and what it makes of the
answers of the app behind it. The server tests (tests/reliability/) check the same over HTTP."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from serving.config import ServeConfig
from serving.gate import Gate
from serving.lifecycle import Lifecycle

TOKEN = {"Authorization": "Bearer t"}


def _gate(app, **settings) -> Gate:
    config = ServeConfig(api_token="t", **{"max_leads": 3, "max_body_bytes": 1000, "max_leads_in_flight": 5,
                                           **settings})
    return Gate(app, config, document=lambda: {"openapi": "3.1.0"})


async def _echo(scope, receive, send) -> None:
    """Answers with the body it received, or with the error bodies BentoML, FastAPI and Starlette produce."""
    message = await receive()
    answers = {"/bentoml-error": (415, json.dumps([{"error": "pickle is not allowed"}]).encode()),
               "/fastapi-error": (400, json.dumps({"detail": [{"loc": ["body", "leads"], "msg": "m", "type": "t"}]})
                                  .encode()),
               "/starlette-404": (404, b"Not Found")}
    status, body = answers.get(scope["path"], (200, message["body"]))
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def _call(gate: Gate, method: str, path: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://gate") as client:
            return await client.request(method, path, **kwargs)
    return asyncio.run(go())


@pytest.mark.parametrize(("path", "status", "error", "loc"), [
    ("/bentoml-error", 415, "pickle is not allowed", None),
    ("/fastapi-error", 400, "the request does not match the schema: see detail and /docs.json", ["body", "leads"]),
    ("/starlette-404", 404, "Not Found", None),
])
def test_errors_of_the_app_behind_get_the_one_documented_body(path: str, status: int, error: str, loc) -> None:
    response = _call(_gate(_echo), "POST", path, json={}, headers=TOKEN)
    assert response.status_code == status and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == error and [d["loc"] for d in body["detail"]] == ([loc] if loc else [])


def test_a_crash_behind_the_gate_is_a_json_500_not_a_dropped_connection() -> None:
    async def crash(scope, receive, send) -> None:
        raise RuntimeError("bug")

    response = _call(_gate(crash), "POST", "/score", json={"leads": []}, headers=TOKEN)
    assert response.status_code == 500 and response.json()["detail"] == []


def test_leads_in_flight_are_bounded_and_released_whatever_the_outcome() -> None:
    lifecycle = Lifecycle()
    assert lifecycle.admit(3, limit=5) and not lifecycle.admit(3, limit=5) and lifecycle.admit(2, limit=5)
    lifecycle.release(5)
    assert lifecycle.admit(50, limit=5)  # bigger than the bound alone: taken when nothing else is in work
    gate = _gate(_echo)
    for body in ({"leads": [1, 2]}, {"leads": "x"}):
        assert _call(gate, "POST", "/score", json=body, headers=TOKEN).status_code == 200
    assert _call(gate, "POST", "/bentoml-error", json={"leads": [1]}, headers=TOKEN).status_code == 415
    assert gate.lifecycle.leads_in_flight == 0 and gate.lifecycle.requests_in_flight == 0


def test_a_full_worker_answers_503_with_retry_after_at_once() -> None:
    gate = _gate(_echo, retry_after_seconds=2)
    gate.lifecycle.admit(5, limit=5)  # another request holds all five
    response = _call(gate, "POST", "/score", json={"leads": [1]}, headers=TOKEN)
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    assert response.json()["error"].startswith("busy")
    assert _call(gate, "GET", "/livez").status_code == 200  # probes never wait for work


def test_a_draining_worker_answers_503_and_closes_but_stays_alive() -> None:
    gate = _gate(_echo)
    gate.lifecycle.draining = True
    response = _call(gate, "POST", "/score", json={"leads": [1]}, headers=TOKEN)
    assert response.status_code == 503 and response.headers["connection"] == "close"
    assert "retry-after" in response.headers
    assert _call(gate, "GET", "/readyz").status_code == 503  # a load balancer stops sending here
    assert _call(gate, "GET", "/livez").status_code == 200  # but nobody should restart it


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives() -> None:
    async def chunks():  # no Content-Length: the gate counts what arrives
        for _ in range(20):
            yield b"x" * 100

    response = _call(_gate(_echo), "POST", "/score", content=chunks(), headers=TOKEN)
    assert response.status_code == 413 and response.json()["detail"][0]["type"] == "too_large"


class _Elsewhere:
    """A stand-in for the scoring process (serving/offload.py, tested over HTTP in test_service.py): takes /score
    bodies over 100 bytes and answers with their length, so a test sees what reached it unparsed."""

    def takes(self, scope, size: int) -> bool:
        return scope["path"] == "/score" and size > 100

    async def answer(self, body: bytes):
        return 200, json.dumps({"bytes": len(body)}).encode(), []


def test_a_big_body_goes_to_the_scoring_process_unparsed_under_a_bound_of_its_own() -> None:
    gate = Gate(_echo, ServeConfig(api_token="t", max_leads=3, max_body_bytes=1000, max_leads_in_flight=5,
                                   max_big_bytes_in_flight=300),
                document=lambda: {}, offload=_Elsewhere())
    not_json = b'{"leads": [' + b"x" * 200  # the gate would answer 400 had it parsed it: the scoring process does
    response = _call(gate, "POST", "/score", content=not_json, headers=TOKEN)
    assert response.status_code == 200 and response.json() == {"bytes": len(not_json)}
    assert gate.lifecycle.big_bytes_in_flight == 0 and gate.lifecycle.requests_in_flight == 0  # released

    assert gate.lifecycle.admit_big(150, limit=300)  # another big request of 150 bytes is in the scoring process
    assert _call(gate, "POST", "/score", content=not_json[:140], headers=TOKEN).status_code == 200  # 290 fit
    gate.lifecycle.admit_big(100, limit=300)  # and one more: 250 bytes there
    busy = _call(gate, "POST", "/score", content=not_json, headers=TOKEN)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1" and busy.json()["error"].startswith("busy")
    # the worker's own work has its own bound: a small request is still answered, and still checked here
    assert _call(gate, "POST", "/score", json={"leads": [1]}, headers=TOKEN).status_code == 200
    assert _call(gate, "POST", "/score", json={"leads": [1, 2, 3, 4]}, headers=TOKEN).status_code == 413
    gate.lifecycle.admit(5, limit=5)  # and when that one is full too, nothing is read
    assert _call(gate, "POST", "/score", json={"leads": [1]}, headers=TOKEN).status_code == 503
    assert gate.lifecycle.big_bytes_in_flight == 250 and gate.lifecycle.leads_in_flight == 5  # what the test holds
