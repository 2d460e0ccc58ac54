"""The `leadscore` command as a new user runs it: generate → train → score → models, in a fresh folder.

The journey runs the command in processes of its own, as a user starts it; the other checks run its ``main``
in the test's process (:mod:`cli_runs`), the same exit codes and one-line errors without an interpreter start.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_runs import run_cli as _run
from cli_runs import spawn_cli as _spawn
from typer.testing import CliRunner

from leadscore.cli import app


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with no MLflow store: the CLI must create its SQLite store there."""
    folder = tmp_path_factory.mktemp("project")
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    return folder


@pytest.mark.slow
def test_generate_train_score_and_list_models_from_the_command_line(project: Path) -> None:
    env = {"MLFLOW_TRACKING_URI": ""}
    generated = _spawn(["generate", "--out", "data", "--leads", "3000", "--seed", "5"], project, env)
    assert generated.returncode == 0, generated.stderr
    paths = json.loads(generated.stdout.strip().splitlines()[-1])
    assert set(paths) == {"leads", "activities", "conversions", "truth"}
    # what real exports hold: a typo that puts a row two centuries ahead, and a totals line at the end
    leads = pd.read_csv(project / "data/leads.csv", dtype=str)
    typo = leads.head(1).assign(lead_id="TYPO", created_at="2205-01-10T09:00:00Z")
    pd.concat([leads, typo]).to_csv(project / "data/leads.csv", index=False)
    with open(project / "data/leads.csv", "a", encoding="utf-8") as handle:
        handle.write(f"Total,{len(leads)}\n")
    activities = pd.read_csv(project / "data/activities.csv", dtype=str)
    late = activities.head(1).assign(occurred_at="2205-02-01T10:00:00Z")
    pd.concat([activities, late]).to_csv(project / "data/activities.csv", index=False)

    trained = _spawn(["train", "--leads", "data/leads.csv", "--activities", "data/activities.csv",
                      "--conversions", "data/conversions.csv", "--horizon-days", "90", "--search-seconds", "1"],
                     project, env)
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout.strip().splitlines()[-1])  # the last line is one JSON object
    assert summary["model_version"] == "1" and summary["promoted"]
    assert 0.5 < summary["metrics"]["roc_auc"] <= 1 and summary["run_id"]
    assert (project / "mlflow.db").exists()  # embedded default: SQLite in the working folder
    # the typos are rejected by name (one such date would stretch the history's snapshots over two centuries)
    assert "'2205-01-10T09:00:00Z' lies after" in trained.stderr and "in the future: a typo?" in trained.stderr
    assert "created_at: unparseable timestamp '3000'" in trained.stderr

    scored = _spawn(["score", "--leads", "data/leads.csv", "--activities", "data/activities.csv", "--out",
                     "scores.csv", "--as-of", "2026-06-30T00:00:00", "--lang", "de"], project, env)
    assert scored.returncode == 0, scored.stderr
    out = pd.read_csv(project / "scores.csv")
    assert len(out) == len(leads) + 2  # the typo's and the totals line's rows are error rows
    # with the conversions file, the leads that are customers by then get an error row instead of a score
    customers = _spawn(["score", "--leads", "data/leads.csv", "--activities", "data/activities.csv",
                        "--conversions", "data/conversions.csv", "--out", "open.csv", "--as-of", "30.06.2026"],
                       project, env)  # German
    assert customers.returncode == 0, customers.stderr
    conversions = pd.read_csv(project / "data/conversions.csv", dtype=str)
    converted = set(conversions.loc[pd.to_datetime(conversions["converted_at"], utc=True)
                                    <= pd.Timestamp("2026-06-30", tz="UTC"), "lead_id"])
    refused = pd.read_csv(project / "open.csv", dtype={"lead_id": str})
    assert len(refused) == len(out) and len(converted) > 100
    assert set(refused.loc[refused["error"].str.contains("converted", na=False), "lead_id"]) == converted
    assert (project / "models" / "lead-scoring").is_dir()  # the verified local copy

    listed = _spawn(["models"], project, env)
    assert listed.returncode == 0 and "champion" in listed.stdout


def test_train_without_required_files_fails_with_a_message(project: Path) -> None:
    result = _run(["train", "--activities", "nowhere.csv"], project)
    assert result.returncode != 0 and "needs --leads and --conversions" in result.stderr
    result = _run(["train", "--leads", "nowhere.csv"], project)
    assert result.returncode != 0 and "nowhere.csv" in result.stderr and "Traceback" not in result.stderr


def test_train_on_a_file_missing_a_required_column_names_file_and_column(project: Path) -> None:
    (project / "bad_leads.csv").write_text("number,last_modified\n1,2024-01-01\n")
    (project / "conv.csv").write_text("lead_id,converted_at\n1,2024-02-01\n")
    result = _run(["train", "--leads", "bad_leads.csv", "--conversions", "conv.csv"], project)
    assert result.returncode == 2  # bad input
    assert "bad_leads.csv" in result.stderr and "lead_id" in result.stderr
    assert "champion is unchanged" in result.stderr


def test_a_status_outcome_without_converted_values_is_one_line_saying_which_option_to_give(project: Path) -> None:
    (project / "stages.csv").write_text("id,visits,Stage\n1,3,Won\n2,1,Lost\n3,2,Open\n")
    result = _run(["train", "--table", "stages.csv", "--label", "Stage"], project)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "'Won' (1), 'Lost' (1), 'Open' (1)" in result.stderr and "`--converted`" in result.stderr
    result = _run(["train", "--table", "stages.csv", "--label", "Stage", "--converted", "Wonn"], project)
    assert result.returncode == 2 and "never holds 'Wonn'" in result.stderr
    # refused before anything is read (in process: a third interpreter start would add nothing to check)
    event = CliRunner().invoke(app, ["train", "--leads", "x.csv", "--conversions", "x.csv", "--converted", "Won"])
    assert event.exit_code == 2 and "give --table and --label" in event.output
    mapped = CliRunner().invoke(app, ["train", "--table", "x.csv", "--label", "Stage", "--mapping", "hubspot"])
    assert mapped.exit_code == 2 and "--mapping reads event-mode exports" in mapped.output


def test_a_mapping_that_is_neither_a_vendor_nor_a_readable_file_is_one_line_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text("lead_id,created_at\nL1,2024-03-01\n")
    (tmp_path / "bad.toml").write_text("[leads.columns]\nlead = 'Nr'\n")
    for mapping, says in (("pipedrive", "unknown mapping 'pipedrive'"), (str(tmp_path / "bad.toml"), "'lead' is not")):
        result = CliRunner().invoke(app, ["score", "--leads", str(tmp_path / "leads.csv"), "--mapping", mapping,
                                          "--out", str(tmp_path / "o.csv"), "--model", "models:/nowhere/1"])
        assert result.exit_code == 2 and says in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1  # one line, no traceback


def test_an_option_value_out_of_range_is_one_line_naming_the_option_with_exit_2(project: Path) -> None:
    """What the option parser refuses reads like every other error: one line, the option, where to look."""
    for args, says in ((["score", "--lang", "fr", "--leads", "x.csv"], "Invalid value for '--lang'"),
                       (["train", "--horizon-days", "0", "--leads", "x.csv"], "Invalid value for '--horizon-days'"),
                       (["score", "--as-of", "31.13.2026", "--leads", "x.csv", "--out", "o.csv"],
                        "Invalid value for '--as-of': '31.13.2026': expected ISO 8601"),
                       (["nosuch"], "No such command 'nosuch'")):
        result = _run(args, project)
        assert result.returncode == 2, (args, result.stderr)
        assert says in result.stderr and "--help` lists the options" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1  # no usage box, no traceback


def test_an_option_of_one_value_given_twice_is_refused_not_half_read(project: Path) -> None:
    """The parser kept the second --activities and dropped the first in silence; options that take several
    values (--drop, --keep, --extra) still may be repeated."""
    result = _run(["score", "--leads", "a.csv", "--activities", "marketo.csv", "--activities", "crm.csv",
                   "--out", "o.csv"], project)
    assert result.returncode == 2 and "--activities was given twice; it takes one value" in result.stderr
    repeated = _run(["train", "--table", "none.csv", "--label", "y", "--drop", "a", "--drop", "b"], project)
    assert "given twice" not in repeated.stderr and "none.csv" in repeated.stderr


@pytest.mark.parametrize("args", [["promote", "--help"], ["promote", "99"], ["promote", "99", "--force"]])
def test_a_command_with_a_positional_argument_starts(project: Path, args: list[str]) -> None:
    """The check for options given twice read every parameter as an option: `leadscore promote 2`, the command
    a kept champion's message tells the user to run, ended in a traceback ('TyperArgument' … 'is_flag')."""
    result = _run(args, project, {"LEADSCORE_HOME": str(project / "no-models")})
    assert "Traceback" not in result.stderr and "is_flag" not in result.stderr
    assert result.returncode == 0 if "--help" in args else "has no version 99" in result.stderr


def test_models_without_a_name_names_the_models_the_registry_does_hold(tmp_path: Path) -> None:
    import mlflow

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    mlflow.MlflowClient(uri, registry_uri=uri).create_registered_model("crm-eu")  # trained with --model-name
    result = _spawn(["models"], tmp_path, {"MLFLOW_TRACKING_URI": uri})  # a process of its own: its own registry
    assert result.returncode == 1
    assert "this registry holds crm-eu; list one with --model-name NAME" in " ".join(result.stderr.split())


def test_score_refuses_both_kinds_of_input_at_once_and_a_folder_for_a_file(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("id,visits\n1,3\n")
    both = CliRunner().invoke(app, ["score", "--table", str(tmp_path / "t.csv"), "--leads", str(tmp_path / "t.csv"),
                                    "--out", str(tmp_path / "o.csv")])
    assert both.exit_code == 2 and "not both" in both.output
    folder = CliRunner().invoke(app, ["score", "--leads", str(tmp_path), "--out", str(tmp_path / "o.csv")])
    assert folder.exit_code == 2 and "is a folder: give the file in it" in folder.output


def test_the_spark_engine_given_a_csv_says_it_reads_parquet_before_spark_starts(tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text("lead_id,created_at\nL1,2024-03-01\n")
    for command in (["score", "--out", str(tmp_path / "o")], ["train", "--conversions", str(tmp_path / "c.parquet")]):
        result = CliRunner().invoke(app, [*command, "--engine", "spark", "--leads", str(tmp_path / "leads.csv")])
        assert result.exit_code == 2 and "--engine spark reads Parquet: leads.csv is not" in result.output


def test_a_flat_label_written_in_another_case_is_named_in_the_error(project: Path) -> None:
    (project / "cased.csv").write_text("id,visits,Converted\n1,3,1\n2,1,0\n")
    result = _run(["train", "--table", "cased.csv", "--label", "converted"], project)
    assert result.returncode == 2 and "did you mean 'Converted'?" in result.stderr


def test_serve_refuses_to_start_without_a_token(project: Path) -> None:
    result = _run(["serve"], project, {"LEADSCORE_API_TOKEN": ""})
    assert result.returncode == 1 and "LEADSCORE_API_TOKEN" in result.stderr


def test_features_prints_the_catalogue_in_german(project: Path) -> None:
    result = _run(["features", "--lang", "de"], project)
    assert result.returncode == 0 and "| Merkmal | Gruppe | Bedeutung |" in result.stdout


def test_features_of_a_file_name_the_activity_types_it_counts_as_other_as_the_export_writes_them(
        project: Path) -> None:
    """A tester could find which of their types were read as 'other' only by training; `features` said nothing."""
    (project / "f_leads.csv").write_text("lead_id,created_at\nL1,2026-01-01\n")
    (project / "f_activities.csv").write_text("lead_id,occurred_at,activity_type\nL1,2026-01-05,Chat Started\n"
                                              "L1,2026-01-06,Attend Event\n")
    result = _run(["features", "--leads", "f_leads.csv", "--activities", "f_activities.csv", "--out", "f.csv",
                   "--as-of", "2026-01-10"], project)
    assert result.returncode == 0, result.stderr
    assert "Unknown activity types (kept, counted as 'other'): Chat Started (1)" in result.stderr
    assert "Attend Event" not in result.stderr  # a Marketo event attended is read as the webinar attendance it is


def test_a_project_without_a_model_never_scores_with_a_copy_kept_in_another_folder(trained, tmp_path: Path) -> None:
    """The verified copies live in the project folder (LEADSCORE_HOME), and stand in only for a registry that
    cannot be reached: a registry that answers "no such model" is believed, whatever folder one stands in."""
    from serving.loader import load_model

    load_model("models:/lead-scoring@champion", tmp_path / "models", trained.tracking_uri)  # a copy in ./models
    (tmp_path / "leads.csv").write_text("lead_id,created_at\nL1,2026-01-01\n")
    env = {"LEADSCORE_HOME": str(tmp_path / "fresh"), "MLFLOW_TRACKING_URI": "", "LEADSCORE_MODEL_CACHE": ""}
    result = _run(["score", "--leads", "leads.csv", "--out", "o.csv"], tmp_path, env)
    assert result.returncode == 1 and not (tmp_path / "o.csv").exists()
    assert "the registry has no such model" in result.stderr and "LEADSCORE_HOME" in result.stderr


@pytest.mark.slow
def test_serve_stops_with_a_clear_message_when_the_model_file_was_tampered_with(trained, tmp_path: Path) -> None:
    store_artifacts = list(Path(trained.store).rglob("bundle.pkl"))
    assert store_artifacts, "the trained fixture's store holds the registered bundle"
    target = store_artifacts[0]
    original = target.read_bytes()
    try:
        target.write_bytes(original[:-10] + b"0123456789")  # same size, different bytes
        result = _run(["serve", "--no-auth", "--model", f"models:/lead-scoring/{trained.version}"], tmp_path,
                      {"MLFLOW_TRACKING_URI": trained.tracking_uri, "LEADSCORE_MODEL_CACHE": str(tmp_path / "m")})
    finally:
        target.write_bytes(original)
    assert result.returncode == 1
    assert "checksum" in result.stderr and "refusing to load" in result.stderr


def test_score_with_a_table_uses_the_flat_champion_without_naming_it(tmp_path: Path) -> None:
    # `train --table` registers the flat model under its own name: `score --table` finds it by itself
    rng = np.random.default_rng(3)
    visits = rng.integers(0, 20, 1200)
    converted = (rng.random(1200) < 1 / (1 + np.exp(3 - 0.3 * visits))).astype(int)
    table = pd.DataFrame({"id": [f"P{i}" for i in range(1200)], "visits": visits, "Converted": converted})
    table.iloc[:1000].to_csv(tmp_path / "train.csv", index=False)
    table.iloc[1000:].drop(columns=["Converted"]).to_csv(tmp_path / "new.csv", index=False)
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}", "LEADSCORE_HOME": str(tmp_path)}
    trained = _run(["train", "--table", "train.csv", "--label", "Converted", "--id", "id", "--search-seconds",
                    "0.001"], tmp_path, env)
    assert trained.returncode == 0, trained.stderr
    assert "the settings search tried 1 of" in trained.stderr  # a tiny budget chose nothing on the data: it says so
    scored = _run(["score", "--table", "new.csv", "--out", "scores.csv"], tmp_path, env)
    assert scored.returncode == 0, scored.stderr
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert len(scores) == 200 and scores["error"].isna().all()
    assert scores.groupby(table.iloc[1000:]["visits"].to_numpy() >= 10)["probability"].mean().diff().iloc[-1] > 0
    # the flat model's own kind of file says nothing more; one that lost the column the model learned from says so
    assert "note:" not in scored.stderr
    table.iloc[1000:].drop(columns=["Converted"]).rename(columns={"visits": "Visits"}).to_csv(tmp_path / "v.csv",
                                                                                                index=False)
    renamed = _run(["score", "--table", "v.csv", "--out", "scores_v.csv"], tmp_path, env)
    assert renamed.returncode == 0 and "missing for every lead here" in renamed.stderr
    assert "visits (100%)" in renamed.stderr and "(columns not read: 'Visits')" in renamed.stderr
    # its score card tells the same number as the score file (before: the row was read as an event-mode lead
    # with nothing given, and the card showed another probability, exit 0)
    card = _run(["explain", "--table", "new.csv", "--lead-id", "P1007", "--out", "card.html"], tmp_path, env)
    assert card.returncode == 0, card.stderr
    shown = re.search(r'id="probability">([\d.]+)', (tmp_path / "card.html").read_text()).group(1)
    probability = scores.set_index("lead_id").loc["P1007", "probability"]
    assert abs(float(shown) - 100 * probability) <= 0.05, (shown, probability)  # the card rounds to 0.1 %
    assert "days)" not in (tmp_path / "card.html").read_text()  # a flat outcome has no horizon
    wrong_door = _run(["explain", "--leads", "new.csv", "--lead-id", "P1007", "--out", "c.html", "--model",
                       "models:/lead-scoring-flat/1"], tmp_path, env)
    assert wrong_door.returncode == 2 and "give the lead's table with --table" in wrong_door.stderr
    # an event-mode file for a flat model is refused, naming the option to use
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nL1,2026-01-01\n")
    event_file = _run(["score", "--leads", "leads.csv", "--out", "o.csv", "--model", "models:/lead-scoring-flat/1"],
                      tmp_path, env)
    assert event_file.returncode == 2 and "trained on a flat table: score with --table" in event_file.stderr


def test_score_of_a_file_it_cannot_read_a_single_lead_of_exits_2_naming_the_common_error(trained, tmp_path: Path,
                                                                                        monkeypatch) -> None:
    """An incremental US export of December 1–12 shows no date order (no number over 12) to a model trained on
    ISO dates: every row is an error row. The file is written (one row per input row), and the command says so
    with exit 2, so that a nightly job does not report success."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", trained.tracking_uri)
    monkeypatch.setenv("LEADSCORE_MODEL_CACHE", str(tmp_path / "m"))
    (tmp_path / "leads.csv").write_text("lead_id,created_at\nL1,12/01/2024 9:00 AM\nL2,12/02/2024 10:00 AM\n"
                                        "L3,12/03/2024 11:00 AM\n")

    result = CliRunner().invoke(app, ["score", "--leads", str(tmp_path / "leads.csv"), "--out",
                                      str(tmp_path / "o.csv"), "--as-of", "2024-12-13T00:00:00Z"])

    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert "no lead of 3 could be scored (3 rows: created_at: " in line and "month or day first?" in line
    assert pd.read_csv(tmp_path / "o.csv")["error"].notna().sum() == 3


def test_serve_on_a_port_another_server_holds_is_one_line_before_any_model_is_loaded() -> None:
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--no-auth", "--port", str(port), "--model", "models:/nowhere/1"])

    assert result.exit_code == 2, result.output
    assert f"cannot serve on 127.0.0.1:{port}" in result.output and "choose another --port" in result.output
    assert len(result.output.strip().splitlines()) == 1  # no traceback
