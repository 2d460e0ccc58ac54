"""Guard rails on every model change (#17): what a new user could do wrong, each refused or flagged.

One registry is built up step by step (module fixture) the way a data scientist's week would: a 90-day event
champion, then a 30-day retrain, then a flat table trained under the same name. Each step is judged on what
the registry holds afterwards, and on what ``leadscore promote / rollback / models`` print.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from features.loading import EventData
from leadscore.cli import app
from scoring.contract import ContractMismatch
from scoring.settings import FLAT_MODEL_NAME, MODEL_NAME
from training.config import TrainConfig
from training.flat import train_flat_from_file
from training.registry import (
    CHAMPION,
    alias_version,
    champion_history,
    configure,
    list_versions,
    rollback,
    set_champion,
    version_summary,
)
from training.run import train_from_files
from training.tracking import LoggedRun, run_summary
from training.train import screen_extras

QUIET = dataclasses.replace(TrainConfig(), search=False,
                            booster=dataclasses.replace(TrainConfig().booster, n_estimators=60, n_jobs=1))
SILENT = {"progress": lambda _: None}


def _status_column(leads: pd.DataFrame, conversions: pd.DataFrame) -> pd.Series:
    """A CRM lead status as an export shows it today: written after qualification, so it gives the outcome away."""
    converted = leads["lead_id"].isin(conversions["lead_id"])
    return pd.Series(["Qualified" if c else "Open" for c in converted], index=leads.index, dtype="str")


def test_a_lead_status_declared_as_extra_is_excluded_in_event_mode(event_data: EventData) -> None:
    leads = event_data.leads.assign(Status=_status_column(event_data.leads, event_data.conversions),
                                    Segment=event_data.leads["industry"].fillna("none").astype("str"))
    config = dataclasses.replace(QUIET, features=dataclasses.replace(
        QUIET.features, extra_columns=("Status", "Segment"), extra_categorical=("Status", "Segment")))
    data_end = pd.Timestamp(event_data.conversions["converted_at"].max())

    report = screen_extras(leads, event_data.conversions, data_end, config)

    # the status separates converters perfectly out of time; the industry alone is a weak, honest signal
    assert report.excluded == ["Status"]
    assert report["Status"].auc > 0.9
    assert any("recorded after the outcome" in reason for reason in report["Status"].reasons)
    assert report["Segment"].auc < 0.7


@dataclass
class Week:
    """The registry after each step of a data scientist's week."""

    uri: str
    first: LoggedRun  #: 90-day event model, the first champion
    shorter: LoggedRun  #: 30-day event model on the same data
    flat: LoggedRun  #: a flat table trained under the event model's name
    flat_own: LoggedRun  #: the same flat table under the default name


@pytest.fixture(scope="module")
def week(world_files: dict[str, Path], event_data: EventData, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Week]:
    folder = tmp_path_factory.mktemp("guard")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    old = os.environ.get("MLFLOW_TRACKING_URI")
    old_uri = mlflow.get_tracking_uri()
    os.environ["MLFLOW_TRACKING_URI"] = uri
    configure(uri)
    files = world_files
    try:
        first = train_from_files(files["leads"], files["activities"], files["conversions"], QUIET,
                                 tracking_uri=uri, **SILENT)
        shorter = train_from_files(files["leads"], files["activities"], files["conversions"],
                                   dataclasses.replace(QUIET, horizon_days=30), tracking_uri=uri, **SILENT)
        table = folder / "export.csv"
        leads = event_data.leads.drop(columns=["source_row"])
        leads.assign(Converted=leads["lead_id"].isin(event_data.conversions["lead_id"]).astype(int)).to_csv(
            table, index=False)
        flat = train_flat_from_file(table, dataclasses.replace(QUIET, model_name=MODEL_NAME), label="Converted",
                                    id_column="lead_id", tracking_uri=uri, **SILENT)
        flat_own = train_flat_from_file(table, QUIET, label="Converted", id_column="lead_id", tracking_uri=uri,
                                        **SILENT)
        yield Week(uri, first, shorter, flat, flat_own)
    finally:
        configure(old_uri)
        if old is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old


def _cli(args: list[str], uri: str):
    return CliRunner().invoke(app, args, env={"MLFLOW_TRACKING_URI": uri})


@pytest.mark.slow
def test_a_30_day_model_is_not_judged_against_a_90_day_champion(week: Week) -> None:
    assert week.first.promoted
    assert not week.shorter.promoted
    assert "horizon 30 days instead of 90" in week.shorter.decision


@pytest.mark.slow
def test_flat_models_are_registered_apart_and_log_no_event_settings(week: Week) -> None:
    assert week.flat_own.promoted and alias_version(FLAT_MODEL_NAME, CHAMPION) == week.flat_own.model_version
    params = mlflow.get_run(week.flat_own.run_id).data.params
    assert params["model_name"] == FLAT_MODEL_NAME
    assert not [k for k in params if k.startswith("features.") or k in ("horizon_days", "snapshot_every_days")]
    assert "horizon_days" in mlflow.get_run(week.first.run_id).data.params


@pytest.mark.slow
def test_a_flat_model_never_silently_replaces_an_event_champion(week: Week) -> None:
    assert not week.flat.promoted
    assert "mode flat instead of event" in week.flat.decision
    with pytest.raises(ContractMismatch, match="mode flat instead of event"):
        set_champion(MODEL_NAME, week.flat.model_version)

    refused = _cli(["promote", week.flat.model_version], week.uri)
    assert refused.exit_code == 2
    assert len(refused.output.strip().splitlines()) == 1 and "--force" in refused.output
    assert "Traceback" not in refused.output
    assert alias_version(MODEL_NAME, CHAMPION) == week.first.model_version


@pytest.mark.slow
def test_bad_versions_get_one_line(week: Week) -> None:
    for bad in ("99", "abc"):
        result = _cli(["promote", bad], week.uri)
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1 and "leadscore models" in result.output


@pytest.mark.slow
def test_forced_changes_and_rollback_walk_the_history_back_one_step_each(week: Week) -> None:
    assert _cli(["promote", week.flat.model_version, "--force"], week.uri).exit_code == 0
    shorter = _cli(["promote", week.shorter.model_version, "--force"], week.uri)
    # a server following the registry will not switch to a model of another contract: the command says so
    assert shorter.exit_code == 0 and "running servers keep serving" in shorter.output
    assert "restart them to serve v" + week.shorter.model_version in shorter.output
    assert champion_history(MODEL_NAME)[-3:] == [week.first.model_version, week.flat.model_version,
                                                 week.shorter.model_version]

    assert rollback(MODEL_NAME) == (week.shorter.model_version, week.flat.model_version)
    back = _cli(["rollback"], week.uri)
    assert back.exit_code == 0, back.output
    assert alias_version(MODEL_NAME, CHAMPION) == week.first.model_version  # not the version just rolled back
    nothing_earlier = _cli(["rollback"], week.uri)
    assert nothing_earlier.exit_code == 1 and len(nothing_earlier.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_models_shows_mode_horizon_and_regime(week: Week) -> None:
    shown = _cli(["models"], week.uri)
    assert shown.exit_code == 0, shown.output
    assert "event mode, 90-day horizon" in shown.output
    assert "event mode, 30-day horizon" in shown.output
    assert "flat mode, label 'Converted'" in shown.output
    assert FLAT_MODEL_NAME in shown.output


def test_a_failed_run_is_recorded_as_failed_with_its_error(world_files: dict[str, Path], tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    before = mlflow.get_tracking_uri()
    configure(uri)
    broken = tmp_path / "conversions.csv"
    pd.DataFrame({"lead_id": ["L0000001"], "when": ["2026-06-01T00:00:00Z"]}).to_csv(broken, index=False)
    with pytest.raises(ValueError, match="converted_at"):
        train_from_files(world_files["leads"], world_files["activities"], broken, QUIET, tracking_uri=uri, **SILENT)
    runs = mlflow.search_runs(experiment_names=[QUIET.experiment], output_format="list")
    configure(before)
    assert [r.info.status for r in runs] == ["FAILED"]
    assert "converted_at" in runs[0].data.tags["error"]
    assert runs[0].data.tags["mode"] == "event"


def test_a_crm_with_nothing_labelled_yet_registers_its_points_model(tmp_path: Path) -> None:
    """A CRM three months old whose every lead's horizon is still open: nothing to judge on, yet a model to
    serve (found running `leadscore train` on such an export: it failed logging a test window it did not have)."""
    from leadscore.synthetic import WorldConfig, generate_world, write_world

    files = write_world(generate_world(WorldConfig.preset("short_crm", seed=11)), tmp_path / "crm", "csv")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    before = mlflow.get_tracking_uri()
    try:
        logged = train_from_files(files["leads"], files["activities"], files["conversions"], TrainConfig(),
                                  tracking_uri=uri, **SILENT)
        listed = version_summary(list_versions(MODEL_NAME)[0])  # a row of `leadscore models`
    finally:
        configure(before)
    assert logged.promoted and "not judged on its horizon: no labelled leads yet" in logged.decision
    summary = json.loads(run_summary(logged))  # what `leadscore train` prints last (it failed on the missing AUC)
    assert summary["promoted"] and summary["model_version"] == logged.model_version
    # nothing on the 90-day horizon; the four weeks' forward check (the points model as fitted 28 days earlier)
    assert not {"roc_auc", "ece", "brier"} & summary["metrics"].keys() and "forward_check_roc_auc" in summary["metrics"]
    assert listed["roc_auc"] is None and listed["regime"].startswith("rules (checked forward over 28 days: ROC AUC")
