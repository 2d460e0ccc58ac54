"""The real BentoML server on 127.0.0.1, called over HTTP the way a CRM calls it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from features.batch import LeadBatch
from serving import errors
from serving.server import running_server

TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture(scope="module")
def server(trained, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cache = tmp_path_factory.mktemp("models")
    env = {"LEADSCORE_API_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": trained.tracking_uri,
           "LEADSCORE_MODEL_CACHE": str(cache), "LEADSCORE_MAX_LEADS": "50"}
    with running_server(env, log_path=cache / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def leads(crm_leads: list[dict]) -> list[dict]:
    """Ten real leads of the world with their activities, as JSON records."""
    return crm_leads[:10]


def _score(url: str, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{url}/score", json=body, headers=AUTH if headers is None else headers, timeout=30)


def test_scores_leads_with_calibrated_probability_tier_and_reasons(server: str, leads: list[dict]) -> None:
    response = _score(server, {"leads": leads, "as_of": AS_OF, "top_k": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scored"] == len(leads) and body["failed"] == 0
    for i, result in enumerate(body["results"]):
        assert result["index"] == i and result["lead_id"] == leads[i]["lead_id"]
        assert 0 < result["probability"] < 1
        assert result["score"] == int(100 * result["probability"] + 0.5)
        assert result["tier"] in {"hot", "warm", "cold"} and result["grade"] in {"A", "B", "C", "D"}
        assert result["base_score"] + sum(r["points"] for r in result["reasons"]) + result["other_points"] == \
            result["score"]
        assert result["model_version"] == body["model_version"]


def test_reasons_can_be_asked_for_in_german(server: str, leads: list[dict]) -> None:
    english = _score(server, {"leads": leads[:3], "as_of": AS_OF, "lang": "en"}).json()["results"]
    german = _score(server, {"leads": leads[:3], "as_of": AS_OF, "lang": "de"}).json()["results"]
    assert [r["score"] for r in english] == [r["score"] for r in german]
    assert [r["text"] for r in german[0]["reasons"]] != [r["text"] for r in english[0]["reasons"]]


def test_the_http_score_equals_the_batch_score(server: str, leads: list[dict], bundle, event_data) -> None:
    ids = [lead["lead_id"] for lead in leads]
    leads_file = event_data.leads[event_data.leads["lead_id"].isin(ids)]
    features = bundle.features(LeadBatch.from_frames(leads_file, event_data.activities), AS_OF)
    batch = dict(zip(features.index, bundle.probability(features), strict=True))
    online = {r["lead_id"]: r for r in _score(server, {"leads": leads, "as_of": AS_OF}).json()["results"]}
    for lead_id in ids:
        assert online[lead_id]["probability"] == pytest.approx(batch[lead_id], abs=1e-12)


def test_a_request_too_big_for_the_event_loop_is_scored_in_a_thread_with_the_same_results(
    server: str, leads: list[dict]
) -> None:
    inline = _score(server, {"leads": leads[:2], "as_of": AS_OF}).json()["results"]  # ≤ 10 leads: on the loop
    copies = [{**lead, "lead_id": f"{lead['lead_id']}-{n}"} for n in range(3) for lead in leads]  # 30: a thread
    threaded = _score(server, {"leads": copies, "as_of": AS_OF}).json()["results"]
    assert len(threaded) == 30 and all(r["status"] == "ok" for r in threaded)
    for n in range(3):
        for i in range(2):
            same = threaded[n * len(leads) + i]
            assert {**same, "index": i, "lead_id": inline[i]["lead_id"]} == inline[i]


def _big(leads: list[dict], copies: int = 4) -> list[dict]:
    """``copies`` renamed copies of each lead, each with a long note: a body over the event loop's 64 KB."""
    return [{**lead, "lead_id": f"{lead['lead_id']}-big{n}", "job_title": lead.get("job_title", "") + " " * 1500}
            for n in range(copies) for lead in leads]


def test_a_body_over_64_kb_is_answered_by_the_scoring_process_with_the_same_scores_errors_and_log(
    server: str, leads: list[dict]
) -> None:
    """serving/offload.py: a big /score body never touches the worker's interpreter lock; what it answers must
    be what the worker answers for the same leads: results, a 400 for a field the model does not know, and the
    scores in the score log."""
    from serving.gate import PARSE_ON_LOOP_BYTES

    big = _big(leads)
    assert len(json.dumps({"leads": big, "as_of": AS_OF})) > PARSE_ON_LOOP_BYTES
    alone = _score(server, {"leads": big[:3], "as_of": AS_OF}).json()["results"]  # small: the worker
    answered = _score(server, {"leads": big, "as_of": AS_OF, "lang": "de"})
    assert answered.status_code == 200, answered.text
    results = answered.json()["results"]
    assert len(results) == 40 and all(r["status"] == "ok" for r in results)
    for i in range(3):
        assert results[i]["probability"] == alone[i]["probability"] and results[i]["score"] == alone[i]["score"]
    assert [r["lead_id"] for r in results] == [lead["lead_id"] for lead in big]
    logged = _logged(server, big[-1]["lead_id"])
    assert logged["scores"][0]["score"] == results[-1]["score"]

    typo = [*big[:30], {**big[30], "anual_revenue": 5}, *big[31:]]
    refused = _score(server, {"leads": typo, "as_of": AS_OF, "top_k": "many"})
    small = _score(server, {"leads": [typo[30]], "as_of": AS_OF, "top_k": "many"})
    assert refused.status_code == small.status_code == 400, refused.text
    assert refused.json()["error"].startswith(errors.SCHEMA_MISMATCH)
    assert [d["loc"] for d in refused.json()["detail"]] == [["body", "top_k"]]  # the input model first, as BentoML
    fields_only = _score(server, {"leads": typo, "as_of": AS_OF})
    assert fields_only.status_code == 400
    assert [(d["loc"], d["type"]) for d in fields_only.json()["detail"]] == [
        (["body", "leads", 30, "anual_revenue"], "extra_forbidden")]


def test_a_bad_big_body_gets_from_the_scoring_process_what_a_small_one_gets_from_the_gate(
    server: str, leads: list[dict]
) -> None:
    """The worker never parses a body over 64 KB; the scoring process checks it (serving/body.py) and answers
    malformed JSON, NaN, bytes that are not UTF-8 and too many leads as the gate answers a small body."""
    big, small = _big(leads), leads[:1]

    def both(make) -> tuple[httpx.Response, httpx.Response]:
        return tuple(httpx.post(f"{server}/score", content=make(body), timeout=30,
                                headers={**AUTH, "Content-Type": "application/json"}) for body in (big, small))

    for make, kind in [(lambda b: json.dumps({"leads": b}).encode()[:-2], "json_invalid"),
                       (lambda b: json.dumps({"leads": [{**b[0], "annual_revenue": float("nan")}, *b[1:]]}).encode(),
                        "json_invalid"),
                       (lambda b: json.dumps({"leads": b}).encode().replace(b"lead_id", b"lead_\xff", 1),
                        "unicode_decode_error")]:
        large, little = both(make)
        assert large.status_code == little.status_code == 400, (kind, large.text)
        assert large.json()["detail"][0]["type"] == little.json()["detail"][0]["type"] == kind
    too_many = [{**lead, "lead_id": f"{lead['lead_id']}-{n}"} for n in range(3) for lead in big]  # over 50 leads
    over = _score(server, {"leads": too_many})
    assert over.status_code == 413 and over.json()["error"].startswith(f"{len(too_many)} leads in one request")
    gate_says = _score(server, {"leads": [{"lead_id": "x"}] * 51}).json()  # a small body: the gate's own check
    assert gate_says["error"] == "51 leads in one request; the limit is 50: send them in several requests"
    assert over.json()["detail"] == gate_says["detail"]


def test_a_scoring_process_that_dies_costs_one_503_and_is_started_again(server: str, leads: list[dict]) -> None:
    import psutil

    big = {"leads": _big(leads), "as_of": AS_OF}
    assert _score(server, big).status_code == 200  # the processes are up
    port = int(server.rsplit(":", 1)[1])
    owners = {c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.pid}
    scorers = [child for pid in owners for child in psutil.Process(pid).children(recursive=True)
               if "spawn_main" in " ".join(child.cmdline())]
    assert scorers
    for process in scorers:
        process.kill()
    statuses = []
    while statuses[-4:] != [200] * 4 and len(statuses) < 20:
        response = _score(server, big)
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["retry-after"] and "scoring process" in response.json()["error"]
    assert statuses[0] == 503 and set(statuses) <= {200, 503} and statuses[-4:] == [200] * 4, statuses


def _logged(server: str, lead_id: str) -> dict:
    """The lead's score log (the writer records off the request path: wait for it, briefly)."""
    deadline = time.monotonic() + 10
    while True:
        response = httpx.get(f"{server}/leads/{lead_id}/scores", headers=AUTH, timeout=10)
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response.json()
        time.sleep(0.2)


def test_only_small_requests_are_scored_on_the_event_loop() -> None:
    from serving.service import _small

    one = {"lead_id": "a", "activities": [{}] * 50}
    assert _small([one])
    assert not _small([one] * 11)  # more leads than inline_leads (10)
    assert not _small([{"lead_id": "a", "activities": [{}] * 2001}])  # more activities than inline_activities
    assert _small([{"lead_id": "a", "activities": "not a list"}])  # malformed: validation reports it, inline


def test_a_bad_lead_is_an_error_a_bad_activity_a_warning_and_the_rest_is_scored(server: str, leads: list[dict]) -> None:
    bad = [{**leads[0], "created_at": "not a date"}, leads[1],
           {**leads[2], "activities": [{"occurred_at": "2026-01-01T00:00:00Z"}]},
           {"created_at": "2026-05-02T09:00:00Z"}]  # no lead_id (an unknown field would refuse the request)
    body = _score(server, {"leads": bad, "as_of": AS_OF}).json()
    assert (body["scored"], body["failed"]) == (2, 2)
    results = body["results"]
    assert results[0]["status"] == "error" and results[0]["errors"][0]["field"] == "created_at"
    assert results[1]["status"] == "ok"
    # an activity without a type is not used, as a file's activity row without one is rejected: the lead is scored
    assert results[2]["status"] == "ok"
    assert results[2]["warnings"] == [{"field": "activities.0.activity_type",
                                       "message": "missing required value: activity not used"}]
    assert [e["field"] for e in results[3]["errors"]] == ["lead_id"]


def test_a_lead_created_after_as_of_is_an_error_not_a_score(server: str, leads: list[dict]) -> None:
    body = _score(server, {"leads": [leads[0]], "as_of": "2020-01-01T00:00:00Z"}).json()
    assert body["results"][0]["errors"][0]["field"] == "created_at"


@pytest.mark.parametrize("body", [
    {"leads": "not a list"},
    {"leads": [], "lang": "fr"},
    {"leads": [], "top_k": "many"},
    {"leads": [], "as_of": "yesterday-ish"},
    {},
])
def test_a_malformed_request_gets_400_with_field_detail(server: str, body: dict) -> None:
    response = _score(server, body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"][0]["loc"]


def test_invalid_json_is_a_client_error(server: str) -> None:
    response = httpx.post(f"{server}/score", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


def test_too_many_leads_get_413(server: str, leads: list[dict]) -> None:
    response = _score(server, {"leads": leads * 6})  # 60 > LEADSCORE_MAX_LEADS=50
    assert response.status_code == 413


def test_an_oversized_body_gets_413(server: str) -> None:
    response = httpx.post(f"{server}/score", content=b" " * 21_000_000,
                          headers={**AUTH, "Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_scoring_needs_the_bearer_token(server: str, leads: list[dict], headers: dict) -> None:
    assert _score(server, {"leads": leads[:1]}, headers=headers).status_code == 401


def test_health_needs_no_token_but_model_info_does(server: str) -> None:
    assert httpx.get(f"{server}/livez").status_code == 200
    assert httpx.get(f"{server}/readyz").status_code == 200
    assert httpx.get(f"{server}/model").status_code == 401


def test_model_info_names_version_window_metrics_and_tiers(server: str, trained) -> None:
    info = httpx.get(f"{server}/model", headers=AUTH).json()
    assert info["version"] == trained.version and info["alias"] == "champion"
    assert info["metrics"]["roc_auc"] == pytest.approx(trained.metrics["roc_auc"])
    assert info["tiers"]["hot_threshold"] > info["tiers"]["warm_threshold"]
    assert set(info["tiers"]["conversion_rate"]) == {"hot", "warm", "cold"}
    assert info["training_window"]["last_labelled_snapshot"] and info["regime"] == "backtest"


def test_score_card_is_html_for_one_lead(server: str, leads: list[dict]) -> None:
    response = httpx.post(f"{server}/card", json={"leads": leads[:1], "as_of": AS_OF, "lang": "de"}, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<svg" in response.text and "Warum dieser Score" in response.text


def test_the_service_starts_from_the_verified_local_copy_when_the_registry_is_gone(
        trained, tmp_path: Path, leads: list[dict]) -> None:
    cache = tmp_path / "models"
    from serving.loader import load_model

    load_model("models:/lead-scoring@champion", cache, trained.tracking_uri)  # fills the cache
    env = {"LEADSCORE_NO_AUTH": "1", "MLFLOW_TRACKING_URI": "http://127.0.0.1:9",  # nothing listens there
           "LEADSCORE_MODEL_CACHE": str(cache), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
           "MLFLOW_HTTP_REQUEST_TIMEOUT": "2"}
    with running_server(env, log_path=tmp_path / "server.log") as url:
        info = httpx.get(f"{url}/model").json()
        assert info["loaded_from"] == "cache" and info["version"] == trained.version
        assert _score(url, {"leads": leads[:1], "as_of": AS_OF}, headers={}).status_code == 200


def _processes() -> dict[int, tuple[int, str]]:
    """Every process on this (Linux) machine: pid → (parent pid, command line)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                out[int(entry.name)] = (parent, (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except (OSError, IndexError, ValueError):  # the process ended while we looked
                continue
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_the_workers_option_starts_that_many_worker_processes(trained, tmp_path: Path, leads: list[dict]) -> None:
    # `bentoml serve --api-workers` is ignored by services like ours: the count must reach the service settings
    env = {"LEADSCORE_NO_AUTH": "1", "MLFLOW_TRACKING_URI": trained.tracking_uri,
           "LEADSCORE_MODEL_CACHE": str(tmp_path / "models")}
    with running_server(env, workers=2, log_path=tmp_path / "server.log") as url:
        port = httpx.URL(url).port
        processes = _processes()
        (server,) = [pid for pid, (_, command) in processes.items() if "bentoml serve serving.service:LeadScoring" in
                     command and f"--port {port} " in command]
        workers = [pid for pid, (parent, command) in processes.items() if parent == server and
                   "_bentoml_impl.worker" in command]
        assert len(workers) == 2
        assert _score(url, {"leads": leads[:1], "as_of": AS_OF}, headers={}).status_code == 200


def test_the_service_runs_one_worker_per_usable_core_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker is one event loop: on two cores a second worker is what lets the second core serve requests."""
    import os

    from serving.config import ServeConfig, usable_cores

    assert usable_cores() == len(os.sched_getaffinity(0)) >= 1
    monkeypatch.delenv("LEADSCORE_WORKERS", raising=False)
    assert ServeConfig.from_env().workers == usable_cores()
    monkeypatch.setenv("LEADSCORE_WORKERS", "3")
    assert ServeConfig.from_env().workers == 3


def test_concurrent_one_lead_requests_each_get_the_answer_they_get_alone(server: str, leads: list[dict]) -> None:
    """Small requests that arrive together are scored in one call (serving.batcher); over HTTP, each must
    still get exactly its own response, whatever arrived with it."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [{"leads": [lead], "as_of": AS_OF, "lang": lang, "top_k": 3}
              for lead in leads for lang in ("en", "de")] * 2
    alone = [_score(server, body).json() for body in bodies]

    def post_all(chunk: list[dict]) -> list[dict]:
        with httpx.Client(headers=AUTH, timeout=30) as client:
            return [client.post(f"{server}/score", json=body).json() for body in chunk]

    with ThreadPoolExecutor(max_workers=8) as pool:
        parts = list(pool.map(post_all, [bodies[i::8] for i in range(8)]))
    together = [None] * len(bodies)
    for i, part in enumerate(parts):
        together[i::8] = part
    assert together == alone
    assert {r["results"][0]["lead_id"] for r in together} == {lead["lead_id"] for lead in leads}


@pytest.mark.extended  # two server starts, ~25 s on a busy 2-core machine: `make test-extended`
def test_a_server_whose_picked_port_is_taken_at_start_starts_on_another(trained, tmp_path: Path, monkeypatch) -> None:
    """The port a test or the demo picks is free when picked, yet another process may bind it before the server
    does (BentoML's own process manager picks free ports too): the server then starts on a port picked anew."""
    import socket

    from serving import server

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    picks = iter([taken.getsockname()[1]])
    real_free_port = server.free_port
    monkeypatch.setattr(server, "free_port", lambda: next(picks, None) or real_free_port())
    env = {"LEADSCORE_NO_AUTH": "1", "MLFLOW_TRACKING_URI": trained.tracking_uri,
           "LEADSCORE_MODEL_CACHE": str(tmp_path / "models")}
    try:
        with running_server(env, log_path=tmp_path / "server.log") as url:
            assert not url.endswith(f":{taken.getsockname()[1]}")
            assert httpx.get(f"{url}/readyz").status_code == 200
    finally:
        taken.close()
