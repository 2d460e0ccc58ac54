"""``push`` against local fakes of the HubSpot and Salesforce batch APIs: batch limits, the token, retries that
honour Retry-After, per-record failures, and lost answers resolved by reading back, never by sending twice."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from crm_fakes import FakeCrm, Fault, lead_ids, score_frame

from crm.fields import LeadUpdate
from crm.journal import ProgressError
from crm.push import AuthError, PushConfig, PushError, push, retry_after_seconds
from crm.vendors import make_api
from crm.writeback import build_updates

SCORED_AT = datetime(2026, 5, 4, 9, 30, 15, tzinfo=UTC)
FAST = PushConfig(backoff_s=0.01, backoff_cap_s=0.05, settle_s=0.0, max_attempts=6)
TOKEN = "t0ken-for-the-fake"
CRMS = ["hubspot", "salesforce"]


def updates_for(crm: str, n: int) -> list[LeadUpdate]:
    return list(build_updates(score_frame(lead_ids(crm, n)), crm, SCORED_AT).updates)


def fake_for(crm: str, updates: list[LeadUpdate], **kwargs) -> FakeCrm:
    return FakeCrm(crm, TOKEN, {u.id for u in updates}, **kwargs)


def assert_each_applied_once_with_its_values(fake: FakeCrm, crm: str, updates: list[LeadUpdate]) -> None:
    api = make_api(crm, fake.url, FAST.salesforce_api_version)
    assert fake.violations == []
    assert sorted(fake.applied.values()) == [1] * len(updates)
    assert set(fake.applied) == {u.id for u in updates}
    for update in updates:
        assert fake.records[update.id] == api.payload(update)


@pytest.mark.parametrize(("crm", "sizes"), [("hubspot", [100, 100, 100, 100, 50]), ("salesforce", [200, 200, 50])])
def test_batches_hold_at_most_the_crms_limit_and_every_lead_is_updated_once(tmp_path: Path, crm: str,
                                                                             sizes: list[int]) -> None:
    updates = updates_for(crm, 450)
    with fake_for(crm, updates) as fake:
        summary = push(updates, crm, fake.url, TOKEN, tmp_path / "progress.jsonl", FAST, skipped=3)
    assert [s.items for s in fake.requests_of("update")] == sizes
    assert_each_applied_once_with_its_values(fake, crm, updates)
    assert (summary.updated, summary.failed, summary.skipped, summary.batches) == (450, 0, 3, len(sizes))
    assert summary.line().startswith(f"{crm}: 450 updated, 3 skipped, 0 failed")


@pytest.mark.parametrize(("crm", "limit"), [("hubspot", 100), ("salesforce", 200)])
def test_the_fakes_refuse_a_batch_over_the_limit_as_the_crm_does(tmp_path: Path, crm: str, limit: int) -> None:
    updates = updates_for(crm, limit + 1)
    with fake_for(crm, updates) as fake:
        api = make_api(crm, fake.url, FAST.salesforce_api_version)
        request = api.update_request(updates)
        answer = httpx.request(request.method, api.url(request.path), json=request.body,
                               headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 400 and fake.applied == {}
        with pytest.raises(PushError, match=f"takes 1 to {limit} records per call"):
            push(updates, crm, fake.url, TOKEN, tmp_path / "p.jsonl", PushConfig(batch_size=limit + 1))


@pytest.mark.parametrize("crm", CRMS)
def test_a_429_is_retried_after_the_seconds_in_retry_after(tmp_path: Path, crm: str) -> None:
    updates = updates_for(crm, 30)
    with fake_for(crm, updates, faults={1: Fault("429", retry_after="1")}) as fake:
        summary = push(updates, crm, fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    first, second = fake.requests_of("update")
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 1.0  # the client waited as told
    assert summary.retries == 1 and summary.read_backs == 0  # a 429 applied nothing: no read-back needed
    assert_each_applied_once_with_its_values(fake, crm, updates)


def test_a_retry_after_http_date_is_waited_for(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 10)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    later = Fault("429", retry_after=format_datetime(until, usegmt=True))
    with fake_for("hubspot", updates, faults={1: later}) as fake:
        push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    first, second = fake.requests_of("update")
    assert first.wall < until.timestamp() <= second.wall
    assert_each_applied_once_with_its_values(fake, "hubspot", updates)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 5, 4, 9, 30, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Mon, 04 May 2026 09:30:12 GMT", now) == 12.0
    assert retry_after_seconds("Mon, 04 May 2026 09:29:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.parametrize("crm", CRMS)
def test_a_503_is_read_back_before_the_batch_is_sent_again(tmp_path: Path, crm: str) -> None:
    updates = updates_for(crm, 20)
    with fake_for(crm, updates, faults={1: Fault("503")}) as fake:
        summary = push(updates, crm, fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert [(s.kind, s.status) for s in fake.seen] == [("update", 503), ("read", 200), ("update", 200)]
    assert summary.read_backs == 1
    assert_each_applied_once_with_its_values(fake, crm, updates)


@pytest.mark.parametrize("crm", CRMS)
def test_a_batch_applied_but_whose_answer_was_lost_is_not_sent_again(tmp_path: Path, crm: str) -> None:
    updates = updates_for(crm, 450)
    with fake_for(crm, updates, faults={2: Fault("drop_after")}) as fake:
        summary = push(updates, crm, fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    statuses = [s.status for s in fake.requests_of("update")]
    assert len(statuses) == summary.batches and statuses[1] == "dropped"  # batch 2 went once, answer lost ...
    assert len(fake.requests_of("read")) == 1  # ... and one read-back found its updates on the records
    assert_each_applied_once_with_its_values(fake, crm, updates)
    verified = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()
                if '"verified"' in line]
    assert len(verified) == 1 and verified[0]["batch"] == 2 and verified[0]["absent"] == []


@pytest.mark.parametrize(("crm", "fault"), [("hubspot", "drop_before"), ("salesforce", "drop_before"),
                                           ("hubspot", "cut"), ("salesforce", "cut")])
def test_a_batch_dropped_before_it_was_applied_is_sent_again_once(tmp_path: Path, crm: str, fault: str) -> None:
    updates = updates_for(crm, 450)
    with fake_for(crm, updates, faults={2: Fault(fault)}) as fake:
        summary = push(updates, crm, fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    statuses = [s.status for s in fake.requests_of("update")]
    assert len(statuses) == summary.batches + 1 and statuses[1:3] == ["dropped", 200]  # batch 2 went again
    assert_each_applied_once_with_its_values(fake, crm, updates)


def test_a_wrong_salesforce_api_version_is_reported_not_retried(tmp_path: Path) -> None:
    updates = updates_for("salesforce", 10)
    with fake_for("salesforce", updates) as fake, pytest.raises(PushError, match=r"404 .* API version"):
        push(updates, "salesforce", fake.url, TOKEN, tmp_path / "p.jsonl", PushConfig(salesforce_api_version="41.0"))
    assert [s.status for s in fake.seen] == [404] and fake.applied == {}


@pytest.mark.parametrize("crm", CRMS)
def test_a_record_the_crm_refuses_is_recorded_as_failed_and_not_retried(tmp_path: Path, crm: str) -> None:
    updates = updates_for(crm, 50)
    gone = updates[7].id
    with FakeCrm(crm, TOKEN, {u.id for u in updates} - {gone}) as fake:
        summary = push(updates, crm, fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert len(fake.requests_of("update")) == 1  # a 207 / per-record error is an answer, not a reason to retry
    assert (summary.updated, summary.failed) == (49, 1)
    assert summary.failures[0][0] == gone
    assert ("ENTITY_IS_DELETED" if crm == "salesforce" else "OBJECT_NOT_FOUND") in summary.failures[0][1]
    assert gone not in fake.applied and sorted(fake.applied.values()) == [1] * 49


def test_a_hubspot_400_naming_inputs_fails_those_and_sends_the_others_again(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 50)
    gone = {updates[3].id, updates[30].id}
    with FakeCrm("hubspot", TOKEN, {u.id for u in updates} - gone, hubspot_missing_as_400=True) as fake:
        summary = push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert [(s.status, s.items) for s in fake.requests_of("update")] == [(400, 0), (200, 48)]
    assert summary.failed == 2 and {i for i, _ in summary.failures} == gone
    assert sorted(fake.applied.values()) == [1] * 48


@pytest.mark.parametrize("crm", CRMS)
def test_a_refused_token_stops_at_once_with_a_clear_error_and_no_retries(tmp_path: Path, crm: str) -> None:
    updates = updates_for(crm, 20)
    variable = "LEADSCORE_SALESFORCE_TOKEN" if crm == "salesforce" else "LEADSCORE_HUBSPOT_TOKEN"
    with fake_for(crm, updates) as fake, pytest.raises(AuthError) as caught:
        push(updates, crm, fake.url, "expired-token", tmp_path / "p.jsonl", FAST)
    assert [s.status for s in fake.seen] == [401]
    assert "401" in str(caught.value) and variable in str(caught.value)
    assert fake.applied == {}


def test_a_crm_that_keeps_failing_stops_the_push_and_a_second_run_finishes_it(tmp_path: Path) -> None:
    updates = updates_for("salesforce", 250)
    config = PushConfig(backoff_s=0.01, backoff_cap_s=0.02, settle_s=0.0, max_attempts=3)
    with fake_for("salesforce", updates, faults={n: Fault("503") for n in range(2, 5)}) as fake:
        with pytest.raises(PushError, match=r"batch 2 failed 3 times .* run the same command again"):
            push(updates, "salesforce", fake.url, TOKEN, tmp_path / "p.jsonl", config)
        assert [s.status for s in fake.requests_of("update")] == [200, 503, 503, 503]
        summary = push(updates, "salesforce", fake.url, TOKEN, tmp_path / "p.jsonl", config)
    assert summary.resumed and summary.updated == 250 and summary.read_backs == 1
    assert_each_applied_once_with_its_values(fake, "salesforce", updates)


def test_a_retry_after_longer_than_allowed_stops_the_push_instead_of_waiting(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 10)
    with fake_for("hubspot", updates, faults={1: Fault("429", retry_after="86400")}) as fake:
        started = time.monotonic()
        with pytest.raises(PushError, match="asks to wait 86400 s"):
            push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert time.monotonic() - started < 5


def test_an_unreachable_crm_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 10)
    with pytest.raises(PushError, match="cannot connect"):
        push(updates, "hubspot", "http://127.0.0.1:9", TOKEN, tmp_path / "p.jsonl", FAST)
    lines = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert [x["event"] for x in lines].count("sending") == FAST.max_attempts
    assert all(x["unsent"] for x in lines if x["event"] == "result")  # a refused connection sent nothing


def test_a_finished_push_run_again_sends_nothing(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 120)
    with fake_for("hubspot", updates) as fake:
        push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
        again = push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert again.requests == 0 and again.updated == 120 and again.resumed
    assert_each_applied_once_with_its_values(fake, "hubspot", updates)


def test_an_unfinished_push_of_other_scores_is_not_abandoned_unnoticed(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 250)
    with fake_for("hubspot", updates, faults={2: Fault("503")}) as fake:
        with pytest.raises(PushError):
            push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", PushConfig(settle_s=0, max_attempts=1))
        with pytest.raises(ProgressError, match=r"unfinished push of other scores .* 1 of 3 batches done"):
            push(updates[:10], "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert len(fake.requests_of("update")) == 2


def test_a_finished_push_of_other_scores_is_kept_aside_and_a_new_one_begun(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 20)
    with fake_for("hubspot", updates) as fake:
        push(updates[:10], "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
        summary = push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)  # tomorrow's scores
    assert summary.updated == 20 and not summary.resumed
    assert (tmp_path / "p.jsonl.previous").read_text().count('"event":"done"') == 1
    assert fake.applied[updates[0].id] == 2 and fake.applied[updates[15].id] == 1  # two pushes, one each


def test_a_line_cut_short_by_a_crash_is_dropped_and_the_push_goes_on(tmp_path: Path) -> None:
    updates = updates_for("hubspot", 250)
    with fake_for("hubspot", updates, faults={2: Fault("503")}) as fake:
        with pytest.raises(PushError):
            push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl",
                 PushConfig(backoff_s=0.01, settle_s=0.0, max_attempts=1))
        with (tmp_path / "p.jsonl").open("ab") as stream:
            stream.write(b'{"event":"result","batch":2,"upd')  # the crash came mid-line
        summary = push(updates, "hubspot", fake.url, TOKEN, tmp_path / "p.jsonl", FAST)
    assert summary.updated == 250
    assert (tmp_path / "p.jsonl").read_bytes().endswith(b"\n")
    assert_each_applied_once_with_its_values(fake, "hubspot", updates)
