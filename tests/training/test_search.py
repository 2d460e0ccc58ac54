"""The settings search: a time budget tries as many settings as fit in it (fewer on a busy machine), so a data
scientist who needs the same model on any machine names the number of settings instead."""

from __future__ import annotations

import pytest

from leadscore.synthetic import WorldConfig, generate_world
from training.config import SEARCH_GRID, TrainConfig
from training.train import train_event


def test_a_count_of_settings_stops_the_search_there_whatever_the_time() -> None:
    counted = TrainConfig(search_count=2, search_seconds=0.0)
    assert not counted.search_done(1, 1e9) and counted.search_done(2, 0.0)
    timed = TrainConfig(search_seconds=5.0)
    assert not timed.search_done(0, 1e9)  # one setting is always tried
    assert not timed.search_done(3, 4.0) and timed.search_done(3, 6.0)
    with pytest.raises(ValueError, match=f"the search tries 1 to {len(SEARCH_GRID)} settings, not 0"):
        TrainConfig(search_count=0)


@pytest.mark.extended  # three trainings (~50 s on a busy 2-core machine): `make test-extended`
def test_the_same_count_of_settings_gives_the_same_model_on_a_fast_and_a_slow_machine() -> None:
    """A budget of almost no time stands for a busy machine, a large one for an idle one: with the count named
    both try the same two settings and serve the same model; the budget alone would have tried one and many."""
    world = generate_world(WorldConfig(n_leads=2500, seed=11))
    said: list[str] = []
    busy = train_event(world.leads, world.activities, world.conversions,
                       TrainConfig(search_count=2, search_seconds=1e-6), said.append)
    idle = train_event(world.leads, world.activities, world.conversions,
                       TrainConfig(search_count=2, search_seconds=1e6))
    assert len(busy.search) == len(idle.search) == 2 and busy.search == idle.search
    assert busy.metrics == idle.metrics
    timed: list[str] = []
    train_event(world.leads, world.activities, world.conversions, TrainConfig(search_seconds=1e-6), timed.append)
    assert any("--search-candidates 1 tries the same ones on any machine" in line for line in timed), timed
    assert not any("stopped after" in line for line in said)
