"""The server follows the registry (#17): a new champion registered while a CRM keeps scoring is swapped in
without a dropped request or a request scored by two models; a champion with another contract, or one whose
file fails its checksum, is refused and the served model stays.

One registry of the test's own (a real MLflow SQLite store) and one real BentoML server checking its alias
every 0.3 s. The versions are real registrations of real bundles: v1 is the trained champion, v2 the same
model with another calibration (so its scores differ and a response shows which model computed it), v3 a
30-day model (another contract), v4 a version whose recorded checksum does not match its file.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import mlflow
import pytest
from mlflow import MlflowClient

from scoring.artifacts import BUNDLE_FILE, save_bundle
from scoring.bundle import ScoringBundle
from scoring.calibration import SigmoidCalibrator
from scoring.contract import ModelContract
from scoring.options import ScoringOptions
from scoring.registry import SHA_TAG, configure
from scoring.settings import EXPERIMENT, MODEL_NAME
from serving.scoring import score_request
from serving.server import running_server
from training.registry import record_contract, set_champion
from training.tracking import PYFUNC_CODE

TOKEN = "follow-token-1c9e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AS_OF = "2026-06-30T00:00:00Z"


@contextlib.contextmanager
def _registry(uri: str) -> Iterator[None]:
    """MLflow pointed at ``uri`` for a while (MLflow keeps the URI in the environment too): restored after."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    previous = mlflow.get_tracking_uri()
    configure(uri)
    try:
        yield
    finally:
        configure(before or previous)
        if before is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)


def publish(uri: str, bundle: ScoringBundle, *, wrong_checksum: bool = False) -> str:
    """Register ``bundle`` as a new version the way training does (pyfunc with the bundle, checksum and contract
    tags) and make it champion (forced, as ``leadscore promote --force`` would)."""
    with _registry(uri), tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / BUNDLE_FILE
        sha = save_bundle(bundle, path)
        recorded = ("0" * 64) if wrong_checksum else sha
        mlflow.set_experiment(EXPERIMENT)
        with mlflow.start_run():
            info = mlflow.pyfunc.log_model(name="model", python_model=str(PYFUNC_CODE), artifacts={"bundle": str(path)},
                                           model_config={SHA_TAG: recorded}, registered_model_name=MODEL_NAME,
                                           pip_requirements=[])
        version = str(info.registered_model_version)
        MlflowClient().set_model_version_tag(MODEL_NAME, version, SHA_TAG, recorded)
        record_contract(MODEL_NAME, version, ModelContract.of(bundle), "test")
        if wrong_checksum:  # as if the file were damaged after its promotion: `promote` refuses such a version
            MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", version)
        else:
            set_champion(MODEL_NAME, version, force=True)
        return version


def recalibrated(bundle: ScoringBundle) -> ScoringBundle:
    """The same model with another calibration: every probability (and so most scores) differs."""
    other = copy.deepcopy(bundle)
    other.calibrator = SigmoidCalibrator(slope=1.0, intercept=0.5)
    return other


def thirty_day(bundle: ScoringBundle) -> ScoringBundle:
    other = copy.deepcopy(bundle)
    other.info = {**other.info, "horizon_days": 30}
    return other


class Follow:
    def __init__(self, url: str, uri: str, first: str) -> None:
        self.url, self.uri, self.first = url, uri, first

    def model(self) -> dict:
        response = httpx.get(f"{self.url}/model", headers=AUTH, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_for(self, condition, timeout: float = 30.0) -> dict:
        end = time.monotonic() + timeout
        while True:
            info = self.model()
            if condition(info):
                return info
            if time.monotonic() > end:
                raise AssertionError(f"the server did not get there in {timeout} s: {info}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def follow(bundle: ScoringBundle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Follow]:
    folder = tmp_path_factory.mktemp("follow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    first = publish(uri, bundle)
    env = {"LEADSCORE_API_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": uri, "LEADSCORE_MODEL_CACHE": str(folder / "models"),
           "LEADSCORE_WATCH_SECONDS": "0.3", "LEADSCORE_SCORE_DB": f"sqlite:///{folder / 'scores.db'}"}
    with running_server(env, log_path=folder / "server.log") as url:
        yield Follow(url, uri, first)


@pytest.fixture(scope="module")
def requests_(crm_leads: list[dict]) -> list[dict]:
    """What the CRM keeps sending: one-lead requests (scored on the event loop, batched) and a 20-lead one
    (scored in a worker thread)."""
    return [{"leads": [lead], "as_of": AS_OF} for lead in crm_leads[:4]] + [{"leads": crm_leads[4:24], "as_of": AS_OF}]


def _expected(bundle: ScoringBundle, version: str, bodies: list[dict]) -> list[list[int]]:
    options = ScoringOptions(datetime.fromisoformat(AS_OF.replace("Z", "+00:00")))
    return [[r.score for r in score_request(bundle, b["leads"], options, version).results] for b in bodies]


def test_a_new_champion_is_swapped_in_while_requests_keep_coming(follow: Follow, bundle: ScoringBundle,
                                                                  requests_: list[dict]) -> None:
    assert follow.model()["version"] == follow.first
    second = recalibrated(bundle)
    answers: list[tuple[int, dict, int, float]] = []  # (status, body, which request, when it was sent)
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(headers=AUTH, timeout=30) as http:
            i = 0
            while not stop.is_set():
                sent = time.monotonic()
                response = http.post(f"{follow.url}/score", json=requests_[i % len(requests_)])
                answers.append((response.status_code, response.json() if response.status_code == 200 else
                                {"text": response.text}, i % len(requests_), sent))
                i += 1

    clients = [threading.Thread(target=client) for _ in range(3)]
    for c in clients:
        c.start()
    try:
        time.sleep(1.0)
        new = publish(follow.uri, second)
        info = follow.wait_for(lambda m: m["version"] == new)
        switched = time.monotonic()
        time.sleep(1.0)  # keep scoring on the new model for a while
    finally:
        stop.set()
        for c in clients:
            c.join()

    expected = {follow.first: _expected(bundle, follow.first, requests_), new: _expected(second, new, requests_)}
    assert expected[follow.first] != expected[new]  # the two models score differently: a response shows its model
    assert answers and all(status == 200 for status, *_ in answers), [a for a in answers if a[0] != 200][:3]
    versions, sent_after_switch = [], []
    for _, body, which, sent in answers:
        version = body["model_version"]
        versions.append(version)
        assert version in expected
        # every lead of a response scored by the model the response names: never half by one, half by the other
        assert {r["model_version"] for r in body["results"]} == {version}
        assert [r["score"] for r in body["results"]] == expected[version][which]
        if sent > switched:
            sent_after_switch.append(version)
    assert versions.count(follow.first) > 0 and versions.count(new) > 0
    # a request sent after the server said it serves the new version is scored by it (those in flight at the
    # switch may finish on the old one)
    assert sent_after_switch and set(sent_after_switch) == {new}
    assert info["last_switch"]["from_version"] == follow.first and info["last_switch"]["to_version"] == new
    assert info["last_switch"]["accepted"] is True
    assert info["follows"] == f"models:/{MODEL_NAME}@champion" and info["loaded_at"] == info["last_switch"]["at"]


def test_a_champion_with_another_contract_is_refused_and_named(follow: Follow, bundle: ScoringBundle,
                                                               requests_: list[dict]) -> None:
    served = follow.model()["version"]
    refused = publish(follow.uri, thirty_day(bundle))
    info = follow.wait_for(lambda m: (m.get("refused_switch") or {}).get("to_version") == refused)
    assert info["version"] == served
    assert "horizon 30 days instead of 90" in info["refused_switch"]["reason"]
    assert "LEADSCORE_ALLOW_CONTRACT_CHANGE" in info["refused_switch"]["reason"]
    time.sleep(1.0)  # later checks do not switch either
    response = httpx.post(f"{follow.url}/score", json=requests_[0], headers=AUTH, timeout=30)
    assert response.status_code == 200 and response.json()["model_version"] == served


def test_a_champion_that_fails_its_checksum_is_refused_and_the_model_kept(follow: Follow, bundle: ScoringBundle,
                                                                          requests_: list[dict]) -> None:
    served = follow.model()["version"]
    broken = publish(follow.uri, recalibrated(bundle), wrong_checksum=True)
    info = follow.wait_for(lambda m: (m.get("refused_switch") or {}).get("to_version") == broken)
    assert info["version"] == served
    assert "checksum" in info["refused_switch"]["reason"] and "IntegrityError" in info["refused_switch"]["reason"]
    response = httpx.post(f"{follow.url}/score", json=requests_[0], headers=AUTH, timeout=30)
    assert response.status_code == 200 and response.json()["model_version"] == served
