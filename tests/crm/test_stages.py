"""The suggested funnel stage: the documented default rules, one answer per lead whether asked row by row or
for a whole frame, and rules marketing and sales keep in a TOML file."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm.stages import (
    DEFAULT_RULES,
    DEFAULT_RULES_TOML,
    StageRulesError,
    load_stage_rules,
    parse_stage_rules,
    suggest_stage,
    suggest_stages,
)

# The defaults as the module docstring states them, written out for every tier and grade.
EXPECTED = {
    ("hot", "A"): "sql_ready", ("hot", "B"): "sql_ready", ("hot", "C"): "mql", ("hot", "D"): "mql",
    ("warm", "A"): "mql", ("warm", "B"): "mql", ("warm", "C"): "mql", ("warm", "D"): "mql",
    ("cold", "A"): "mql", ("cold", "B"): "nurture", ("cold", "C"): "lead", ("cold", "D"): "lead",
}


@pytest.mark.parametrize(("tier", "grade"), list(EXPECTED))
def test_default_rules_give_the_documented_stage_for_every_tier_and_grade(tier: str, grade: str) -> None:
    assert suggest_stage({"score": 50, "tier": tier, "grade": grade}) == EXPECTED[(tier, grade)]


def test_the_stages_a_crm_picklist_needs_are_listed_in_rule_order() -> None:
    assert DEFAULT_RULES.names == ("sql_ready", "mql", "nurture", "lead")
    assert [s.label for s in DEFAULT_RULES.stages] + [DEFAULT_RULES.otherwise.label] == \
        ["SQL-ready", "MQL", "Nurture", "Lead"]


def test_rows_that_were_not_scored_get_no_stage() -> None:
    assert suggest_stage({"score": None, "tier": None, "grade": None, "error": "created_at: bad date"}) is None
    assert suggest_stage({"status": "error", "score": 90, "tier": "hot", "grade": "A"}) is None
    frame = pd.DataFrame({"score": [90.0, np.nan], "tier": ["hot", None], "grade": ["A", None],
                          "error": [None, "lead_id: duplicate"]})
    stages = suggest_stages(frame)
    assert stages.name == "stage"
    assert stages.tolist() == ["sql_ready", None]


def test_the_frame_and_the_row_answer_alike_for_every_combination() -> None:
    rng = np.random.default_rng(7)
    combos = list(itertools.product(["hot", "warm", "cold"], "ABCD")) * 25
    frame = pd.DataFrame({"score": rng.integers(0, 101, len(combos)).astype(float),
                          "tier": [t for t, _ in combos], "grade": [g for _, g in combos], "error": None})
    frame.loc[::17, "error"] = "created_at: lead created after as_of"
    frame.loc[::17, ["score", "tier", "grade"]] = [np.nan, None, None]
    rules = parse_stage_rules(DEFAULT_RULES_TOML.replace('when = [{ grade = ["B"] }]',
                                                         'when = [{ grade = ["B"], min_score = 20 }]'))
    by_frame = suggest_stages(frame, rules)
    by_row = [suggest_stage(r, rules) for r in frame.to_dict(orient="records")]
    assert by_frame.tolist() == by_row
    assert by_frame.isna().sum() == len(frame.loc[::17])  # only the error rows have no stage
    assert set(by_frame.dropna()) == {"sql_ready", "mql", "nurture", "lead"}


def test_the_default_toml_text_is_the_default_rules() -> None:
    assert parse_stage_rules(DEFAULT_RULES_TOML) == DEFAULT_RULES


def test_a_rules_file_changes_the_stages_and_the_first_matching_rule_wins(tmp_path: Path) -> None:
    path = tmp_path / "stages.toml"
    path.write_text("""
otherwise = { name = "lead", label = "Lead" }

[[stage]]
name = "sql_ready"
label = "SQL-ready"
when = [{ min_score = 80 }, { tier = "hot", grade = ["A"] }]

[[stage]]
name = "mql"
label = "MQL"
when = [{ min_score = 40, max_score = 100 }]
""", encoding="utf-8")
    rules = load_stage_rules(path)
    assert suggest_stage({"score": 85, "tier": "warm", "grade": "D"}, rules) == "sql_ready"  # score alone
    assert suggest_stage({"score": 30, "tier": "hot", "grade": "A"}, rules) == "sql_ready"  # second condition
    assert suggest_stage({"score": 79, "tier": "hot", "grade": "B"}, rules) == "mql"
    assert suggest_stage({"score": 39, "tier": "warm", "grade": "A"}, rules) == "lead"
    frame = pd.DataFrame({"score": [85, 30, 79, 39], "tier": ["warm", "hot", "hot", "warm"],
                          "grade": ["D", "A", "B", "A"]})
    assert suggest_stages(frame, rules).tolist() == ["sql_ready", "sql_ready", "mql", "lead"]


@pytest.mark.parametrize(("text", "says"), [
    ('otherwise = { name = "lead" }\n[[stage]]\nname = "sql"\nwhen = [{ tier = ["boiling"] }]', "tier must list"),
    ('otherwise = { name = "lead" }\n[[stage]]\nname = "sql"\nwhen = [{ colour = "red" }]', "unknown key 'colour'"),
    ('[[stage]]\nname = "sql"\nwhen = [{ grade = "A" }]', "needs `otherwise"),
    ('otherwise = { name = "sql" }\n[[stage]]\nname = "sql"\nwhen = [{ grade = "A" }]', "used twice"),
    ('otherwise = { name = "lead" }\n[[stage]]\nname = "SQL Ready"\nwhen = [{ grade = "A" }]', "lower-case"),
    ('otherwise = { name = "lead" }\n[[stage]]\nname = "sql"\nwhen = []', "at least one condition"),
    ('otherwise = { name = "lead" }\n[[stage]]\nname = "sql"\nwhen = [{ min_score = 101 }]', "0 to 100"),
    ("stage = [", "not valid TOML"),
])
def test_a_bad_rules_file_is_refused_naming_the_file_and_the_key(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "team-stages.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StageRulesError) as caught:
        load_stage_rules(path)
    assert str(path) in str(caught.value) and says in str(caught.value)
