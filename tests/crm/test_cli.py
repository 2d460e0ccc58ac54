"""The ``push`` command: a push from a score file, and every mistake answered in one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from crm_fakes import FakeCrm, lead_ids, score_frame
from typer.testing import CliRunner

from crm.cli import app, push

TOKEN = "t0ken-for-the-fake"
FAST_ENV = {"LEADSCORE_PUSH_BACKOFF_S": "0.01", "LEADSCORE_PUSH_SETTLE_S": "0"}


def run(args: list[str], env: dict[str, str]) -> typer.testing.Result:
    return CliRunner().invoke(app, ["push", *args], env={**FAST_ENV, **env})


def assert_one_line_error(result: typer.testing.Result, says: str) -> None:
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_push_sends_a_score_file_and_prints_the_summary(tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    score_frame(lead_ids("hubspot", 230), errors_every=50).to_csv(scores, index=False)
    with FakeCrm("hubspot", TOKEN, set(lead_ids("hubspot", 230))) as fake:
        result = run(["--crm", "hubspot", "--instance-url", fake.url, "--scores", str(scores)],
                     {"LEADSCORE_HUBSPOT_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    progress = tmp_path / "scores.csv.push-hubspot.jsonl"
    assert json.loads(result.stdout) == {"crm": "hubspot", "updated": 225, "skipped": 5, "failed": 0,
                                         "progress": str(progress)}
    assert "hubspot: 225 updated, 5 skipped, 0 failed" in result.stderr
    assert progress.is_file() and len(fake.applied) == 225


def test_a_push_with_leads_the_crm_refused_names_them_all_and_exits_4(tmp_path: Path) -> None:
    """25 contacts deleted in the CRM since the scores were made: the first ten are named, the rest counted with
    where to find them, and the exit code lets a nightly job tell this push from a clean one."""
    scores = tmp_path / "scores.csv"
    ids = lead_ids("hubspot", 230)
    score_frame(ids).to_csv(scores, index=False)
    with FakeCrm("hubspot", TOKEN, set(ids[:205])) as fake:
        result = run(["--crm", "hubspot", "--instance-url", fake.url, "--scores", str(scores)],
                     {"LEADSCORE_HUBSPOT_TOKEN": TOKEN})
    assert result.exit_code == 4, result.stderr
    assert json.loads(result.stdout)["failed"] == 25 and len(fake.applied) == 205
    assert result.stderr.count("· failed ") == 10  # ten named
    assert "… and 15 more failed leads, each with the CRM's message in" in result.stderr


def test_a_missing_token_says_which_variable_to_set(tmp_path: Path) -> None:
    result = run(["--crm", "hubspot", "--scores", str(tmp_path / "s.csv")], {"LEADSCORE_HUBSPOT_TOKEN": ""})
    assert_one_line_error(result, "set LEADSCORE_HUBSPOT_TOKEN")
    result = run(["--crm", "salesforce", "--instance-url", "https://x.my.salesforce.com", "--scores", "s.csv",
                  "--token-env", "ACME_SF_TOKEN"], {"ACME_SF_TOKEN": ""})
    assert_one_line_error(result, "set ACME_SF_TOKEN")


def test_salesforce_without_an_instance_url_asks_for_it(tmp_path: Path) -> None:
    result = run(["--crm", "salesforce", "--scores", str(tmp_path / "s.csv")], {"LEADSCORE_SALESFORCE_TOKEN": "t"})
    assert_one_line_error(result, "--instance-url")


def test_a_missing_scores_file_is_named(tmp_path: Path) -> None:
    result = run(["--crm", "hubspot", "--scores", str(tmp_path / "nope.csv")], {"LEADSCORE_HUBSPOT_TOKEN": "t"})
    assert_one_line_error(result, "nope.csv: no such file")


def test_a_refused_token_is_one_line_and_not_retried(tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    ids = lead_ids("salesforce", 20)
    score_frame(ids).to_csv(scores, index=False)
    with FakeCrm("salesforce", TOKEN, set(ids)) as fake:
        result = run(["--crm", "salesforce", "--instance-url", fake.url, "--scores", str(scores)],
                     {"LEADSCORE_SALESFORCE_TOKEN": "stale"})
    assert_one_line_error(result, "salesforce refused the token (401 INVALID_SESSION_ID")
    assert [s.status for s in fake.seen] == [401]


@pytest.mark.parametrize("setting", ["LEADSCORE_PUSH_MAX_ATTEMPTS", "LEADSCORE_PUSH_BACKOFF_S"])
def test_a_setting_that_is_not_a_number_is_named(tmp_path: Path, setting: str) -> None:
    result = run(["--crm", "hubspot", "--scores", str(tmp_path / "s.csv")],
                 {"LEADSCORE_HUBSPOT_TOKEN": "t", setting: "lots"})
    assert_one_line_error(result, f"{setting}='lots' is not a number")


def test_the_command_registers_in_another_cli_as_leadscore_push(tmp_path: Path) -> None:
    parent = typer.Typer()

    @parent.command()
    def score() -> None:
        """Stands for leadscore's other commands."""

    parent.command("push")(push)
    result = CliRunner().invoke(parent, ["push", "--crm", "hubspot", "--scores", str(tmp_path / "none.csv")],
                                env={"LEADSCORE_HUBSPOT_TOKEN": "t"})
    assert_one_line_error(result, "no such file")
