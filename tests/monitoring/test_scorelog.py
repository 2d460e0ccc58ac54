"""The score log on a real SQLite file and on the real PostgreSQL server (127.0.0.1:5432, database ``test``).

Every PostgreSQL test works in a schema of its own, dropped afterwards. Outages are real: another
connection holding the write lock (SQLite ``BEGIN EXCLUSIVE``, PostgreSQL ``LOCK TABLE``) while the log's
lock wait is short, and the server closing the log's connections (``pg_terminate_backend``).
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from features.batch import LeadBatch
from features.loading import load_event_data
from features.records import read_records
from monitoring.config import ScoreLogConfig, default_score_db_url
from monitoring.fingerprint import batch_fingerprints, fingerprint
from monitoring.scorelog import ScoreLog, ScoreRecord

ROOT = Path(__file__).resolve().parents[1]
AS_OF = datetime(2026, 3, 1, tzinfo=UTC)
EMAIL = "anna.schmidt@beispiel-gmbh.de"



@dataclass
class Database:
    """A place for a score log: its URL and settings, and a way to make it refuse writes for a while."""

    kind: str
    url: str
    config: ScoreLogConfig
    outage: Callable[[ScoreLog], AbstractContextManager[None]]
    files: list[Path]

    def log(self, **changes: object) -> ScoreLog:
        from dataclasses import replace

        return ScoreLog(self.url, replace(self.config, **changes))

    def stored_rows(self, score_log: ScoreLog) -> list[tuple]:
        with score_log.engine.connect() as c:
            return [tuple(r) for r in c.execute(sa.select(score_log.table))]


def _sqlite_database(tmp_path: Path) -> Database:
    path = tmp_path / "scores.db"

    @contextmanager
    def outage(_: ScoreLog) -> Iterator[None]:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()

    config = ScoreLogConfig(sqlite_busy_timeout_ms=50, retry_initial_s=0.02, retry_max_s=0.1)
    return Database("sqlite", f"sqlite:///{path}", config, outage,
                    [path, path.with_name("scores.db-wal"), path.with_name("scores.db-shm")])


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield _sqlite_database(tmp_path)
        return
    server = request.getfixturevalue("pg_server")
    schema = f"scorelog_test_{uuid.uuid4().hex[:10]}"
    app = f"leadscore-test-{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server)

    @contextmanager
    def outage(score_log: ScoreLog) -> Iterator[None]:
        score_log.ensure_schema()
        with admin.connect() as c:
            c.execute(sa.text(f'LOCK TABLE "{schema}".score_log IN ACCESS EXCLUSIVE MODE'))
            yield
            c.rollback()

    # the log waits at most 100 ms for a lock, so the held lock makes its writes fail (not just wait)
    url = f"{server}?application_name={app}&options=-c%20lock_timeout%3D100"
    config = ScoreLogConfig(schema=schema, retry_initial_s=0.02, retry_max_s=0.1)
    try:
        yield Database("postgresql", url, config, outage, [])
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _records(n: int, leads: int = 1_000, start: datetime = AS_OF, with_email: bool = True) -> list[ScoreRecord]:
    """``n`` scores of ``leads`` leads, each given 1 ms after the previous one, every lead with an e-mail."""
    out = []
    for i in range(n):
        lead_id = f"L{i % leads:05d}"
        raw = {"lead_id": lead_id, "created_at": "2026-01-05T09:00:00Z", "industry": "Software",
               "activities": [{"occurred_at": "2026-02-01T10:00:00Z", "activity_type": "page_view"}]}
        if with_email:
            raw["email"] = EMAIL
        out.append(ScoreRecord(lead_id=lead_id, probability=(i % 97) / 100, score=i % 97, tier="warm", grade="B",
                               model_version="7", as_of=AS_OF, reasons=[{"feature": "industry", "points": 4,
                                                                         "text": "Industry: Software"}],
                               lead=raw, scored_at=start + timedelta(milliseconds=i)))
    return out


def _count(score_log: ScoreLog) -> int:
    with score_log.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(score_log.table)).scalar_one()


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def test_ten_thousand_api_scores_all_land_in_the_log_and_history_is_newest_first(database: Database) -> None:
    score_log = database.log()
    records = _records(10_000)
    latencies = np.empty(len(records))
    for i, record in enumerate(records):  # one call per score, as one-lead API requests make them
        t0 = time.perf_counter()
        score_log.record([record])
        latencies[i] = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert score_log.flush(30)
    drain = time.perf_counter() - t0
    print(f"\n[{database.kind}] record() per call: median {np.median(latencies) * 1e6:.1f} µs, "
          f"p99 {np.quantile(latencies, 0.99) * 1e6:.1f} µs; queue drained {drain:.2f} s after the last call")

    assert score_log.counters() == {"written": 10_000, "queued": 0, "dropped": 0, "rejected": 0, "failures": 0}
    assert _count(score_log) == 10_000
    history = score_log.history("L00042", limit=100)
    # lead 42 was scored at i = 42, 1042, …, 9042: ten scores, the one at i = 9042 last
    assert [h["score"] for h in history] == [i % 97 for i in range(9042, 0, -1000)]
    assert [h["scored_at"] for h in history] == [AS_OF + timedelta(milliseconds=i) for i in range(9042, 0, -1000)]
    assert history[0]["reasons"] == [{"feature": "industry", "points": 4, "text": "Industry: Software"}]
    assert score_log.history("L00042", limit=3) == history[:3]
    score_log.close()


def test_the_email_address_is_never_stored(database: Database) -> None:
    score_log = database.log()
    score_log.record(_records(200, leads=50))
    frame = pd.DataFrame({"lead_id": ["B1", "B2"], "email": [EMAIL, EMAIL], "probability": [0.2, 0.3],
                          "score": [20, 30], "tier": ["warm", "warm"], "grade": ["A", "B"],
                          "reasons_json": ["[]", "[]"]})
    assert score_log.record_frame(frame, model_version="7", as_of=AS_OF) == 2
    assert score_log.flush()
    rows = database.stored_rows(score_log)
    assert len(rows) == 202
    assert not [row for row in rows if EMAIL in repr(row) or "beispiel-gmbh" in repr(row)]
    for path in database.files:  # the SQLite file and its write-ahead log, byte for byte
        if path.exists():
            assert EMAIL.encode() not in path.read_bytes()
    # the fingerprint is blind to the address: the same lead with another address (or none) has the same one
    raw = _records(1)[0].lead
    assert raw is not None
    assert fingerprint(raw) == fingerprint({**raw, "email": "other@example.com"}) == \
        fingerprint({k: v for k, v in raw.items() if k != "email"})
    assert fingerprint(raw) != fingerprint({**raw, "industry": "Retail"})
    score_log.close()


def test_writer_survives_a_database_outage_and_writes_everything_later(database: Database) -> None:
    score_log = database.log()
    score_log.record(_records(10))  # tables created, connections open
    assert score_log.flush()
    with database.outage(score_log):
        score_log.record(_records(500, start=AS_OF + timedelta(hours=1)))
        _wait_for(lambda: score_log.failures >= 2)
        assert score_log.written == 10  # nothing got through while the database refused
    assert score_log.flush(20)
    assert score_log.written == 510
    assert score_log.dropped == 0
    assert _count(score_log) == 510
    score_log.close()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_postgresql_closing_the_logs_connections_loses_nothing(database: Database) -> None:
    score_log = database.log()
    score_log.record(_records(100))
    assert score_log.flush()
    app = database.url.split("application_name=")[1].split("&")[0]
    with sa.create_engine(database.url.split("?")[0]).connect() as c:
        killed = c.execute(sa.text("select count(pg_terminate_backend(pid)) from pg_stat_activity "
                                   "where application_name = :app"), {"app": app}).scalar_one()
    assert killed >= 1
    score_log.record(_records(100, start=AS_OF + timedelta(hours=1)))
    assert score_log.flush(20)
    assert (score_log.written, score_log.dropped, _count(score_log)) == (200, 0, 200)
    score_log.close()


def test_a_full_queue_drops_new_scores_and_counts_them(tmp_path: Path) -> None:
    database = _sqlite_database(tmp_path)
    score_log = database.log(queue_size=100, batch_size=10)
    score_log.record(_records(1))
    assert score_log.flush()
    with database.outage(score_log):
        accepted = score_log.record(_records(1_000))
        # the queue holds 100; the writer may have taken one batch (10) out of it into its hands
        assert 100 <= accepted <= 110
        assert score_log.dropped == 1_000 - accepted
        assert score_log.queued == accepted
    assert score_log.flush(20)
    assert _count(score_log) == 1 + accepted
    assert score_log.counters()["written"] == 1 + accepted
    score_log.close()


def test_close_writes_what_is_queued(database: Database) -> None:
    score_log = database.log()
    score_log.record(_records(3_000))
    score_log.close()
    assert (score_log.written, score_log.queued, score_log.dropped) == (3_000, 0, 0)
    reopened = ScoreLog(database.url, database.config)
    assert _count(reopened) == 3_000
    reopened.close()


def test_close_during_an_outage_gives_up_in_time_and_counts_the_loss(tmp_path: Path) -> None:
    database = _sqlite_database(tmp_path)
    score_log = database.log()
    score_log.record(_records(1))
    assert score_log.flush()
    with database.outage(score_log):
        score_log.record(_records(300))
        t0 = time.perf_counter()
        score_log.close(timeout=0.3)
        took = time.perf_counter() - t0
    assert took < 2.0  # 0.3 s of retrying plus at most one 50 ms lock wait, not the default 10 s
    assert score_log.counters() == {"written": 1, "queued": 0, "dropped": 300, "rejected": 0,
                                    "failures": score_log.failures}
    assert score_log.record(_records(5)) == 0  # closed: nothing more is accepted, and it is counted
    assert score_log.dropped == 305


def test_a_bad_row_is_refused_and_counted_while_the_others_are_written(database: Database) -> None:
    score_log = database.log()
    good = _records(20)
    bad_source = ScoreRecord(lead_id="X1", probability=0.5, score=50, tier="hot", grade="A", model_version="7",
                             as_of=AS_OF, source="fax")  # type: ignore[arg-type]
    too_long = ScoreRecord(lead_id="X" * 300, probability=0.5, score=50, tier="hot", grade="A", model_version="7",
                           as_of=AS_OF)
    score_log.record([*good[:10], bad_source, too_long, *good[10:]])
    assert score_log.flush()
    assert (score_log.written, score_log.rejected, score_log.failures) == (20, 2, 0)
    assert "source 'fax'" in (score_log.last_error or "") or "lead_id" in (score_log.last_error or "")
    score_log.close()


def test_trend_compares_the_latest_score_with_the_newest_one_at_least_a_week_older(database: Database) -> None:
    score_log = database.log()
    day = timedelta(days=1)

    def scored(days: float, score: int, version: str = "7") -> ScoreRecord:
        return ScoreRecord(lead_id="T1", probability=score / 100, score=score, tier="warm", grade="B",
                           model_version=version, as_of=AS_OF, scored_at=AS_OF + days * day)

    score_log.record([scored(3, 50)])
    assert score_log.flush()
    assert score_log.trend("T1") is None  # nothing a week older yet
    assert score_log.trend("nobody") is None
    score_log.record([scored(0, 40), scored(8, 58), scored(10, 68)])
    assert score_log.flush()
    trend = score_log.trend("T1")
    # latest: day 10 (68); a week before is day 3 or earlier → day 3 (50), not day 0 or day 8
    assert trend is not None
    assert (trend.score, trend.previous_score, trend.change) == (68, 50, 18)
    assert trend.text() == "+18 since last week"
    assert trend.text("de") == "+18 seit letzter Woche"
    assert not trend.model_changed
    month = score_log.trend("T1", days=30)
    assert month is None
    score_log.record([scored(11, 30, version="8")])
    assert score_log.flush()
    newer = score_log.trend("T1")
    assert newer is not None
    assert (newer.change, newer.model_changed) == (30 - 50, True)  # day 11 vs day 3
    assert newer.text() == "-20 since last week"
    score_log.close()


def test_a_batch_frame_is_written_in_chunks_and_error_rows_are_skipped(database: Database) -> None:
    score_log = database.log(frame_chunk=7_000)
    n = 20_000
    rng = np.random.default_rng(5)
    p = rng.random(n)
    p[::1000] = np.nan  # the batch's rows with an error carry no score
    frame = pd.DataFrame({"row": np.arange(n), "lead_id": [f"F{i}" for i in range(n)], "probability": p,
                          "score": np.where(np.isnan(p), -1, (np.nan_to_num(p) * 100).round()).astype(int),
                          "tier": np.where(p > 0.9, "hot", "cold"), "grade": "C", "reasons_json": "[]",
                          "input_fingerprint": "ab" * 32})
    t0 = time.perf_counter()
    written = score_log.record_frame(frame, model_version="7", as_of=AS_OF)
    took = time.perf_counter() - t0
    print(f"\n[{database.kind}] record_frame: {written:,} rows in {took:.2f} s ({written / took:,.0f} rows/s)")
    assert written == n - 20
    recent = score_log.recent(AS_OF - timedelta(days=3650))
    assert len(recent) == n - 20
    assert set(recent["source"]) == {"batch"}
    assert np.allclose(np.sort(recent["probability"].to_numpy()), np.sort(p[~np.isnan(p)]))
    with pytest.raises(ValueError, match="lacks tier"):
        score_log.record_frame(frame.drop(columns=["tier"]), model_version="7", as_of=AS_OF)
    score_log.close()


def test_recent_returns_the_scores_given_in_a_time_window(database: Database) -> None:
    score_log = database.log()
    score_log.record(_records(100, leads=10))  # given at AS_OF + 0 … 99 ms
    assert score_log.flush()
    window = score_log.recent(AS_OF + timedelta(milliseconds=10), AS_OF + timedelta(milliseconds=20))
    assert window["scored_at"].tolist() == [pd.Timestamp(AS_OF + timedelta(milliseconds=i)) for i in range(10, 20)]
    assert str(window["scored_at"].dt.tz) == "UTC"
    score_log.close()


_WRITER = """
import sys
from datetime import UTC, datetime, timedelta, timezone
from monitoring.config import ScoreLogConfig
from monitoring.scorelog import ScoreLog, ScoreRecord
name, n = sys.argv[1], int(sys.argv[2])
log = ScoreLog(sys.argv[3], ScoreLogConfig(batch_size=100, linger_s=0.0))
t = datetime(2026, 3, 1, tzinfo=UTC)
for i in range(n):
    log.record([ScoreRecord(lead_id=f"{name}{i}", probability=0.1, score=10, tier="cold", grade="D",
                            model_version="7", as_of=t, scored_at=t + timedelta(microseconds=i))])
log.close()
print(log.written, log.dropped, log.failures)
"""


def test_two_server_processes_write_one_sqlite_file_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    ScoreLog(url).ensure_schema()  # the table exists before the race (each process would also create it)
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, name, "5000", url], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("a", "b")]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    # each wrote all its rows with neither a drop nor a failed attempt: the busy timeout made them take turns
    assert [out.split() for out, _ in outputs] == [["5000", "0", "0"], ["5000", "0", "0"]]
    reader = ScoreLog(url)
    assert len(reader.recent(AS_OF - timedelta(days=1))) == 10_000
    with sqlite3.connect(tmp_path / "shared.db") as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader.close()


def test_the_same_lead_has_the_same_fingerprint_from_a_request_and_from_a_file_whatever_its_form(
        tmp_path: Path) -> None:
    # a German export (dotted dates, German activity names, "1.234", its activities in any order) and the same
    # leads sent as requests in ISO form: read by the same rules, fingerprinted alike
    pd.DataFrame({"lead_id": ["A", "B", "C"], "created_at": ["05.01.2026 10:00", "2026-01-06T10:30:00Z", "07.01.2026"],
                  "email": [EMAIL, "", "x@y.de"], "industry": ["Software", "", "Maschinenbau"],
                  "employee_count": ["1.234", "", "12"]}).to_csv(tmp_path / "leads.csv", sep=";", index=False)
    pd.DataFrame({"lead_id": ["A", "C", "A", "A"],
                  "occurred_at": ["02.02.2026 10:00", "2026-02-03T10:00:00Z", "01.02.2026 10:00",
                                  "2026-02-01T10:00:00+01:00"],
                  "activity_type": ["Seite besucht", "Demo angefragt", "pricing_page_view", "page_view"],
                  }).to_csv(tmp_path / "activities.csv", sep=";", index=False)
    data, _ = load_event_data(tmp_path / "leads.csv", tmp_path / "activities.csv")
    from_file = batch_fingerprints(LeadBatch.from_frames(data.leads, data.activities, data.activity_rows))
    api = [
        {"lead_id": "A", "created_at": "2026-01-05T11:00:00+01:00", "email": "other@example.com",
         "industry": "Software", "employee_count": 1234,
         "activities": [{"occurred_at": "2026-02-01T09:00:00Z", "activity_type": "page_view"},
                        {"occurred_at": "2026-02-02T10:00:00Z", "activity_type": "Page View"},
                        {"occurred_at": "2026-02-01T10:00:00Z", "activity_type": "pricing_page_view"}]},
        {"lead_id": " B ", "created_at": "2026-01-06 10:30", "industry": None, "activities": []},
        {"lead_id": "C", "created_at": "2026-01-07", "industry": "Maschinenbau", "employee_count": 12.0,
         "activities": [{"occurred_at": "2026-02-03T11:00:00+01:00", "activity_type": "demo_request"}]},
    ]
    from_request = batch_fingerprints(read_records(api).batch)
    assert from_file == from_request
    assert len(set(from_file)) == 3
    # another input is another fingerprint: an activity fewer, another type, another field value
    api[0]["activities"] = api[0]["activities"][:2]
    api[1]["industry"] = "Retail"
    api[2]["activities"][0]["activity_type"] = "webinar_attended"
    changed = batch_fingerprints(read_records(api).batch)
    assert all(a != b for a, b in zip(changed, from_request, strict=True))


def test_a_fingerprint_is_the_canonical_json_of_the_lead_as_read() -> None:
    # the definition in the module docstring, worked out by hand for one lead
    lead = {"lead_id": "Q1", "created_at": "2026-03-01", "email": EMAIL, "employee_count": "250", "country": "DE",
            "activities": [{"occurred_at": "2026-03-02T10:00:00+01:00", "activity_type": "Quantum Ping"},
                           {"occurred_at": "2026-03-02T08:00:00Z", "activity_type": "demo_request"}]}
    text = ('{"country":"DE","created_at":"2026-03-01T00:00:00.000000Z","employee_count":250,"lead_id":"Q1"}\n['
            '{"activity_type":"demo_request","occurred_at":"2026-03-02T08:00:00.000000Z"},'
            '{"activity_type":"other","occurred_at":"2026-03-02T09:00:00.000000Z"}]')
    assert batch_fingerprints(read_records([lead]).batch) == [hashlib.sha256(text.encode()).hexdigest()]


def test_default_location_is_scores_db_in_the_project_folder_unless_the_environment_says_otherwise(
        tmp_path: Path) -> None:
    assert default_score_db_url(env={"LEADSCORE_HOME": str(tmp_path)}) == f"sqlite:///{tmp_path / 'scores.db'}"
    assert default_score_db_url(env={"LEADSCORE_SCORE_DB": "postgresql+psycopg://crm@db.example/leads",
                                     "LEADSCORE_HOME": "/x"}) == "postgresql+psycopg://crm@db.example/leads"


def test_a_served_result_is_recorded_with_its_reasons_and_its_leads_fingerprint(tmp_path: Path) -> None:
    from serving.schemas import LeadScore, Reason

    raw = {"lead_id": "R1", "created_at": "2026-01-05T09:00:00Z", "email": EMAIL, "industry": "Software",
           "activities": []}
    result = LeadScore(index=0, lead_id="R1", status="ok", probability=0.31, score=74, tier="hot", grade="A",
                       reasons=[Reason(reason="industry", group="fit", dimension="need", value="software", points=6,
                                       text="Industry: software")])
    score_log = ScoreLog(f"sqlite:///{tmp_path / 'scores.db'}")
    score_log.record([ScoreRecord.from_result(result, model_version="7", as_of=AS_OF, source="webhook", lead=raw)])
    assert score_log.flush()
    (row,) = score_log.history("R1")
    assert (row["probability"], row["score"], row["tier"], row["grade"], row["source"], row["as_of"]) == \
        (0.31, 74, "hot", "A", "webhook", AS_OF)
    assert row["reasons"] == [{"reason": "industry", "group": "fit", "dimension": "need", "value": "software",
                               "points": 6, "text": "Industry: software"}]
    assert row["input_fingerprint"] == fingerprint(raw)
    score_log.close()
