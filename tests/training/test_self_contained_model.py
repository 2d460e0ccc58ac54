"""The registered MLflow model runs where leadscore was never installed.

It carries its code (``features/`` and ``scoring/``, nothing of training or serving) and pins the libraries
that code imports to the versions it was trained with; its signature requires only ``lead_id`` and
``created_at``; every output row names its ``lead_id``. The proof: a fresh virtual environment built with uv
from nothing but the model's own ``requirements.txt``, a copy of the model folder outside the checkout, and a
process with a clean environment that loads it with ``mlflow.pyfunc.load_model`` (and ``mlflow models
serve``) and scores raw leads exactly as leadscore does in process.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import mlflow
import pandas as pd
import pytest
import yaml

from scoring.artifacts import BUNDLE_FILE
from scoring.registry import configure
from serving.server import free_port
from training.environment import NotSelfContained, imported_modules, pip_requirements

CHECKOUT = Path(__file__).resolve().parents[2]
AS_OF = "2026-06-30T00:00:00+00:00"
PARAMS = {"as_of": AS_OF, "lang": "de", "top_k": 3}

# Run by the fresh environment's Python: loads the model folder it is given, scores the leads, and reports
# where its code came from. It must not find leadscore anywhere before the model is loaded.
SCORE_OUTSIDE = """
import importlib.util, json, sys
from pathlib import Path

model_dir, tampered_dir, leads_file, out_dir = map(Path, sys.argv[1:])
found_before = {name: importlib.util.find_spec(name) is not None
                for name in ("leadscore", "training", "serving", "scoring", "features")}
import mlflow
import pandas as pd

model = mlflow.pyfunc.load_model(str(model_dir))
params = json.loads(leads_file.with_name("params.json").read_text())
leads = pd.DataFrame(json.loads(leads_file.read_text()))
model.predict(leads, params=params).to_parquet(out_dir / "full.parquet")
model.predict(leads[["lead_id", "created_at"]], params=params).to_parquet(out_dir / "minimal.parquet")
try:
    mlflow.pyfunc.load_model(str(tampered_dir))
    refused = ""
except Exception as exc:
    refused = f"{type(exc).__name__}: {exc}"
import features, scoring
print(json.dumps({"found_before": found_before, "scoring": scoring.__file__, "features": features.__file__,
                  "refused": refused}))
"""


# ---- what the model carries ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_dir(trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registered version's folder, downloaded from the store to a directory outside the checkout."""
    configure(trained.tracking_uri)
    dest = tmp_path_factory.mktemp("outside")
    path = Path(mlflow.artifacts.download_artifacts(f"models:/lead-scoring/{trained.version}", dst_path=str(dest)))
    assert not path.resolve().is_relative_to(CHECKOUT)
    return path


def test_the_model_carries_features_and_scoring_and_nothing_of_training(model_dir: Path) -> None:
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text())
    assert mlmodel["flavors"]["python_function"]["code"] == "code"
    assert sorted(p.name for p in (model_dir / "code").iterdir()) == ["features", "scoring"]
    carried = {p.relative_to(model_dir / "code").as_posix() for p in (model_dir / "code").rglob("*.py")}
    assert {"scoring/pyfunc.py", "scoring/artifacts.py", "features/pipeline.py"} <= carried
    assert not list((model_dir / "code").rglob("__pycache__"))


def test_the_model_travels_without_any_lead_s_e_mail_address(model_dir: Path, trained) -> None:
    examples = (model_dir / "input_example.json").read_text() + (model_dir / "serving_input_example.json").read_text()
    addresses = pd.read_csv(trained.files["leads"], dtype=str)["email"].dropna()
    assert not [a for a in addresses if a in examples]
    assert examples.count("someone@") == 6  # three example leads, twice: each keeps its domain, the feature's input


def test_its_requirements_pin_the_installed_version_of_every_library_the_scoring_code_imports(
    model_dir: Path,
) -> None:
    lines = (model_dir / "requirements.txt").read_text().split()
    pinned = dict(line.split("==") for line in lines)
    assert len(pinned) == len(lines)  # every line is name==version
    for name in ("mlflow", "pandas", "numpy", "scikit-learn", "lightgbm", "pyarrow", "babel", "scipy", "pyyaml"):
        assert pinned[name] == importlib.metadata.version(name), name
    # no leadscore, and nothing the scoring code does not import (TreeSHAP comes from LightGBM, not shap)
    assert not {"leadscore", "shap", "bentoml", "matplotlib", "sqlalchemy"} & set(pinned)
    assert set(imported_modules()) == {"babel", "features", "lightgbm", "mlflow", "numpy", "pandas", "pyarrow",
                                       "scipy", "scoring", "sklearn", "yaml"}


def test_the_signature_requires_only_lead_id_and_created_at_and_the_output_names_the_lead(
    model_dir: Path, trained, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))  # loading prepends the model's code/ folder
    model = mlflow.pyfunc.load_model(str(model_dir))
    inputs = model.metadata.get_input_schema()
    assert inputs.required_input_names() == ["lead_id", "created_at"]
    assert {"activities", "email", "industry", "employee_count"} <= set(inputs.optional_input_names())
    out = model.predict(pd.DataFrame({"lead_id": ["A-1", "B-2"], "created_at": ["2026-01-05", "2026-06-01"]}),
                        params=PARAMS)
    assert out["lead_id"].tolist() == ["A-1", "B-2"]
    assert out["status"].tolist() == ["ok", "ok"]
    assert out["probability"].between(0, 1).all()


def test_scoring_code_that_imports_training_cannot_be_logged(tmp_path: Path) -> None:
    package = tmp_path / "scoring"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("import numpy as np\n\ndef f():\n    from training.dataset import LABEL\n")
    with pytest.raises(NotSelfContained, match=r"scoring/helpers.py import training, which the logged model"):
        pip_requirements([package])
    (package / "helpers.py").write_text("import numpy as np\nimport surely_not_installed_xyz\n")
    with pytest.raises(NotSelfContained, match="surely_not_installed_xyz, which no installed distribution"):
        pip_requirements([package])
    (package / "helpers.py").write_text("import json\nimport numpy as np\nfrom scoring import other\n")
    assert pip_requirements([package]) == [f"numpy=={importlib.metadata.version('numpy')}"]


# ---- the proof: a fresh environment, outside the checkout ----------------------------------------------------
@dataclass
class FreshEnv:
    python: Path
    seconds: float  # building the environment


def _clean_env(venv: Path) -> dict[str, str]:
    """No PYTHONPATH, no MLflow store, no virtualenv of ours: only the fresh environment on PATH."""
    return {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8",
            "MLFLOW_DISABLE_TELEMETRY": "true", "OMP_NUM_THREADS": "2"}


@pytest.fixture(scope="module")
def fresh_env(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> FreshEnv:
    """A virtual environment with the model's Python version and exactly the model's ``requirements.txt``."""
    uv = pytest.importorskip("uv", reason="uv (the dev extra) builds the fresh environment").find_uv_bin()
    python_version = yaml.safe_load((model_dir / "python_env.yaml").read_text())["python"]
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    started = time.perf_counter()
    for command in ([uv, "venv", "-q", "--python", python_version, "--python-preference", "only-system", str(venv)],
                    [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
                     "-r", str(model_dir / "requirements.txt")]):
        subprocess.run(command, check=True, cwd=venv.parent, timeout=600,
                       env={k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")})
    return FreshEnv(venv / "bin" / "python", time.perf_counter() - started)


def _raw_leads(crm_leads: list[dict]) -> list[dict]:
    """Three leads as a CRM export holds them: text cells, activities as JSON text."""
    return [{k: (json.dumps(v) if k == "activities" else None if v is None else str(v)) for k, v in lead.items()}
            for lead in crm_leads[:3]]


@pytest.mark.slow
@pytest.mark.extended
def test_the_model_loads_and_scores_in_a_fresh_environment_outside_the_checkout_as_in_process(
    trained, model_dir: Path, fresh_env: FreshEnv, crm_leads: list[dict], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    leads = _raw_leads(crm_leads)
    assert all(len(json.loads(lead["activities"])) > 0 for lead in leads)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "leads.json").write_text(json.dumps(leads))
    (work / "params.json").write_text(json.dumps(PARAMS))
    (work / "score.py").write_text(SCORE_OUTSIDE)
    model_copy, tampered = work / "model", work / "tampered"
    shutil.copytree(model_dir, model_copy)
    shutil.copytree(model_dir, tampered)
    pickled = tampered / "artifacts" / BUNDLE_FILE
    data = bytearray(pickled.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pickled.write_bytes(bytes(data))

    done = subprocess.run([str(fresh_env.python), "score.py", str(model_copy), str(tampered), "leads.json", "."],
                          cwd=work, env=_clean_env(fresh_env.python.parent.parent), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert not any(report["found_before"].values()), report["found_before"]
    assert Path(report["scoring"]).is_relative_to(model_copy)
    assert Path(report["features"]).is_relative_to(model_copy)
    assert "checksum mismatch" in report["refused"], report["refused"]

    monkeypatch.setattr(sys, "path", list(sys.path))
    configure(trained.tracking_uri)
    here = mlflow.pyfunc.load_model(f"models:/lead-scoring/{trained.version}")
    for name, frame in (("full", pd.DataFrame(leads)), ("minimal", pd.DataFrame(leads)[["lead_id", "created_at"]])):
        outside = pd.read_parquet(work / f"{name}.parquet")
        inside = here.predict(frame, params=PARAMS)
        assert outside["lead_id"].tolist() == inside["lead_id"].tolist() == [lead["lead_id"] for lead in leads]
        assert outside["status"].tolist() == ["ok"] * 3, outside["errors"].tolist()
        assert outside["probability"].to_numpy() == pytest.approx(inside["probability"].to_numpy(), rel=0,
                                                                   abs=1e-12)
        assert outside["score"].tolist() == inside["score"].tolist()
        assert outside["reasons"].tolist() == inside["reasons"].tolist()
    # the leads' activities and fields count: without them the same leads score differently
    full, minimal = (pd.read_parquet(work / f"{n}.parquet")["probability"] for n in ("full", "minimal"))
    assert (full - minimal).abs().max() > 1e-3
    print(f"fresh environment built in {fresh_env.seconds:.1f} s")


@pytest.fixture
def mlflow_server(model_dir: Path, fresh_env: FreshEnv, tmp_path: Path) -> Iterator[str]:
    """``mlflow models serve`` from the fresh environment, on a copy of the model outside the checkout."""
    shutil.copytree(model_dir, tmp_path / "model")
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(fresh_env.python.parent / "mlflow"), "models", "serve", "-m", str(tmp_path / "model"),
         "-h", "127.0.0.1", "-p", str(port), "--env-manager", "local"],
        cwd=tmp_path, env=_clean_env(fresh_env.python.parent.parent), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"mlflow models serve did not start: {(tmp_path / 'serve.log').read_text()[-3000:]}")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


@pytest.mark.slow
@pytest.mark.extended
def test_mlflow_models_serve_from_the_fresh_environment_answers_with_the_in_process_scores(
    trained, mlflow_server: str, crm_leads: list[dict], monkeypatch: pytest.MonkeyPatch,
) -> None:
    leads = _raw_leads(crm_leads)
    frame = pd.DataFrame(leads)
    body = {"dataframe_split": json.loads(frame.to_json(orient="split", index=False)), "params": PARAMS}
    answer = httpx.post(f"{mlflow_server}/invocations", json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    served = pd.DataFrame(answer.json()["predictions"])

    monkeypatch.setattr(sys, "path", list(sys.path))
    configure(trained.tracking_uri)
    inside = mlflow.pyfunc.load_model(f"models:/lead-scoring/{trained.version}").predict(frame, params=PARAMS)
    assert served["lead_id"].tolist() == inside["lead_id"].tolist()
    assert served["probability"].to_numpy() == pytest.approx(inside["probability"].to_numpy(), rel=0, abs=1e-12)
    assert served["score"].tolist() == inside["score"].tolist()
