"""The registry as the product uses it: checksums, aliases, the promotion gate, and failed runs."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadscore.cli import app
from scoring.artifacts import IntegrityError, load_bundle, save_bundle, sha256_of
from scoring.bundle import ScoringBundle
from training.config import TrainConfig
from training.registry import (
    CHAMPION,
    PREVIOUS,
    alias_version,
    configure,
    download_verified_bundle,
    list_versions,
    rollback,
    set_champion,
)
from training.run import train_from_files

# registry behaviour, not model quality: no settings search, few trees
QUIET = dataclasses.replace(TrainConfig(), search=False,
                            booster=dataclasses.replace(TrainConfig().booster, n_estimators=60))


def test_a_tampered_bundle_is_never_unpickled(bundle: ScoringBundle, tmp_path: Path) -> None:
    path = tmp_path / "bundle.pkl"
    sha = save_bundle(bundle, path)
    assert sha == sha256_of(path)
    assert isinstance(load_bundle(path, sha), ScoringBundle)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="checksum mismatch"):
        load_bundle(path, sha)
    with pytest.raises(IntegrityError, match="no recorded checksum"):
        load_bundle(path, "")


def test_registered_version_carries_its_checksum_and_verifies(trained, tmp_path: Path) -> None:
    configure(trained.tracking_uri)
    verified = download_verified_bundle("lead-scoring", CHAMPION, tmp_path)
    assert verified.sha256 == sha256_of(verified.bundle_path)
    assert verified.version == trained.version


def test_pyfunc_model_from_the_registry_scores_raw_leads(trained, event_data) -> None:
    configure(trained.tracking_uri)
    model = mlflow.pyfunc.load_model("models:/lead-scoring@champion")
    leads = event_data.leads.drop(columns=["source_row"]).head(5).copy()
    leads["created_at"] = leads["created_at"].map(lambda t: t.isoformat())
    leads["activities"] = "[]"
    out = model.predict(leads, params={"as_of": "2026-06-30T00:00:00+00:00", "lang": "de", "top_k": 3})
    assert len(out) == 5
    assert out["probability"].between(0, 1).all()
    assert set(out["tier"]) <= {"hot", "warm", "cold"}


@pytest.fixture
def fresh_store(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    old = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    configure(uri)
    yield uri
    if old is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = old


def _train(files: dict[str, Path], uri: str, **changes: object):
    config = dataclasses.replace(QUIET, **changes)
    return train_from_files(files["leads"], files["activities"], files["conversions"], config, tracking_uri=uri,
                            progress=lambda _: None)


@pytest.mark.slow
def test_promotion_policies_and_rollback(world_files: dict[str, Path], fresh_store: str, tmp_path: Path) -> None:
    first = _train(world_files, fresh_store)
    assert first.promoted and alias_version("lead-scoring", CHAMPION) == first.model_version

    registered_only = _train(world_files, fresh_store, promote="never")
    assert not registered_only.promoted
    assert alias_version("lead-scoring", CHAMPION) == first.model_version
    assert alias_version("lead-scoring", "challenger") == registered_only.model_version

    # same data and seed: identical metrics, so no interval says worse and the gate promotes
    same = _train(world_files, fresh_store)
    assert same.metrics == first.metrics
    assert same.promoted and same.champion_metrics["roc_auc"] == pytest.approx(first.metrics["roc_auc"])
    assert alias_version("lead-scoring", PREVIOUS) == first.model_version

    assert rollback("lead-scoring") == (same.model_version, first.model_version)
    assert alias_version("lead-scoring", CHAMPION) == first.model_version
    set_champion("lead-scoring", same.model_version)
    assert alias_version("lead-scoring", CHAMPION) == same.model_version
    assert {v.version for v in list_versions("lead-scoring")} == {first.model_version, registered_only.model_version,
                                                                  same.model_version}

    # a run that fails (a conversions file without its moment column) leaves the champion untouched
    broken = tmp_path / "conversions.csv"
    pd.DataFrame({"lead_id": ["L0000001"], "when": ["2026-06-01T00:00:00Z"]}).to_csv(broken, index=False)
    with pytest.raises(ValueError, match="converted_at"):
        _train({**world_files, "conversions": broken}, fresh_store)
    assert alias_version("lead-scoring", CHAMPION) == same.model_version
    # one conversion is too few to learn from: the points model is registered, but it was judged on nothing, so
    # it cannot take the place of a champion that was
    one = tmp_path / "one_conversion.csv"
    pd.DataFrame({"lead_id": ["L0000001"], "converted_at": ["2026-06-01T00:00:00Z"]}).to_csv(one, index=False)
    rules = _train({**world_files, "conversions": one}, fresh_store)
    assert not rules.promoted and "cannot compare" in rules.decision
    assert alias_version("lead-scoring", CHAMPION) == same.model_version
    # promoted by hand all the same, the command says what the gate had decided, and how to undo it
    by_hand = CliRunner().invoke(app, ["promote", rules.model_version], env={"MLFLOW_TRACKING_URI": fresh_store})
    assert by_hand.exit_code == 0, by_hand.output
    assert "the gate did not promote" in by_hand.output and "cannot compare" in by_hand.output
    assert "leadscore rollback" in by_hand.output
    # the points model stands in until a history can be learned from: a learned model that beat it, refitted on
    # the learned model's own evaluation leads, takes its place, though the two cannot be judged on shared leads
    learned = _train(world_files, fresh_store)
    assert learned.promoted and "beat the points model on its evaluation leads" in learned.decision
    set_champion("lead-scoring", same.model_version)

    # a version whose bundle no longer matches its checksum never becomes champion, by hand or by rollback: every
    # server started on it would refuse it
    stored = Path(mlflow.MlflowClient().get_model_version_download_uri("lead-scoring", registered_only.model_version)
                  .removeprefix("file://"))
    [bundle_file] = stored.rglob("bundle.pkl")
    data = bytearray(bundle_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bundle_file.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="does not match the recorded"):
        set_champion("lead-scoring", registered_only.model_version)
    assert alias_version("lead-scoring", CHAMPION) == same.model_version
