"""A deployable Bento: `leadscore build` packs the verified model, and the built Bento serves /score over
HTTP with no MLflow reachable, the scores being those of the registered bundle."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from scoring.options import ScoringOptions
from serving.scoring import score_request
from serving.server import PROJECT_DIR, free_port, stop, wait_until_ready

pytestmark = [pytest.mark.slow, pytest.mark.extended]  # a Bento is built and a BentoML server started

TOKEN = "bento-token-41c2"
AS_OF = "2026-06-30T00:00:00Z"


def _clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADSCORE_", "MLFLOW_TRACKING"))}
    return {**env, "BENTOML_DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true", **values}


@pytest.fixture(scope="module")
def built(trained, tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("bentoml_home")
    command = [sys.executable, "-m", "leadscore.cli", "build", "--model", "models:/lead-scoring@champion"]
    result = subprocess.run(command, env=_clean_env(BENTOML_HOME=str(home), MLFLOW_TRACKING_URI=trained.tracking_uri),
                            cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "home": home}


@pytest.fixture(scope="module")
def bento_server(built: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`bentoml serve` from the Bento's build folder; the MLflow store it would use does not exist and no
    verified copy is cached, so the packed model is the only model it can serve."""
    empty = tmp_path_factory.mktemp("nothing")
    port = free_port()
    log = empty / "server.log"
    env = _clean_env(BENTOML_HOME=str(built["home"]), LEADSCORE_API_TOKEN=TOKEN, LEADSCORE_WORKERS="1",
                     MLFLOW_TRACKING_URI=f"sqlite:///{empty}/absent/mlflow.db", LEADSCORE_MODEL_CACHE=str(empty / "c"),
                     OMP_NUM_THREADS="1")
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "bentoml", "serve", built["path"], "--host", "127.0.0.1",
                                    "--port", str(port)], cwd=built["path"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, 120, log)
        yield url
    finally:
        stop(process, grace_seconds=20)


def test_build_packs_the_registered_bundle_with_its_checksum(built: dict, trained) -> None:
    import mlflow

    version = mlflow.MlflowClient(trained.tracking_uri).get_model_version_by_alias("lead-scoring", "champion")
    assert built["model"] == f"lead-scoring:v{version.version}"
    assert built["sha256"] == version.tags["bundle_sha256"]  # the registry's record travels with the model
    packed = list(Path(built["home"]).rglob("bundle.pkl"))  # in the model store (and the Bento's copy, if any)
    assert packed and all(hashlib.sha256(p.read_bytes()).hexdigest() == built["sha256"] for p in packed)
    assert (Path(built["path"]) / "src" / "serving" / "service.py").is_file()


def test_the_bento_scores_over_http_without_mlflow(bento_server: str, bundle, crm_leads: list[dict],
                                                   trained) -> None:
    leads = crm_leads[:5]
    response = httpx.post(f"{bento_server}/score", json={"leads": leads, "as_of": AS_OF, "top_k": 3},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scored"] == 5 and body["model_version"] == trained.version
    expected = score_request(bundle, leads, ScoringOptions(pd.Timestamp(AS_OF).to_pydatetime(), "en", 3),
                             trained.version)
    assert [r["probability"] for r in body["results"]] == [r.probability for r in expected.results]
    assert [r["score"] for r in body["results"]] == [r.score for r in expected.results]
    assert httpx.post(f"{bento_server}/score", json={"leads": leads}, timeout=10).status_code == 401


def test_a_tampered_packed_model_is_refused(built: dict, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(built["home"], home, symlinks=True)
    packed = next(home.rglob("bundle.pkl"))
    packed.write_bytes(packed.read_bytes()[:-1] + b"\x00")
    code = f"from serving.loader import load_bento_model; load_bento_model({built['model']!r})"
    result = subprocess.run([sys.executable, "-c", code], env=_clean_env(BENTOML_HOME=str(home)), cwd=PROJECT_DIR,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "checksum mismatch" in result.stderr
