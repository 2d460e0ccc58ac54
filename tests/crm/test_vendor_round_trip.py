"""Salesforce and HubSpot exports, as the vendors write them, through ``leadscore train`` → ``score`` →
``explain`` with ``--mapping`` and nothing else about their format (no conversions file, no renamed columns).

The exports are the tests' small world written by :mod:`vendor_exports` (what a CRM holds of it: leads,
sales' meetings, calls, follow-up tasks and e-mails; conversions in the lead/contact export itself). Training
skips the settings search (``--search-seconds 0``) to keep the tests short; everything else is the CLI's default.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner
from vendor_exports import hubspot_exports, salesforce_exports

from leadscore.cli import app
from leadscore.synthetic import World
from scoring.options import ScoringOptions
from serving.config import ServeConfig
from serving.loader import load_model
from serving.scoring import score_request

pytestmark = [pytest.mark.slow, pytest.mark.extended]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty MLflow store and model cache of this test's own."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("LEADSCORE_MODEL_CACHE", str(tmp_path / "cache"))
    return tmp_path


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def train(mapping: str, leads: Path, activities: Path | None = None) -> dict:
    extra = ["--activities", str(activities)] if activities else []
    out = cli("train", "--mapping", mapping, "--leads", str(leads), *extra, "--search-seconds", "0")
    return json.loads(out.strip().splitlines()[-1])


def truth_auc(world: World, scores: pd.DataFrame, vendor_id: dict[str, str]) -> float:
    """ROC AUC of the written scores against what the world's leads open at its truth moment really did."""
    truth = world.truth.assign(lead_id=world.truth["lead_id"].map(vendor_id))
    joined = truth.merge(scores, on="lead_id", validate="one_to_one")
    scored = joined["probability"].notna().to_numpy()
    # every lead open then is scored, but for a conversion later that day that a date-only field dates at midnight
    assert len(joined) == len(truth) and (~scored).sum() <= 5
    return roc_auc_score(joined["converted_in_horizon"][scored], joined["probability"][scored])


def test_a_salesforce_export_trains_scores_writes_back_and_explains(small_world, store, tmp_path):
    files = salesforce_exports(small_world, tmp_path / "sf")
    run = train("salesforce", files["leads"], files["activities"])
    # the lead export carried the conversions; the 15-character WhoIds of the report found their leads
    assert run["promoted"] and run["metrics"]["roc_auc"] > 0.72, run

    as_of = small_world.truth["as_of"].iloc[0].isoformat()
    upsert = tmp_path / "Lead_upsert.csv"
    summary = json.loads(cli("score", "--mapping", "salesforce", "--leads", str(files["leads"]), "--activities",
                             str(files["activities"]), "--as-of", as_of, "--out", str(upsert),
                             "--write-back", "salesforce").strip().splitlines()[-1])
    moment = small_world.truth["as_of"].iloc[0]
    created_later = int((small_world.leads["created_at"] > moment).sum())  # not yet there then
    # a ConvertedDate (a date: a conversion later that day counts from its midnight) by then: a customer, no lead
    customers = int((small_world.conversions["converted_at"].dt.floor("D") <= moment).sum())
    scores = pd.read_csv(tmp_path / "Lead_upsert.scores.csv", dtype=str).astype({"probability": float})
    kinds = scores["error"].dropna().str.replace(r"^(\w+): .*(after as_of|converted).*$", r"\1 \2", regex=True)
    assert kinds.value_counts().to_dict() == {"created_at after as_of": created_later,
                                              "ConvertedDate converted": customers}, kinds.value_counts()
    assert summary["rows"] == len(small_world.leads) and summary["errors"] == created_later + customers
    exported = pd.read_csv(files["leads"], dtype=str)
    sf_id = dict(zip(small_world.leads["lead_id"], exported["Id"], strict=True))
    assert truth_auc(small_world, scores, sf_id) > 0.72
    written = pd.read_csv(upsert, dtype=str)
    assert set(written["Id"]) <= set(exported["Id"]) and written["Id"].str.len().eq(18).all()

    short_id = exported["Id"].iloc[0][:15]  # as a report or the Salesforce URL shows it
    card = tmp_path / "card.html"
    cli("explain", "--mapping", "salesforce", "--lead-id", short_id, "--leads", str(files["leads"]),
        "--activities", str(files["activities"]), "--out", str(card))
    assert exported["Company"].iloc[0] in card.read_text(encoding="utf-8")


def test_a_hubspot_model_learns_from_engagements_beyond_the_contact_properties(small_world, store, tmp_path):
    files = hubspot_exports(small_world, tmp_path / "hs")
    fit_only = train("hubspot", files["leads"])
    with_engagements = train("hubspot", files["leads"], files["activities"])

    # same contacts, same conversions, same holdout: the engagements are read and they carry signal
    assert fit_only["metrics"]["roc_auc"] > 0.68, fit_only  # the range dropdown is read, not lost
    gain = with_engagements["metrics"]["roc_auc"] - fit_only["metrics"]["roc_auc"]
    assert gain > 0.01, (fit_only["metrics"], with_engagements["metrics"])
    # the gate compared them on the same leads and moments and promoted the one with engagements
    assert with_engagements["promoted"] and "ROC AUC +" in with_engagements["decision"], with_engagements

    as_of = small_world.truth["as_of"].iloc[0].isoformat()
    out = tmp_path / "hubspot_import.csv"
    cli("score", "--mapping", "hubspot", "--leads", str(files["leads"]), "--activities", str(files["activities"]),
        "--as-of", as_of, "--out", str(out), "--write-back", "hubspot")
    scores = pd.read_csv(tmp_path / "hubspot_import.scores.csv", dtype=str).astype({"probability": float})
    exported = pd.read_csv(files["leads"], dtype=str)
    record_id = dict(zip(small_world.leads["lead_id"], exported["Record ID"], strict=True))
    assert truth_auc(small_world, scores, record_id) > 0.72
    assert set(pd.read_csv(out, dtype=str)["Record ID"]) <= set(exported["Record ID"])

    card = tmp_path / "card.html"
    cli("explain", "--lead-id", exported["Record ID"].iloc[1], "--leads",  # the model's mapping by default
        str(files["leads"]), "--activities", str(files["activities"]), "--out", str(card))
    assert exported["Company Name"].iloc[1] in card.read_text(encoding="utf-8")

    # the model keeps its mapping: a score without --mapping reads the export as training did, and a request
    # sending HubSpot's own values ("Referrals", "MEETING") gets the score the export's rows get
    again = tmp_path / "again.csv"
    cli("score", "--leads", str(files["leads"]), "--activities", str(files["activities"]), "--as-of", as_of,
        "--out", str(again))
    pd.testing.assert_series_equal(pd.read_csv(again, dtype=str)["probability"].astype(float),
                                   scores["probability"], check_names=False)
    loaded = load_model("models:/lead-scoring@champion", ServeConfig.from_env().cache_dir)
    assert loaded.bundle.input_mapping["name"] == "hubspot" and "hubspot export" in cli("models")
    engagements = pd.read_csv(files["activities"], dtype=str)
    referred = exported.index[exported["Original Source"].eq("Referrals") & scores["probability"].notna()][:20]
    records = [{"lead_id": exported.at[i, "Record ID"], "created_at": exported.at[i, "Create Date"],
                "lead_source": exported.at[i, "Original Source"],
                "employee_count": exported.at[i, "Number of Employees"],
                "job_title": exported.at[i, "Job Title"], "industry": exported.at[i, "Industry"],
                "country": exported.at[i, "Country/Region"], "email": exported.at[i, "Email"],
                "company": exported.at[i, "Company Name"], "annual_revenue": exported.at[i, "Annual Revenue"],
                "activities": [{"occurred_at": t, "activity_type": kind} for t, kind in engagements.loc[
                    engagements["Associated Contact ID"] == exported.at[i, "Record ID"],
                    ["hs_timestamp", "hs_engagement_type"]].itertuples(index=False)]} for i in referred]
    response = score_request(loaded.bundle, records, ScoringOptions(pd.Timestamp(as_of), "en", 5).resolved(), "")
    assert len(referred) >= 5 and [r.status for r in response.results] == ["ok"] * len(referred)
    assert [r.probability for r in response.results] == pytest.approx(
        scores.loc[referred, "probability"].tolist(), rel=1e-9)
