"""Schemathesis generates requests from the API document (valid and invalid ones, every check) against the
real server: every response must match what the document says, status, headers and body."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("schemathesis")

MAX_EXAMPLES = 20
CONFIG = """
# /card renders one lead; a lead the rulebook cannot read (a date string that is no date: valid for the schema,
# which cannot express the rulebook) is answered 422 with its fields named, as documented.
[[operations]]
include-path = "/card"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"""


def test_schemathesis_finds_nothing_against_the_document(server: str, auth: dict, tmp_path) -> None:
    header = "Authorization: " + auth["Authorization"]
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"),
               "run", f"{server}/docs.json", "--checks", "all",
               "-H", header, "--max-examples", str(MAX_EXAMPLES), "--seed", "21", "--request-timeout", "30",
               "--report", "junit", "--report-dir", str(tmp_path), "--no-color"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    print(run.stdout[-4000:])
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
