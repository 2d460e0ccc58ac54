"""Configuration is by environment variables only, each listed once with its default and meaning, and the
README's table is that list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def test_every_layer_reads_the_environment_by_one_set_of_rules() -> None:
    """Unset and empty are the same; numbers take the default's type; a bad value names its variable."""
    from scoring.settings import env_flag, env_number, env_text

    env = {"A": " 12 ", "B": "", "C": "lots", "D": "1.5", "E": "off", "F": "vielleicht", "G": "-1"}
    assert env_number("A", 3, env=env) == 12 and isinstance(env_number("A", 3, env=env), int)
    assert env_number("B", 3, env=env) == 3 and env_number("missing", 2.5, env=env) == 2.5
    assert env_number("D", 1.0, env=env) == 1.5
    with pytest.raises(ValueError, match=r"C='lots' is not a number"):
        env_number("C", 1.0, env=env)
    with pytest.raises(ValueError, match=r"D='1.5' is not a number \(a whole one is needed\)"):
        env_number("D", 1, env=env)
    with pytest.raises(ValueError, match=r"G='-1' is too small"):
        env_number("G", 1, smallest=0, env=env)
    assert env_flag("E", True, env=env) is False and env_flag("B", True, env=env) is True
    with pytest.raises(ValueError, match="F='vielleicht' is neither yes"):
        env_flag("F", False, env=env)
    assert env_text("A", env=env) == "12" and env_text("B", "x", env=env) == "x"


def test_a_bad_serving_setting_is_named_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from serving.config import ServeConfig

    monkeypatch.setenv("LEADSCORE_MAX_LEADS", "tausend")
    with pytest.raises(ValueError, match="LEADSCORE_MAX_LEADS='tausend' is not a number"):
        ServeConfig.from_env()
