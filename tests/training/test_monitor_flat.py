"""`leadscore monitor --table` on a flat-mode champion: the rows of a later table scored as `score --table` scores
them, their drift against the training run's held-out rows, and, where the table's outcome column is filled in,
the scores checked against what came true.

The champion learns from the synthetic export's first 1,200 leads by creation time; the checks read its last 300,
drawn from the same process, so nothing drifts and the calibrated scores come true. With half of those leads'
wins recorded as lost (a CRM that stopped recording deals won), the scores no longer come true; the same, with
the scores `score --table` served read back from the score log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from flat_export import flat_export
from typer.testing import CliRunner

from leadscore.cli import app
from training.config import BoosterParams, TrainConfig
from training.flat import train_flat_from_file
from training.monitor import EXIT_DRIFT
from training.registry import configure

MODEL = "flat-monitored"
TRAINED = 1_200  #: the earliest leads, by creation time, the champion learns from


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("flat_monitor")
    export = flat_export().sort_values("Created", kind="stable").drop(columns=["Sales Status"])
    export.iloc[:TRAINED].to_csv(folder / "train.csv", index=False)
    later = export.iloc[TRAINED:]
    later.to_csv(folder / "later.csv", index=False)
    uri = configure(f"sqlite:///{folder / 'mlflow.db'}")
    config = TrainConfig(experiment="flat-monitor", model_name=MODEL, booster=BoosterParams(n_jobs=1), search=False)
    run = train_flat_from_file(folder / "train.csv", config, label="Won", id_column="Lead ID", time_column="Created",
                               tracking_uri=uri, progress=lambda _: None)
    assert run.promoted
    return {"folder": folder, "uri": uri, "later": later}


def _monitor(world: dict[str, object], table: Path, *extra: str):
    folder: Path = world["folder"]  # type: ignore[assignment]
    args = ["monitor", "--table", str(table), "--model-name", MODEL, "--report", str(folder / f"{table.stem}.html"),
            *extra]
    done = CliRunner().invoke(app, args, env={"MLFLOW_TRACKING_URI": str(world["uri"])})
    return done, _summary(done)


def _summary(done) -> dict:
    """The JSON line `monitor` prints last on stdout ({} when it printed none)."""
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def test_later_leads_of_the_same_process_neither_drift_nor_miss_their_scores(world) -> None:
    done, summary = _monitor(world, world["folder"] / "later.csv")
    assert done.exit_code == 0, done.output
    assert summary["rows"] == 300 and summary["exceeded"] is False
    realised = summary["realised"]
    assert realised["evaluated"] == 300  # every row's outcome is in the table
    # the same process as the training leads: as many wins as the calibrated scores expected, within the noise
    assert abs(realised["surprise"]) < 3 and summary["outcome_off"] is False
    # the outcome follows channel, visits and time on site by construction: the model ranks the later leads well
    # above chance (0.81 when written)
    assert realised["roc_auc"] > 0.72
    assert realised["conversions"] == (world["later"]["Won"] == "yes").sum()
    page = (world["folder"] / "later.html").read_text(encoding="utf-8")
    assert "300 rows checked" in page and "held-out rows of the training run" in page


def test_half_of_the_wins_recorded_as_lost_is_an_alert(world) -> None:
    later: pd.DataFrame = world["later"].copy()
    won = later.index[later["Won"] == "yes"]
    later.loc[won[::2], "Won"] = "no"
    path = world["folder"] / "halved.csv"
    later.to_csv(path, index=False)

    done, summary = _monitor(world, path)

    assert done.exit_code == EXIT_DRIFT, done.output
    assert summary["exceeded"] is False and summary["outcome_off"] is True  # the leads did not change: the outcomes did
    realised = summary["realised"]
    assert 0.35 < realised["conversions"] / realised["expected"] < 0.65 and realised["surprise"] < -3
    assert "the scores no longer come true" in done.output


def test_a_table_without_outcomes_gets_drift_only_and_undecided_rows_are_left_out(world) -> None:
    later: pd.DataFrame = world["later"]
    path = world["folder"] / "no_outcome.csv"
    later.drop(columns=["Won"]).to_csv(path, index=False)
    done, summary = _monitor(world, path)
    assert done.exit_code == 0, done.output
    assert "realised" not in summary and summary["rows"] == 300

    undecided = later.copy()
    undecided.loc[undecided.index[:100], "Won"] = ""
    path = world["folder"] / "undecided.csv"
    undecided.to_csv(path, index=False)
    done, summary = _monitor(world, path)
    assert done.exit_code == 0, done.output
    assert summary["rows"] == 300 and summary["realised"]["evaluated"] == 200  # scored all, checked the decided


def test_event_mode_options_for_a_flat_champion_are_a_one_line_error(world) -> None:
    done = CliRunner().invoke(app, ["monitor", "--leads", str(world["folder"] / "later.csv"), "--model-name", MODEL,
                                    "--report", str(world["folder"] / "x.html")],
                              env={"MLFLOW_TRACKING_URI": str(world["uri"])})
    assert done.exit_code == 2
    assert "trained on a flat table: check it with --table" in done.output
    assert "Traceback" not in done.output


def test_the_scores_served_are_checked_from_the_score_log_against_the_table_s_outcomes(world, tmp_path: Path) -> None:
    """The production loop: `score --table` serves the later leads (outcomes unknown then) and logs the scores;
    a later export of the same leads, with half of their wins recorded as lost, is the truth they are checked
    against. The served probabilities are the ones judged, not a rescoring."""
    later: pd.DataFrame = world["later"]
    unknown = tmp_path / "to_score.csv"
    later.drop(columns=["Won"]).to_csv(unknown, index=False)
    env = {"MLFLOW_TRACKING_URI": str(world["uri"]), "LEADSCORE_SCORE_DB": f"sqlite:///{tmp_path / 'scores.db'}"}
    scored = CliRunner().invoke(app, ["score", "--table", str(unknown), "--out", str(tmp_path / "scores.csv"),
                                      "--model", f"models:/{MODEL}@champion"], env=env)
    assert scored.exit_code == 0, scored.output
    served = pd.read_csv(tmp_path / "scores.csv")
    truth = later.copy()
    won = truth.index[truth["Won"] == "yes"]
    truth.loc[won[::2], "Won"] = "no"
    truth.to_csv(tmp_path / "truth.csv", index=False)

    done = CliRunner().invoke(app, ["monitor", "--from-log", "--since", "1", "--table", str(tmp_path / "truth.csv"),
                                    "--model-name", MODEL, "--report", str(tmp_path / "log.html")], env=env)

    assert done.exit_code == EXIT_DRIFT, done.output
    summary = _summary(done)
    assert summary["rows"] == 300 and summary["outcome_off"] is True
    realised = summary["realised"]
    assert realised["expected"] == pytest.approx(served["probability"].sum(), abs=0.01)  # the served probabilities
    assert realised["conversions"] == (truth["Won"] == "yes").sum()


def test_a_version_the_gate_kept_out_is_judged_on_the_same_outcomes_with_model(world, tmp_path: Path) -> None:
    """`--model` checks another version than the champion, so a version kept out by the gate ("cannot compare",
    "too few conversions") can be judged beside it once outcomes are known."""
    folder: Path = world["folder"]  # type: ignore[assignment]
    pd.read_csv(folder / "train.csv", dtype=str, keep_default_na=False).iloc[:600].to_csv(tmp_path / "t.csv",
                                                                                            index=False)
    config = TrainConfig(experiment="flat-monitor", model_name=MODEL, booster=BoosterParams(n_jobs=1), search=False,
                         promote="never")
    other = train_flat_from_file(tmp_path / "t.csv", config, label="Won", id_column="Lead ID", time_column="Created",
                                 tracking_uri=str(world["uri"]), progress=lambda _: None)
    _, champion = _monitor(world, folder / "later.csv")

    done, summary = _monitor(world, folder / "later.csv", "--model", f"models:/{MODEL}/{other.model_version}")

    assert done.exit_code in (0, EXIT_DRIFT), done.output
    assert summary["model"] == f"{MODEL} v{other.model_version}" != champion["model"]
    # the same 300 outcomes, another model's probabilities
    assert summary["realised"]["conversions"] == champion["realised"]["conversions"]
    assert summary["realised"]["expected"] != champion["realised"]["expected"]
