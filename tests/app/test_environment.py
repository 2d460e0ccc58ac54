"""Configuration is by environment variables only, each listed once with its default and meaning, and the
README's table is that list."""

from __future__ import annotations

import re
from pathlib import Path

from scoring.settings import ENVIRONMENT, environment_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("features", "scoring", "training", "serving", "crm", "monitoring", "leadscore", "engines")


def test_every_variable_the_code_reads_is_listed() -> None:
    named = set()
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            named |= set(re.findall(r"LEADSCORE_[A-Z_]*[A-Z]", source.read_text(encoding="utf-8")))
    prefixes = {"LEADSCORE_PUSH"}  # read as LEADSCORE_PUSH_{name}: each name is listed
    assert named - prefixes <= set(ENVIRONMENT), sorted(named - prefixes - set(ENVIRONMENT))
    assert {f"LEADSCORE_PUSH_{n}" for n in ("MAX_ATTEMPTS", "BACKOFF_S", "BACKOFF_CAP_S", "MAX_WAIT_S", "SETTLE_S",
                                            "TIMEOUT_S", "BATCH_SIZE")} <= set(ENVIRONMENT)


def test_the_readme_table_is_the_list() -> None:
    assert environment_table() in (ROOT / "README.md").read_text(encoding="utf-8")
