"""Tiers: the cut-offs are probabilities, inclusive at the bottom of each tier."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.tiers import TIERS, Tiers
from training.config import TierPolicy
from training.tiers import choose_tiers


@pytest.fixture
def tiers() -> Tiers:
    return Tiers(hot_threshold=0.40, warm_threshold=0.10)


def test_a_lead_exactly_at_a_cut_off_belongs_to_the_higher_tier(tiers: Tiers) -> None:
    p = np.array([0.40, np.nextafter(0.40, 0), 0.10, np.nextafter(0.10, 0), 1.0, 0.0])
    assert tiers.assign(p).tolist() == ["hot", "warm", "warm", "cold", "hot", "cold"]


def test_tier_codes_are_positions_in_the_tier_list(tiers: Tiers) -> None:
    p = np.random.default_rng(0).random(1_000)
    assert [TIERS[c] for c in tiers.codes(p)] == tiers.assign(p).tolist()


def test_a_missing_probability_is_never_hot(tiers: Tiers) -> None:
    assert tiers.assign(np.array([np.nan])).tolist() == ["cold"]


def test_share_policy_makes_the_top_tenth_hot_and_the_next_three_tenths_warm() -> None:
    p = np.linspace(0, 1, 10_001)
    tiers = choose_tiers(p, TierPolicy(hot_share=0.1, warm_share=0.3))
    counts = {tier: int((tiers.assign(p) == tier).sum()) for tier in TIERS}
    assert counts == pytest.approx({"hot": 1_000, "warm": 3_000, "cold": 6_000}, abs=2)
