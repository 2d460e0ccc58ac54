"""Every score given is recorded in the score log (#17), over HTTP and from a batch run, on a real SQLite file
and on the real PostgreSQL server (127.0.0.1:5432, database ``test``, a schema of the test's own): none lost,
never the e-mail address; a lead's history and its trend read back through the API and on the score card.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from features.batch import LeadBatch
from features.records import read_records
from leadscore.cli import app
from monitoring.config import ScoreLogConfig
from monitoring.fingerprint import batch_fingerprints
from monitoring.scorelog import ScoreLog, ScoreRecord
from serving.history import ScoreHistory
from serving.server import running_server

TOKEN = "history-token-5b21"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AS_OF = "2026-06-30T00:00:00Z"



@dataclass
class Place:
    """Where the server's score log lives: its URL, and the files to search for the address (SQLite)."""

    kind: str
    url: str
    files: list[Path]

    def rows(self, where: str = "") -> list[dict]:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as c:
                if not sa.inspect(c).has_table("score_log"):
                    return []
                return [dict(r._mapping) for r in c.execute(sa.text(f"select * from score_log {where} order by id"))]
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def place(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("scorelog") / "scores.db"
        yield Place("sqlite", f"sqlite:///{path}", [path, path.with_name("scores.db-wal")])
        return
    server = request.getfixturevalue("pg_server")
    schema = f"history_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server)
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:  # the server's log creates its table in the schema first on its search path
        yield Place("postgresql", f"{server}?options=-csearch_path%3D{schema}", [])
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def server(trained, place: Place, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("history")
    env = {"LEADSCORE_API_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": trained.tracking_uri,
           "LEADSCORE_MODEL_CACHE": str(folder / "models"), "LEADSCORE_SCORE_DB": place.url}
    with running_server(env, log_path=folder / "server.log") as url:
        yield url


EMAIL = "anna.schmidt@beispiel-gmbh.de"


def _with_email(lead: dict, n: int) -> dict:
    return {**lead, "email": EMAIL.replace("anna", f"anna{n}")}


def _wait_for_rows(place: Place, count: int, where: str = "", timeout: float = 15.0) -> list[dict]:
    end = datetime.now(UTC) + timedelta(seconds=timeout)
    while True:
        rows = place.rows(where)
        if len(rows) >= count or datetime.now(UTC) > end:
            return rows
        threading.Event().wait(0.1)


def file_fingerprints(event_data, ids: list[str]) -> dict[str, str]:
    """The input fingerprints of leads as a batch file gives them (the loader's frames)."""
    leads = event_data.leads[event_data.leads["lead_id"].isin(ids)]
    activities = event_data.activities[event_data.activities["lead_id"].isin(ids)]
    return dict(zip(leads["lead_id"], batch_fingerprints(LeadBatch.from_frames(leads, activities)), strict=True))


def test_every_score_given_over_http_lands_in_the_log_and_never_the_email(
    server: str, place: Place, crm_leads: list[dict], trained, event_data
) -> None:
    leads = [_with_email(lead, n) for n, lead in enumerate(crm_leads[:60])]
    answers: dict[str, dict] = {}

    def post(body: dict) -> None:
        response = httpx.post(f"{server}/score", json=body, headers=AUTH, timeout=30)
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            if result["status"] == "ok":
                answers[result["lead_id"]] = result

    # 40 one-lead requests from 8 clients at once (scored together on the event loop), one 20-lead request
    # (scored in a worker thread), and one request whose lead cannot be scored (not a score: not recorded)
    bodies = [{"leads": [lead], "as_of": AS_OF} for lead in leads[:40]]
    bodies += [{"leads": leads[40:], "as_of": AS_OF}, {"leads": [{"lead_id": "NO-DATE"}], "as_of": AS_OF}]
    threads = [threading.Thread(target=lambda part=bodies[i::8]: [post(b) for b in part]) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 60

    rows = _wait_for_rows(place, 60)
    threading.Event().wait(0.3)
    rows = place.rows()
    assert len(rows) == 60  # every score, once; the unscorable lead is not a score
    by_id = {row["lead_id"]: row for row in rows}
    assert set(by_id) == {lead["lead_id"] for lead in leads}
    from_file = file_fingerprints(event_data, list(by_id))
    for lead in leads:
        row, given = by_id[lead["lead_id"]], answers[lead["lead_id"]]
        assert row["source"] == "api" and str(row["model_version"]) == trained.version
        assert (row["score"], row["tier"], row["grade"]) == (given["score"], given["tier"], given["grade"])
        assert row["probability"] == pytest.approx(given["probability"], abs=1e-12)
        assert json.loads(row["reasons"]) == given["reasons"]
        # the lead as sent, its address left out: the same input as the same lead in a batch file
        assert row["input_fingerprint"] == from_file[lead["lead_id"]]
        other = read_records([{**lead, "industry": "Quantum Basket Weaving"}]).batch
        assert row["input_fingerprint"] != batch_fingerprints(other)[0]
    stored = json.dumps([list(map(str, row.values())) for row in rows])
    assert "beispiel-gmbh" not in stored
    for file in place.files:  # the SQLite file and its write-ahead log, byte for byte
        if file.exists():
            assert b"beispiel-gmbh" not in file.read_bytes()


def test_a_leads_history_comes_back_newest_first_and_an_unknown_lead_is_404(
    server: str, place: Place, crm_leads: list[dict]
) -> None:
    lead = crm_leads[100]
    for as_of in ("2026-05-01T00:00:00Z", AS_OF):
        assert httpx.post(f"{server}/score", json={"leads": [lead], "as_of": as_of}, headers=AUTH,
                          timeout=30).status_code == 200
    _wait_for_rows(place, 2, f"where lead_id = '{lead['lead_id']}'")
    response = httpx.get(f"{server}/leads/{lead['lead_id']}/scores", headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lead_id"] == lead["lead_id"] and len(body["scores"]) == 2
    newest, older = body["scores"]
    assert newest["as_of"].startswith("2026-06-30") and older["as_of"].startswith("2026-05-01")
    assert newest["scored_at"] >= older["scored_at"] and newest["source"] == "api" and newest["reasons"]
    assert body["trend"] is None  # both given today: nothing a week old to compare with

    url = f"{server}/leads/{lead['lead_id']}/scores"
    assert len(httpx.get(url, params={"limit": 1}, headers=AUTH, timeout=10).json()["scores"]) == 1
    bad = httpx.get(url, params={"limit": 0}, headers=AUTH, timeout=10)
    assert 400 <= bad.status_code < 500 and bad.json()["detail"][0]["loc"][-1] == "limit"

    unknown = httpx.get(f"{server}/leads/NEVER-SCORED/scores", headers=AUTH, timeout=10)
    assert unknown.status_code == 404 and "NEVER-SCORED" in unknown.json()["error"]  # the one error body
    assert httpx.get(f"{server}/leads/{lead['lead_id']}/scores", timeout=10).status_code == 401


def test_the_card_shows_how_the_score_moved_since_last_week(server: str, place: Place, crm_leads: list[dict]) -> None:
    lead = crm_leads[120]
    schema_log = ScoreLog(place.url, ScoreLogConfig())
    week_ago = datetime.now(UTC) - timedelta(days=8)
    schema_log.record([ScoreRecord(lead_id=lead["lead_id"], probability=0.05, score=5, tier="cold", grade="D",
                                   model_version="0", as_of=week_ago, scored_at=week_ago)])
    schema_log.close()
    cards = {}
    for lang in ("en", "de"):
        response = httpx.post(f"{server}/card", json={"leads": [lead], "as_of": AS_OF, "lang": lang}, headers=AUTH,
                              timeout=30)
        assert response.status_code == 200, response.text
        cards[lang] = response.text
    score = int(cards["en"].split('id="score">')[1].split("<")[0])
    assert f'id="trend">{score - 5:+d} since last week<' in cards["en"]
    assert f'id="trend">{score - 5:+d} seit letzter Woche<' in cards["de"]
    rows = _wait_for_rows(place, 3, f"where lead_id = '{lead['lead_id']}'")
    assert [r["source"] for r in rows] == ["api", "api", "api"]  # the old score and the two cards' scores

    history = httpx.get(f"{server}/leads/{lead['lead_id']}/scores", params={"lang": "de"}, headers=AUTH,
                        timeout=10).json()
    assert history["trend"]["change"] == score - 5 and history["trend"]["text"].endswith("seit letzter Woche")
    assert history["trend"]["model_changed"] is True  # the week-old score came from another version


def test_batch_scoring_records_one_row_per_scored_lead_with_source_batch(
    place: Place, trained, world_files: dict[str, Path], event_data, tmp_path: Path
) -> None:
    leads = pd.read_csv(world_files["leads"], dtype=str).head(150)
    leads = pd.concat([leads, leads.head(1).assign(lead_id="LATE", created_at="2030-01-01T00:00:00Z")])
    leads_file = tmp_path / "leads.csv"
    leads.to_csv(leads_file, index=False)
    out = tmp_path / "scores.csv"
    env = {"MLFLOW_TRACKING_URI": trained.tracking_uri, "LEADSCORE_SCORE_DB": place.url,
           "LEADSCORE_MODEL_CACHE": str(tmp_path / "models")}
    result = CliRunner().invoke(app, ["score", "--leads", str(leads_file), "--activities",
                                      str(world_files["activities"]), "--out", str(out), "--as-of", AS_OF], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["scored"], summary["errors"], summary["logged"]) == (150, 1, 150)
    # the activities of the world's other leads are named, not silently dropped
    unknown = f"{world_files['activities']}: no lead of {leads_file} for "
    assert any(note.startswith(unknown) for note in summary["notes"])
    assert "note: " in result.output

    scores = pd.read_csv(out, dtype={"lead_id": str})
    rows = place.rows("where source = 'batch'")
    mine = [r for r in rows if r["lead_id"] in set(leads["lead_id"])]
    assert len(mine) == 150 and "LATE" not in {r["lead_id"] for r in mine}  # one per scored lead, none for errors
    by_id = {r["lead_id"]: r for r in mine}
    for _, row in scores.dropna(subset=["score"]).iterrows():
        assert by_id[row["lead_id"]]["score"] == row["score"]
    # each row's fingerprint is its lead's input (the same a request with that lead gets: test above)
    assert {k: r["input_fingerprint"] for k, r in by_id.items()} == file_fingerprints(event_data, list(by_id))


def test_a_file_with_no_lead_to_score_gets_its_error_rows_in_a_score_file_s_columns_and_logs_nothing(
    place: Place, trained, world_files: dict[str, Path], tmp_path: Path
) -> None:
    """Every lead created after --as-of: not an internal error, but one error row each, under the columns a
    CRM's import of the score file expects, and nothing in the score log."""
    leads = pd.read_csv(world_files["leads"], dtype=str).head(3).assign(created_at="2030-01-01T00:00:00Z")
    leads_file = tmp_path / "leads.csv"
    leads.to_csv(leads_file, index=False)
    env = {"MLFLOW_TRACKING_URI": trained.tracking_uri, "LEADSCORE_SCORE_DB": place.url,
           "LEADSCORE_MODEL_CACHE": str(tmp_path / "models")}
    columns = {}
    one_open = pd.concat([leads, pd.read_csv(world_files["leads"], dtype=str).head(1)])
    for name, rows in (("none", leads), ("one", one_open)):
        rows.to_csv(leads_file, index=False)
        out = tmp_path / f"{name}.csv"
        result = CliRunner().invoke(app, ["score", "--leads", str(leads_file), "--out", str(out), "--as-of", AS_OF],
                                    env=env)
        summary = json.loads(next(line for line in result.output.splitlines() if line.startswith("{")))
        # a file of which no lead could be scored is written, and the command says so (exit 2: bad input)
        assert result.exit_code == (2 if summary["scored"] == 0 else 0), result.output
        columns[name] = pd.read_csv(out).columns.tolist()
        if name == "none":
            assert (summary["scored"], summary["errors"], summary["logged"]) == (0, 3, 0)
            assert pd.read_csv(out)["error"].str.startswith("created_at: lead created after as_of").all()
    assert columns["none"] == columns["one"]


def test_the_log_is_off_when_the_setting_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEADSCORE_SCORE_DB", f"sqlite:///{tmp_path / 'scores.db'}")
    monkeypatch.setenv("LEADSCORE_SCORE_LOG", "off")
    history = ScoreHistory.from_env()
    assert not history.enabled and history.counters() is None
    assert history.lead_history("anyone") is None
    assert history.record([], as_of=datetime.now(UTC)) == 0
    assert not (tmp_path / "scores.db").exists()  # nothing was opened
    monkeypatch.setenv("LEADSCORE_SCORE_LOG", "on")
    on = ScoreHistory.from_env()
    assert on.enabled and on.counters() == {"written": 0, "queued": 0, "dropped": 0, "rejected": 0, "failures": 0}
    on.close()


def test_a_webhook_records_what_it_scored_through_the_shared_function(
    bundle, crm_leads: list[dict], event_data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring.options import ScoringOptions
    from serving import history
    from serving.scoring import score_request

    monkeypatch.setenv("LEADSCORE_SCORE_DB", f"sqlite:///{tmp_path / 'scores.db'}")
    monkeypatch.setattr(history, "_shared", None)  # this process's log, made afresh from the environment
    leads = [_with_email(lead, n) for n, lead in enumerate(crm_leads[:3])] + [{"lead_id": "BROKEN"}]
    response = score_request(bundle, leads, ScoringOptions(datetime(2026, 6, 30, tzinfo=UTC)), "7")

    assert history.record(response, source="webhook", leads=leads) == 3  # the error result is not a score
    shared = history.shared()
    assert shared.log is not None and shared.log.flush()
    rows = Place("sqlite", f"sqlite:///{tmp_path / 'scores.db'}", []).rows()
    assert [(r["lead_id"], r["source"], r["model_version"]) for r in rows] == \
        [(lead["lead_id"], "webhook", "7") for lead in leads[:3]]
    prints = file_fingerprints(event_data, [lead["lead_id"] for lead in leads[:3]])
    assert [r["input_fingerprint"] for r in rows] == [prints[lead["lead_id"]] for lead in leads[:3]]
    shared.close()
