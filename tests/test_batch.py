"""Nightly batch scoring: one output row per input row, errors named, order kept, written atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from serving.batch import score_event_file
from training.bundle import ScoringBundle

AS_OF = pd.Timestamp("2026-06-30T00:00:00Z")


@pytest.fixture(scope="module")
def messy_leads(world_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 leads of the world plus the kinds of rows real exports have: no id, a duplicate id, a bad date,
    and a lead created after the scoring moment."""
    leads = pd.read_csv(world_files["leads"], dtype=str).head(300)
    broken = pd.DataFrame([
        {**leads.iloc[0].to_dict(), "lead_id": ""},  # missing id
        {**leads.iloc[1].to_dict()},  # duplicate of row 2
        {**leads.iloc[2].to_dict(), "lead_id": "BAD-DATE", "created_at": "31.02.2024"},
        {**leads.iloc[3].to_dict(), "lead_id": "FUTURE", "created_at": "2030-01-01T00:00:00Z"},
    ])
    mixed = pd.concat([leads.iloc[:100], broken, leads.iloc[100:]], ignore_index=True)
    path = tmp_path_factory.mktemp("batch") / "leads.csv"
    mixed.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def scored(bundle: ScoringBundle, messy_leads: Path, world_files: dict[str, Path]) -> pd.DataFrame:
    out = messy_leads.with_name("scores.csv")
    summary = score_event_file(bundle, messy_leads, world_files["activities"], out, AS_OF, "de", 3, "7")
    assert summary.rows == 304
    return pd.read_csv(out, dtype={"lead_id": str, "model_version": str})


def test_every_input_row_has_exactly_one_output_row_in_input_order(scored: pd.DataFrame) -> None:
    assert list(scored["row"]) == list(range(1, 305))


def test_rows_that_cannot_be_scored_carry_an_error_naming_the_field(scored: pd.DataFrame) -> None:
    errors = scored[scored["error"].notna()].set_index("row")["error"]
    assert set(errors.index) == {101, 102, 103, 104}
    assert errors[101].startswith("lead_id")
    assert errors[102].startswith("lead_id") and "duplicate" in errors[102]
    assert errors[103].startswith("created_at")
    assert errors[104].startswith("created_at") and "after as_of" in errors[104]
    assert scored.loc[scored["error"].notna(), "score"].isna().all()


def test_scored_rows_have_scores_tiers_and_german_reasons(scored: pd.DataFrame) -> None:
    ok = scored[scored["error"].isna()]
    assert len(ok) == 300
    assert ok["score"].between(0, 100).all() and set(ok["tier"]) <= {"hot", "warm", "cold"}
    assert (ok["model_version"] == "7").all()
    assert ok["reason_1"].str.contains(r"\([+-]\d+\)").all()
    assert ok["reason_1"].str.contains("Tage|Branche|Hierarchieebene|Keine|Abteilung|Sitz|Gekommen|Unternehmen").any()


def test_batch_scores_equal_bundle_scores(scored: pd.DataFrame, bundle: ScoringBundle, event_data) -> None:
    ok = scored[scored["error"].isna()].set_index("lead_id")
    direct = bundle.score_leads(event_data.leads[event_data.leads["lead_id"].isin(ok.index)], event_data.activities,
                                AS_OF)
    pd.testing.assert_series_equal(ok["probability"].sort_index(), direct["probability"].sort_index(),
                                   check_names=False, rtol=1e-12)


def test_a_failed_write_leaves_no_partial_file(bundle: ScoringBundle, messy_leads: Path,
                                                world_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "scores.unknown-format"
    with pytest.raises(Exception):  # noqa: B017 - the format error itself is the loader's business
        score_event_file(bundle, messy_leads, world_files["activities"], out, AS_OF)
    assert list(tmp_path.iterdir()) == []


def test_parquet_output_round_trips(bundle: ScoringBundle, messy_leads: Path, world_files: dict[str, Path],
                                    tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    score_event_file(bundle, messy_leads, world_files["activities"], out, AS_OF)
    assert len(pd.read_parquet(out)) == 304
