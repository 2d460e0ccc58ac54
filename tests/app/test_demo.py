"""`make demo` is what a new user runs first: the whole loop on the real components, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadscore.demo import run_demo

pytestmark = [pytest.mark.slow, pytest.mark.extended]


def test_the_demo_trains_serves_and_scores_a_hot_a_warm_and_a_cold_lead(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # its MLflow store, score log and model cache in a folder of its own
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    results = run_demo(4_000, 0, tmp_path / "data", say=lambda _: None)
    assert [r["status"] for r in results] == ["ok", "ok", "ok"]
    assert results[0]["tier"] == "hot" and results[1]["tier"] == "warm"
    assert results[0]["score"] > results[1]["score"] > results[2]["score"]
    assert all(r["reasons"] for r in results[:2])  # a hot and a warm lead are explained
