"""The push survives being killed: 10,000 updates, injected 429s, the ``leadscore push`` process killed
(SIGKILL) while a batch is in flight, then the same command run again — and every lead is updated exactly
once, as the fake CRM's own count of applied updates shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from crm_fakes import FakeCrm, Fault, lead_ids, score_frame

from crm.push import TOKEN_ENV
from crm.vendors import make_api
from crm.writeback import read_updates

ROOT = Path(__file__).resolve().parents[2]  # the project folder
TOKEN = "t0ken-for-the-fake"
LEADS = 10_000
ERRORS_EVERY = 500  # 20 rows of the score file carry an error: skipped, never sent


def start_push(crm: str, url: str, scores: Path, progress: Path) -> subprocess.Popen:
    env = {**os.environ, TOKEN_ENV[crm]: TOKEN, "LEADSCORE_PUSH_BACKOFF_S": "0.01",
           "LEADSCORE_PUSH_BACKOFF_CAP_S": "0.05", "LEADSCORE_PUSH_SETTLE_S": "0.2"}
    command = [sys.executable, "-m", "crm.cli", "push", "--crm", crm, "--instance-url", url, "--scores", str(scores),
               "--progress", str(progress)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize(("crm", "in_flight"), [
    ("hubspot", Fault("hold_after")),  # the CRM applied the batch; the answer never reached the client
    ("salesforce", Fault("hold_drop")),  # the CRM never applied it
])
def test_a_killed_push_resumed_updates_every_lead_exactly_once(tmp_path: Path, crm: str, in_flight: Fault) -> None:
    scores = tmp_path / "scores.csv"
    score_frame(lead_ids(crm, LEADS), errors_every=ERRORS_EVERY).to_csv(scores, index=False)
    updates = read_updates(scores, crm).updates
    assert len(updates) == LEADS - LEADS // ERRORS_EVERY
    faults = {n: Fault("429", retry_after="0") for n in (3, 11, 12, 19, 31, 44)}
    faults[25] = in_flight
    progress = tmp_path / "push.jsonl"
    with FakeCrm(crm, TOKEN, {u.id for u in updates}, faults=faults) as fake:
        first = start_push(crm, fake.url, scores, progress)
        assert fake.held.wait(60), first.communicate(timeout=5)
        first.kill()  # SIGKILL: no clean-up, no last words
        first.wait(10)
        fake.release.set()
        held_ids = json.loads(progress.read_text().splitlines()[-1])["ids"]  # the batch in flight
        second = start_push(crm, fake.url, scores, progress)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err

    assert fake.violations == []
    assert len(fake.applied) == len(updates)
    assert set(fake.applied.values()) == {1}  # every lead updated, none twice
    api = make_api(crm, fake.url, "62.0")
    assert all(fake.records[u.id] == api.payload(u) for u in updates)
    assert json.loads(out) == {"crm": crm, "updated": len(updates), "skipped": LEADS // ERRORS_EVERY, "failed": 0,
                               "progress": str(progress)}

    events = [json.loads(line) for line in progress.read_text().splitlines()]
    starts = [e for e in events if e["event"] == "start"]
    assert [s["resumed"] for s in starts] == [False, True] and len(starts[1]["in_flight"]) == 1
    verified = [e for e in events if e["event"] == "verified"]
    assert len(verified) == 1 and set(verified[0]["applied"] + verified[0]["absent"]) == set(held_ids)
    if in_flight.kind == "hold_after":  # read back and found applied: not sent again
        assert sorted(verified[0]["applied"]) == sorted(held_ids)
    else:  # read back and found absent: sent once more
        assert sorted(verified[0]["absent"]) == sorted(held_ids)
    sent = [i for e in events if e["event"] == "sending" for i in e["ids"]]
    answered_429 = sum(len(e.get("unsent", ())) for e in events if e["event"] == "result")
    assert len(sent) == len(updates) + answered_429 + (len(held_ids) if in_flight.kind == "hold_drop" else 0)
