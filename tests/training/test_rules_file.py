"""The rules file is the user's to edit: a typo in it is an error naming the rule, never a rule dropped in
silence (a misspelt key dropped the C-level rule, a condition of the wrong kind never fired, and training said
nothing)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
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


def test_a_points_model_with_no_elapsed_horizon_is_checked_forward_over_the_last_four_weeks() -> None:
    """Fitted on what was known 28 days before the end of the data, judged on the leads open then: the tester's
    young CRM got '–' for every figure, with nothing to say how far the scores could be trusted."""
    from training.model_card import model_card

    world = generate_world(WorldConfig.preset("short_crm", seed=4))
    said: list[str] = []
    result = train_event(world.leads, world.activities, world.conversions, CONFIG, said.append)
    m = result.metrics

    end = max(world.leads["created_at"].max(), world.activities["occurred_at"].max(),
              world.conversions["converted_at"].max()).ceil("D")  # the export: the day after the newest record
    moment = (end - pd.Timedelta(days=28)).floor("D")
    converted_at = world.leads[["lead_id"]].merge(world.conversions, how="left")["converted_at"]
    created = world.leads["created_at"] < moment
    open_then = created & ~(converted_at <= moment).to_numpy()
    converted = open_then & ((converted_at > moment) & (converted_at <= moment + pd.Timedelta(days=28))).to_numpy()
    assert m["forward_check_leads"] == open_then.sum() and m["forward_check_conversions"] == converted.sum()
    # calibrated on what was known then: the count it expected is within three Poisson deviations of what came
    assert abs(m["forward_check_expected"] - converted.sum()) < 3 * np.sqrt(m["forward_check_expected"])
    assert m["forward_check_roc_auc"] > 0.6 and m["forward_check_brier"] < m["forward_check_brier_base_rate"]
    assert "roc_auc" not in m and result.test.empty  # the 90-day horizon itself stays unjudged: the gate sees nothing
    assert f"of {int(open_then.sum()):,} leads open on {moment.date()}, {int(converted.sum())} converted" in \
        result.evaluation
    assert "Checked forward over the last 28 days" in model_card(result, CONFIG, {})
