"""`leadscore retrain` over the small world's champion, in a copy of its registry: train → gate → shadow
scoring on the requests the score log recorded → promote or keep; a retraining that fails leaves the
champion where it was.

The score log holds what the champion served lately: 300 open leads of the world scored as of
2026-06-01, as the API would have scored them. The retraining runs on the same export, so the challenger
is a model of the same data: it must score every logged request, its scores must look like the
champion's (PSI well under 0.1) and put most leads in the same tier.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from features.batch import LeadBatch
from monitoring.scorelog import ScoreLog
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from scoring.registry import alias_version, configure
from training.config import TrainConfig
from training.monitor import load_files, open_leads
from training.retrain import SHADOW_FILE, retrain, shadow_score

LEADSCORE = [sys.executable, "-m", "leadscore.cli"]
SERVED_AT = pd.Timestamp("2026-06-01T09:00:00Z")
LOGGED = 300


@pytest.fixture(scope="module")
def registry_copy(trained, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's registry copied (its champion and runs; artifacts stay where they are), so retraining
    here moves no alias other tests read."""
    folder = tmp_path_factory.mktemp("retrain-registry")
    source = sqlite3.connect(trained.tracking_uri.removeprefix("sqlite:///"))
    target = sqlite3.connect(folder / "mlflow.db")
    source.backup(target)
    source.close()
    target.close()
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    old = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    configure(uri)
    try:
        yield uri
    finally:
        os.environ["MLFLOW_TRACKING_URI"] = old or trained.tracking_uri
        configure(trained.tracking_uri)


def _served(bundle: ScoringBundle, files: dict[str, Path]) -> pd.DataFrame:
    """What the champion answered for :data:`LOGGED` open leads as of :data:`SERVED_AT`."""
    data = load_files(bundle, files["leads"], files["activities"], files["conversions"])
    population = open_leads(bundle, data, SERVED_AT)
    features = population.features.sample(LOGGED, random_state=1)
    options = ScoringOptions(SERVED_AT, top_k=3)
    return bundle.score(features, options).frame(3).set_index(features.index).reset_index()


@pytest.fixture(scope="module")
def score_log(trained, bundle: ScoringBundle, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('scores') / 'scores.db'}"
    log = ScoreLog(url)
    log.record_frame(_served(bundle, trained.files), model_version=trained.version, as_of=SERVED_AT, source="api")
    log.close()
    return url


def test_shadow_scoring_rebuilds_each_logged_request_and_compares_with_what_was_served(
        trained, bundle: ScoringBundle, score_log: str) -> None:
    """The champion shadow-scoring its own served requests: every one rebuilt, the same scores and tiers; a
    logged lead the export does not hold is counted apart, not an error."""
    log = ScoreLog(score_log)
    logged = log.recent(SERVED_AT.to_pydatetime() - pd.Timedelta(days=3650), None)
    log.close()
    stranger = logged.iloc[[0]].assign(lead_id="L-NOT-IN-EXPORT")
    data = load_files(bundle, trained.files["leads"], trained.files["activities"], None)
    batch = LeadBatch.from_frames(data.leads, data.activities, data.activity_rows)
    shadow = shadow_score(bundle, pd.concat([logged, stranger]), batch, trained.version, 7)
    assert (shadow.requests, shadow.scored, shadow.not_in_export, shadow.compared) == (LOGGED + 1, LOGGED, 1, LOGGED)
    assert shadow.errors == []
    assert shadow.mean_challenger == pytest.approx(shadow.mean_served, rel=1e-9)
    assert shadow.tier_agreement == 1.0
    # not exactly 0: the bin edges are served values themselves, and a rescored value a rounding error
    # above its edge lands in the next bin (the served scores came through TreeSHAP, these do not)
    assert shadow.psi < 1e-3


@pytest.mark.slow
@pytest.mark.extended
def test_a_retrain_on_the_same_data_follows_the_gate_and_logs_the_shadow_metrics(
        trained, registry_copy: str, score_log: str) -> None:
    before = alias_version("lead-scoring", "champion")
    result = retrain(trained.files["leads"], trained.files["activities"], trained.files["conversions"],
                     TrainConfig(search_seconds=2), shadow_days=3650, score_db=score_log, tracking_uri=registry_copy,
                     progress=lambda _: None)
    assert result.champion_before == before == trained.version
    shadow = result.shadow
    assert shadow is not None and shadow.errors == []
    assert (shadow.requests, shadow.scored, shadow.compared) == (LOGGED, LOGGED, LOGGED)
    assert shadow.psi < 0.1  # a model of the same data scores the same population alike
    assert shadow.tier_agreement > 0.7
    # no shadow error, so the gate's verdict stands: promoted exactly when the gate said so
    gate_promoted = result.logged.decision.startswith("promoted")
    assert result.logged.promoted is gate_promoted
    assert result.champion_after == (result.logged.model_version if gate_promoted else before)
    run = MlflowClient().get_run(result.logged.run_id)
    assert run.data.metrics["shadow_scored"] == LOGGED
    assert run.data.metrics["shadow_psi"] == pytest.approx(shadow.psi)
    assert run.data.tags["promotion"] == result.logged.decision
    assert f"shadow: {LOGGED} of {LOGGED} logged requests scored" in result.logged.decision
    assert SHADOW_FILE in {a.path for a in MlflowClient().list_artifacts(result.logged.run_id)}


@pytest.mark.slow
@pytest.mark.extended
def test_a_retrain_that_fails_leaves_the_champion_and_says_why_in_one_line(
        trained, registry_copy: str, score_log: str, tmp_path: Path) -> None:
    before = alias_version("lead-scoring", "champion")
    broken = tmp_path / "conversions.csv"
    broken.write_text("lead_id,when\nL0000001,2026-01-01\n")  # no converted_at column
    done = subprocess.run([*LEADSCORE, "retrain", "--leads", str(trained.files["leads"]), "--activities",
                           str(trained.files["activities"]), "--conversions", str(broken), "--score-db", score_log],
                          cwd=tmp_path, text=True, capture_output=True, timeout=600,
                          env={**os.environ, "MLFLOW_TRACKING_URI": registry_copy})
    assert done.returncode == 2  # bad input
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "retraining failed, the champion is unchanged" in errors[0]
    assert "converted_at" in errors[0]
    assert alias_version("lead-scoring", "champion") == before
    failed = MlflowClient().search_runs([MlflowClient().get_experiment_by_name("lead-scoring").experiment_id],
                                        "attributes.status = 'FAILED'", order_by=["attributes.start_time DESC"])
    assert failed and "converted_at" in failed[0].data.tags["error"]
