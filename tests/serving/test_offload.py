"""The scoring process (serving/offload.py) without HTTP: it scores with the model file the worker names, checks
that file's checksum before unpickling it, and follows the worker to another version with the next request."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from scoring.artifacts import save_bundle
from scoring.options import ScoringOptions
from serving.offload import ModelFile, ScoringProcess
from serving.scoring import score_request

AS_OF = "2026-06-30T00:00:00Z"


@pytest.fixture(scope="module")
def process() -> ScoringProcess:
    scorer = ScoringProcess()
    yield scorer
    scorer.stop()


def _file(bundle, path: Path, version: str) -> ModelFile:
    return ModelFile(path, save_bundle(bundle, path), version)


def test_it_scores_with_the_file_it_is_given_and_follows_a_new_version(process, bundle, crm_leads, tmp_path) -> None:
    body = json.dumps({"leads": crm_leads[:3], "as_of": AS_OF}).encode()
    first = _file(bundle, tmp_path / "v1.pkl", "1")
    status, payload, _ = asyncio.run(process.score(body, first, 1000))
    assert status == 200
    answer = json.loads(payload)
    assert answer["model_version"] == "1" and answer["scored"] == 3
    here = score_request(bundle, crm_leads[:3], ScoringOptions(datetime.fromisoformat(AS_OF)), "1")
    assert answer == json.loads(here.model_dump_json())  # what the worker itself would have answered

    # another version: a bundle whose hot tier starts at 0 calls every lead hot
    hot = dataclasses.replace(bundle, tiers=dataclasses.replace(bundle.tiers, hot_threshold=0.0, warm_threshold=0.0))
    status, payload, _ = asyncio.run(process.score(body, _file(hot, tmp_path / "v2.pkl", "2"), 1000))
    second = json.loads(payload)
    assert status == 200 and second["model_version"] == "2"
    assert {r["tier"] for r in second["results"]} == {"hot"}
    assert [r["probability"] for r in second["results"]] == [r["probability"] for r in answer["results"]]


def test_a_model_file_that_changed_since_it_was_verified_is_never_loaded(process, bundle, crm_leads, tmp_path) -> None:
    path = tmp_path / "v3.pkl"
    model = _file(bundle, path, "3")
    path.write_bytes(path.read_bytes() + b"tampered")
    status, payload, _ = asyncio.run(process.score(json.dumps({"leads": crm_leads[:1]}).encode(), model, 1000))
    assert status == 500 and json.loads(payload)["error"].startswith("internal error")


def test_the_process_exits_when_its_worker_is_gone_without_stopping_it(tmp_path) -> None:
    """A worker killed outright (SIGKILL, out of memory) never stops its scoring process, which ignores SIGTERM:
    it must notice and exit by itself rather than hold its memory forever."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    script = ("import time\nfrom serving.offload import ScoringProcess\n"
              "p = ScoringProcess()\np._executor().submit(time.sleep, 0).result()\n"
              "print(list(p._pool._processes), flush=True)\ntime.sleep(60)\n")
    env = {**os.environ, "LEADSCORE_SCORE_LOG": "off", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path,
                              env=env)
    scorer = psutil.Process(int(worker.stdout.readline().strip("[]\n")))
    assert scorer.is_running()
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 10
    while scorer.is_running() and scorer.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not scorer.is_running() or scorer.status() == psutil.STATUS_ZOMBIE
