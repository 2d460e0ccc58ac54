"""`leadscore monitor` on the small world's champion: the training run's reference profile, an injected
drift flagged with exit code 3, a sample of the same world at another moment not flagged, realised
conversion per tier from a later conversions file (and an alert when half of it is gone), and the same check
from the score log.

The reference is the leads open at the end of the champion's data (the small world's export) and at each of
the three weeks before it. The checks score the open leads of 2026-03-01, months earlier: the same population,
so nothing reaches 0.25; the injected drift (40 % of leads relabelled "Retail", every page view doubled) is the
same files and moment with those two edits, so whatever is flagged there and not here is the injection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from cli_runs import run_cli
from mlflow import MlflowClient
from typer.testing import CliRunner

from leadscore.cli import app
from monitoring.scorelog import ScoreLog
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from training.monitor import EXIT_DRIFT, load_files, open_leads, run_monitor
from training.reference import load_reference_profile

AS_OF = "2026-03-01T00:00:00+00:00"
SHIFTED_SHARE = 0.4  #: of the leads, given the industry "Retail" (about 6 % of the open leads have it)


@dataclass
class Checked:
    returncode: int
    summary: dict
    stderr: str
    report: Path


def _monitor(files: dict[str, Path], folder: Path, tracking_uri: str, name: str) -> Checked:
    report = folder / f"{name}.html"
    args = ["monitor", "--leads", str(files["leads"]), "--activities", str(files["activities"]),
            "--conversions", str(files["conversions"]), "--as-of", AS_OF, "--report", str(report)]
    done = run_cli(args, folder, {"MLFLOW_TRACKING_URI": tracking_uri})
    lines = done.stdout.strip().splitlines()
    return Checked(done.returncode, json.loads(lines[-1]) if lines else {}, done.stderr, report)


def _drifted_world(files: dict[str, Path], folder: Path) -> dict[str, Path]:
    """The world's files with a shifted industry mix and every page view recorded twice (one minute apart,
    so they are two visits, not a duplicated row)."""
    leads = pd.read_csv(files["leads"], dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    leads.loc[rng.random(len(leads)) < SHIFTED_SHARE, "industry"] = "Retail"
    activities = pd.read_csv(files["activities"], dtype=str, keep_default_na=False)
    views = activities[activities["activity_type"] == "page_view"].copy()
    views["occurred_at"] = (pd.to_datetime(views["occurred_at"], utc=True, format="ISO8601")
                            - pd.Timedelta(minutes=1)).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {"leads": folder / "leads.csv", "activities": folder / "activities.csv",
           "conversions": files["conversions"]}
    leads.to_csv(out["leads"], index=False)
    pd.concat([activities, views]).to_csv(out["activities"], index=False)
    return out


@pytest.fixture(scope="module")
def checks(trained, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Checked]:
    folder = tmp_path_factory.mktemp("monitor")
    drifted = _drifted_world(trained.files, tmp_path_factory.mktemp("drifted"))
    return {"same": _monitor(trained.files, folder, trained.tracking_uri, "same"),
            "drifted": _monitor(drifted, folder, trained.tracking_uri, "drifted")}


def test_the_training_run_logs_the_profile_of_the_leads_open_at_the_end_of_its_data(trained, event_data,
                                                                                     bundle: ScoringBundle) -> None:
    """What the model scores first, at the end and each of the three weeks before it (a 7-day count depends on
    whether a campaign went out that week). The latest evaluation moment's open leads, a horizon earlier, were
    the reference before: a tester's 7-month CRM was flagged (lead age PSI 0.86) at the moment it was trained on."""
    mlflow.set_tracking_uri(trained.tracking_uri)  # another module's store may be the current one
    profile = load_reference_profile(trained.run_id, trained.version)
    leads, conversions = event_data.leads, event_data.conversions
    end = max(leads["created_at"].max(), event_data.activities["occurred_at"].max(),
              conversions["converted_at"].max()).ceil("D")
    converted_at = leads[["lead_id"]].merge(conversions, how="left")["converted_at"]
    open_at = [((leads["created_at"] < moment) & ~(converted_at <= moment)).sum()
               for moment in (end - pd.Timedelta(days=7 * weeks) for weeks in range(4))]
    assert profile.rows == sum(open_at)  # the export's leads not converted by each of the four moments
    assert set(profile.features) == set(bundle.catalogue.names)
    assert sum(profile.score.shares) == pytest.approx(1.0)
    # the score's bins are the served model's deciles: about a tenth of the leads each
    assert max(profile.score.shares) < 0.2


@pytest.mark.slow
def test_an_injected_drift_is_flagged_and_exits_3(checks: dict[str, Checked]) -> None:
    drifted = checks["drifted"]
    assert drifted.returncode == EXIT_DRIFT, drifted.stderr
    assert drifted.summary["exceeded"] is True
    flagged = drifted.summary["flagged"]
    # Retail goes from ~6 % to ~44 % of the open leads: (0.44 − 0.06)·ln(0.44/0.06) ≈ 0.75 from that bin
    # alone, plus the shares taken from every other industry
    assert flagged["industry"] > 0.5
    # a lead with one page view in 90 days (a quarter of them) now has two: the reference's "0 – 1" bin empties
    page_views = {k: v for k, v in flagged.items() if "page_view" in k and "pricing" not in k}
    assert page_views and max(page_views.values()) > 1.0, flagged
    assert "drift:" in drifted.stderr
    # the line under "PSI ≥ 0.25" names only what reached it
    named = drifted.stderr.split("drift:")[1].split("(", 1)[1].rsplit(")", 1)[0]
    assert all(float(part.rsplit(" ", 1)[1]) >= 0.25 for part in named.split(", ")), named
    assert "industry" in drifted.report.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_sample_of_the_same_world_a_month_earlier_is_not_flagged(checks: dict[str, Checked]) -> None:
    same = checks["same"]
    assert same.returncode == 0, same.stderr
    assert same.summary["exceeded"] is False
    assert same.summary["max_psi"] < 0.25
    assert same.summary["psi_score"] < 0.1  # the score moves least: it sums many features' small moves
    assert same.summary["rows"] > 3000  # the open leads of 2026-03-01, against ~3,800 in the reference
    # the drift injection is what makes the difference
    assert checks["drifted"].summary["flagged"]["industry"] > 10 * same.summary["max_psi"] or \
        "industry" not in same.summary["flagged"]


@pytest.mark.slow
def test_realised_conversion_per_tier_from_a_later_conversions_file(checks: dict[str, Checked]) -> None:
    realised = checks["same"].summary["realised"]
    # every lead open on 2026-03-01 has had its 90 days by the export (2026-06-30): all checkable
    assert realised["evaluated"] == checks["same"].summary["rows"]
    assert 100 < realised["conversions"] < 0.15 * realised["evaluated"]
    rates = realised["tiers"]
    assert rates["hot"] > 2 * rates["warm"] > 2 * rates["cold"] > 0
    assert realised["ece"] < 0.05  # calibrated: the served probabilities are the rates that came true
    # and as many came as they promised: no alert on outcomes
    assert checks["same"].summary["outcome_off"] is False and abs(realised["surprise"]) < 3


def test_a_conversions_export_with_half_of_the_later_conversions_gone_is_an_alert(trained, tmp_path: Path) -> None:
    """A CRM that stopped recording half of its conversions, or a market where half as many leads convert: the
    same leads, scored the same, no drift, but the scores no longer come true. The monitor says so and exits 3."""
    conversions = pd.read_csv(trained.files["conversions"], dtype=str, keep_default_na=False)
    later = pd.to_datetime(conversions["converted_at"], utc=True, format="ISO8601") > pd.Timestamp(AS_OF)
    gone = later & (np.arange(len(conversions)) % 2 == 0)
    halved = tmp_path / "conversions.csv"
    conversions[~gone].to_csv(halved, index=False)
    args = ["monitor", "--leads", str(trained.files["leads"]), "--activities", str(trained.files["activities"]),
            "--conversions", str(halved), "--as-of", AS_OF, "--report", str(tmp_path / "halved.html")]

    done = CliRunner().invoke(app, args, env={"MLFLOW_TRACKING_URI": trained.tracking_uri})

    assert done.exit_code == EXIT_DRIFT, done.output
    summary = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    assert summary["exceeded"] is False and summary["outcome_off"] is True  # nothing drifted: the outcomes did
    realised = summary["realised"]
    # about half the conversions the calibrated scores expect came (the "same" check: as many as expected)
    assert 0.35 < realised["conversions"] / realised["expected"] < 0.65 and realised["surprise"] < -5
    assert "the scores no longer come true" in done.output
    assert "no longer come true" in (tmp_path / "halved.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_monitoring_run_is_logged_with_its_report_and_the_model_version(trained, checks) -> None:
    run = MlflowClient(trained.tracking_uri).get_run(checks["drifted"].summary["run_id"])
    assert run.data.tags["kind"] == "monitoring"
    assert run.data.tags["model_version"] == trained.version
    assert run.data.tags["drift_exceeded"] == "true"
    assert run.data.metrics["max_psi"] == pytest.approx(checks["drifted"].summary["max_psi"], abs=1e-4)
    artifacts = {a.path for a in MlflowClient(trained.tracking_uri).list_artifacts(run.info.run_id)}
    assert {"drifted.html", "drift.json", "realised.json"} <= artifacts


def test_the_score_log_path_gives_the_same_answer_as_scoring_the_files(trained, bundle: ScoringBundle,
                                                                       tmp_path: Path) -> None:
    """The scores served (logged by a batch run) checked from the log, features rebuilt from the export at
    each score's moment: the same leads and probabilities as scoring the files directly."""
    mlflow.set_tracking_uri(trained.tracking_uri)
    files = trained.files
    data = load_files(bundle, files["leads"], files["activities"], files["conversions"])
    population = open_leads(bundle, data, pd.Timestamp(AS_OF))
    options = ScoringOptions(pd.Timestamp(AS_OF), top_k=3)
    scored = bundle.score(population.features, options).frame(3).set_index(population.features.index)
    url = f"sqlite:///{tmp_path / 'scores.db'}"
    log = ScoreLog(url)
    log.record_frame(scored.reset_index(), model_version=trained.version, as_of=pd.Timestamp(AS_OF))
    log.close()

    direct = run_monitor(bundle, "lead-scoring", trained.version, tmp_path / "direct.html", as_of=AS_OF,
                         leads=files["leads"], activities=files["activities"], conversions=files["conversions"])
    logged = run_monitor(bundle, "lead-scoring", trained.version, tmp_path / "logged.html", from_log=True,
                         since_days=1, score_db=url, leads=files["leads"], activities=files["activities"],
                         conversions=files["conversions"])
    assert logged.drift.rows_current == direct.drift.rows_current == len(scored)
    assert logged.drift.score.psi == pytest.approx(direct.drift.score.psi, abs=1e-9)
    assert {d.name: round(d.psi, 9) for d in logged.drift.features} == \
        {d.name: round(d.psi, 9) for d in direct.drift.features}
    assert logged.realised.evaluated == direct.realised.evaluated
    assert [t.rate for t in logged.realised.tiers] == pytest.approx([t.rate for t in direct.realised.tiers])


def test_a_crm_s_own_export_is_read_through_its_mapping_as_the_contract_s_files_are(trained, bundle, tmp_path):
    """A German CRM's headers (``Lead-Nr.``, ``Erstellt am`` …) read through the user's mapping file give the
    monitor the same leads as the contract's files (before: ``required column 'lead_id' is missing``)."""
    renames = {"lead_id": "Lead-Nr.", "created_at": "Erstellt am", "industry": "Branche"}
    leads = pd.read_csv(trained.files["leads"], dtype=str, keep_default_na=False).rename(columns=renames)
    leads.to_csv(tmp_path / "leads.csv", index=False)
    mapping = tmp_path / "mein_crm.toml"
    mapping.write_text("[leads.columns]\n" + "".join(f'{k} = "{v}"\n' for k, v in renames.items()))

    theirs = load_files(bundle, tmp_path / "leads.csv", None, None, str(mapping))
    ours = load_files(bundle, trained.files["leads"], None, None)

    pd.testing.assert_frame_equal(theirs.leads, ours.leads)


def test_a_model_without_a_reference_profile_is_a_one_line_error(trained, tmp_path: Path) -> None:
    from training.reference import NoReferenceProfile

    with pytest.raises(NoReferenceProfile, match="retrain it to monitor it"):
        load_reference_profile(trained.run_id[::-1], "9")


def test_bad_input_is_a_one_line_error_with_exit_2(trained, tmp_path: Path) -> None:
    done = run_cli(["monitor", "--leads", str(tmp_path / "nope.csv"), "--report", str(tmp_path / "r.html")],
                   tmp_path, {"MLFLOW_TRACKING_URI": trained.tracking_uri})
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "nope.csv: file not found" in done.stderr
