"""The rules file is the user's to edit: a typo in it is an error naming the rule, never a rule dropped in
silence (a misspelt key dropped the C-level rule, a condition of the wrong kind never fired, and training said
nothing)."""

from __future__ import annotations

import dataclasses

import pytest

from leadscore.synthetic import WorldConfig, generate_world
from training.config import TrainConfig
from training.rules import RulesError, read_rules
from training.train import train_event

CONFIG = TrainConfig(search_seconds=1)


@pytest.fixture(scope="module")
def world():
    return generate_world(WorldConfig.preset("short_crm", seed=6, n_leads=300))


def test_the_shipped_rules_read_without_complaint() -> None:
    assert len(read_rules()) >= 10


@pytest.mark.parametrize(("text", "says"), [
    ('[[rule]]\nfeature = "seniority"\nin = ["c_level_owner"]\npoint = 20\n', r"unknown key 'point'; a rule has"),
    ('[[rule]]\nfeature = "seniority"\nin = ["c_level_owner"]\npoints = "20"\n', r"points must be a number, not '20'"),
    ('[[rule]]\nfeature = "lead_source"\nat_least = 1\npoints = 5\n',
     r"lead_source is a category: give its values with `in`"),
    ('[[rule]]\nfeature = "n_demo_request_30d"\nin = ["1"]\npoints = 5\n',
     r"n_demo_request_30d is a number: give `at_least` or `at_most`"),
    ('[[rule]]\nfeature = "seniority"\nin = "c_level_owner"\npoints = 5\n', r"`in` is a list of values"),
    ('[[rules]]\nfeature = "seniority"\n', r"'rules' is not part of a rules file; write each rule as a \[\[rule\]\]"),
])
def test_a_typo_in_the_rules_file_is_an_error_naming_the_rule(tmp_path, world, text, says):
    rules = tmp_path / "rules.toml"
    rules.write_text(text)
    with pytest.raises(RulesError, match=says):
        train_event(world.leads, world.activities, world.conversions,
                    dataclasses.replace(CONFIG, rules_file=str(rules)))


def test_a_rule_value_the_history_never_shows_is_said_it_may_be_a_typo(tmp_path, world) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nfeature = "lead_source"\nin = ["referal"]\npoints = 10\n'
                     '[[rule]]\nfeature = "n_demo_request_30d"\nat_least = 1\npoints = 50\n')
    said: list[str] = []
    train_event(world.leads, world.activities, world.conversions, dataclasses.replace(CONFIG, rules_file=str(rules)),
                said.append)
    assert any("rule 1 (lead_source): 'referal' never occurs in this history" in line and "referral" in line
               for line in said), said


def test_a_points_model_judged_on_nothing_says_so_on_its_card_and_in_its_run(world) -> None:
    """Three months of history: no snapshot's 90-day horizon has elapsed, so nothing was measured; the card said
    'nan%' for every tier and claimed a calibration on out-of-sample margins, the run '0 labelled conversions'."""
    from training.model_card import model_card

    said: list[str] = []
    result = train_event(world.leads, world.activities, world.conversions, CONFIG, said.append)
    card = model_card(result, CONFIG, {})

    assert result.regime == "rules" and "nan" not in card
    assert "| hot |" in card and "not measured yet" in card and "out-of-sample" not in card
    assert any("conversions on snapshots whose 90-day horizon has elapsed (< 40 to learn from" in line
               for line in said), said
