"""Schemathesis generates requests from the API document (valid and invalid ones, every check) against the
real server: every response must match what the document says, status, headers and body."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("schemathesis")

MAX_EXAMPLES = 20


def test_schemathesis_finds_nothing_against_the_document(server: str, auth: dict, tmp_path) -> None:
    header = "Authorization: " + auth["Authorization"]
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server}/docs.json", "--checks", "all",
               "-H", header, "--max-examples", str(MAX_EXAMPLES), "--seed", "21", "--request-timeout", "30",
               "--report", "junit", "--report-dir", str(tmp_path), "--no-color"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    print(run.stdout[-4000:])
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
