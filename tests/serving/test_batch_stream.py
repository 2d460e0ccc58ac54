"""A Parquet export scored chunk by chunk (serving/stream.py) gives bit for bit the rows of the whole-file path.

The small world's leads as text (so a date can be unparseable), with the rows real exports have spread over
many chunks: no id, an id repeated in a later chunk (padded), an id whose first row is rejected (bad date) so
that its second row, in another chunk, is the kept one and a third is its duplicate, leads created after the
scoring moment, leads without activities, activities of unknown leads and exact duplicate activities.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from frames import assert_bitwise_equal

from features.loading import load_event_data
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from scoring.settings import ENVIRONMENT
from serving.batch import CHUNK_LEADS, score_event_file
from serving.stream import streamable

AS_OF = pd.Timestamp("2026-01-15T00:00:00Z")
CHUNK = 97  # leads rows per chunk: ~13 chunks, every kind of messy row lands away from its twin
ROUTED = 1_000  # activities routed at a time: ~25 batches, a lead's activities come from several of them
WHOLE = 10**9  # a chunk larger than the file: the whole-file path


@dataclass
class Inputs:
    leads: Path
    activities: Path
    frame: pd.DataFrame
    no_activity_ids: list[str]
    unknown_ids: set[str]
    revived_row: int  # the first row of an id, rejected (bad date); its twin at row 803 is kept, 804 repeats it


@pytest.fixture(scope="module")
def inputs(world_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    every = pd.read_csv(world_files["leads"], dtype=str)
    leads = every.iloc[::5].head(1200).reset_index(drop=True)
    twin = leads.iloc[7]["lead_id"]
    created = pd.to_datetime(leads["created_at"], utc=True, format="ISO8601")
    r = int(np.flatnonzero((created < AS_OF).to_numpy() & (np.arange(len(leads)) >= 30))[0])
    revived = leads.iloc[r].to_dict()  # its first row (bad date) is rejected; its second is kept
    leads.loc[r, "created_at"] = "31.02.2024"
    rows = [leads.iloc[:400],
            pd.DataFrame([{**leads.iloc[0].to_dict(), "lead_id": ""},  # no id
                          {**leads.iloc[7].to_dict(), "lead_id": f"  {twin} "}]),  # lead 8's id, padded
            leads.iloc[400:800],
            pd.DataFrame([revived, {**revived, "lead_source": "Messe"}]),  # kept, then its duplicate
            leads.iloc[800:],
            pd.DataFrame([{**leads.iloc[9].to_dict(), "lead_id": "4711"}])]  # a numbered lead, last
    leads = pd.concat(rows, ignore_index=True)

    activities = pd.read_csv(world_files["activities"], dtype=str)
    activities["occurred_at"] = pd.to_datetime(activities["occurred_at"], utc=True, format="ISO8601")
    ids = set(leads["lead_id"])
    with_activity = set(activities["lead_id"])
    no_activity_ids = [i for i in leads["lead_id"].iloc[50:1000:40] if i in with_activity]
    mine = activities[activities["lead_id"].isin(ids) & ~activities["lead_id"].isin(no_activity_ids)]
    unknown = activities[~activities["lead_id"].isin(ids)].head(300)
    padded = mine.iloc[::53].head(40).assign(lead_id=lambda f: " " + f["lead_id"])  # found only once cleaned
    # the numbered lead's activities as another export writes its id: zero-padded, or as a decimal
    numbered = mine.iloc[3:9].assign(lead_id=["04711", "4711.0", "4711", "004711", "4711.00", "4711"])
    untyped = mine.iloc[11:14].assign(activity_type=None)  # rows the loader cannot use: no type
    activities = pd.concat([mine, unknown, mine.iloc[::97].head(50), padded, numbered, untyped], ignore_index=True)
    activities = activities.sample(frac=1.0, random_state=5).reset_index(drop=True)  # not sorted by lead

    folder = tmp_path_factory.mktemp("stream")
    leads.to_parquet(folder / "leads.parquet", index=False, row_group_size=250)
    activities.to_parquet(folder / "activities.parquet", index=False, row_group_size=5_000)
    return Inputs(folder / "leads.parquet", folder / "activities.parquet", leads, no_activity_ids,
                  set(unknown["lead_id"]), r + 1)


@pytest.fixture(scope="module")
def scored(bundle: ScoringBundle, inputs: Inputs, tmp_path_factory: pytest.TempPathFactory):
    options = ScoringOptions(AS_OF.to_pydatetime(), "de", 3)
    out = tmp_path_factory.mktemp("stream_scores")
    whole = score_event_file(bundle, inputs.leads, inputs.activities, out / "whole.parquet", options, "7",
                             chunk=WHOLE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("serving.stream.ROUTE_ROWS", ROUTED)
        chunked = score_event_file(bundle, inputs.leads, inputs.activities, out / "chunked.parquet", options, "7",
                                   chunk=CHUNK)
    return whole, pd.read_parquet(out / "whole.parquet"), chunked, pd.read_parquet(out / "chunked.parquet"), out


def test_chunks_give_the_whole_files_rows_bit_for_bit(scored, inputs: Inputs) -> None:
    whole_summary, whole, summary, chunked, _ = scored
    assert streamable(inputs.leads, inputs.activities, CHUNK) and not streamable(inputs.leads, inputs.activities,
                                                                                WHOLE)
    assert summary == type(summary)(whole_summary.rows, whole_summary.scored, whole_summary.errors, summary.out,
                                    notes=whole_summary.notes)
    assert chunked["row"].tolist() == list(range(1, len(inputs.frame) + 1))  # one row per input row, in order
    assert_bitwise_equal(whole, chunked)


def test_every_kind_of_messy_row_is_decided_across_chunks_as_in_the_whole_file(scored, inputs: Inputs) -> None:
    _, _, summary, chunked, _ = scored
    chunk_of = (np.array([8, 402, inputs.revived_row, 803]) - 1) // CHUNK
    assert chunk_of[0] < chunk_of[1] and chunk_of[2] < chunk_of[3]  # each twin in a later chunk than its first row
    errors = chunked.set_index("row")["error"]
    assert errors[401].startswith("lead_id:")  # no id
    assert errors[402] == "lead_id: duplicate lead_id (first seen in row 8)"
    assert errors[inputs.revived_row].startswith("created_at:")  # the revived id's first row: unparseable date
    assert pd.isna(errors[803])  # ... so its second row, in a later chunk, is the lead, scored
    assert errors[804] == "lead_id: duplicate lead_id (first seen in row 803)"
    created = pd.to_datetime(inputs.frame["created_at"], utc=True, errors="coerce", format="ISO8601")
    other = np.isin(np.arange(len(created)), [400, 401, 803])  # rows 401, 402, 804: errors of their own
    after = int(((created > AS_OF).to_numpy() & ~other).sum())
    assert errors.str.contains("after as_of", na=False).sum() == after > 100
    assert summary.errors == 4 + after
    silent = chunked[chunked["lead_id"].isin(inputs.no_activity_ids) & chunked["error"].isna()]
    assert len(silent) >= 15 and silent["score"].notna().all()  # scored on their fit alone
    assert not set(chunked["lead_id"].dropna()) & inputs.unknown_ids


def test_ids_written_as_other_exports_write_them_find_their_lead_and_the_run_says_so(scored,
                                                                                     inputs: Inputs) -> None:
    """``04711`` and ``4711.0`` are lead ``4711`` in both paths (the chunks route them by that number), and
    the summary tells the user how the ids met, and that 300 activities named no lead of the file."""
    whole_summary, whole, summary, _, _ = scored
    assert summary.notes == whole_summary.notes
    by_number, unknown = summary.notes[:2]
    assert by_number == (f"{inputs.activities}: lead found by the number its id writes for 4 rows ('00123' or "
                         "'123.0' as '123'): the files write lead ids differently")
    assert unknown.startswith(f"{inputs.activities}: no lead of {inputs.leads} for 300 rows (e.g. ")
    assert summary.notes[2].startswith(f"{inputs.activities}: 3 rows not used (activity_type: 3), their leads are "
                                       f"scored without them; the first: {inputs.activities} row ")
    assert whole.loc[whole["lead_id"] == "4711", "score"].notna().all()
    data, _ = load_event_data(inputs.leads, inputs.activities)
    assert (data.activities["lead_id"] == "4711").sum() == 6  # all six, under the lead's own id


def test_csv_output_is_written_chunk_by_chunk_with_the_same_rows(scored, bundle: ScoringBundle,
                                                                  inputs: Inputs) -> None:
    _, whole, _, _, out = scored
    options = ScoringOptions(AS_OF.to_pydatetime(), "de", 3)
    score_event_file(bundle, inputs.leads, inputs.activities, out / "chunked.csv", options, "7", chunk=CHUNK)
    text = {"lead_id": str, "model_version": str, "error": str, "warnings": str}
    chunked = pd.read_csv(out / "chunked.csv", dtype=text, float_precision="round_trip")
    assert_bitwise_equal(whole.astype({"score": "float64"}), chunked)
    assert not [p for p in os.listdir(out) if p.startswith(".")]  # no temporary files or folders left


def test_the_chunk_size_is_read_from_the_environment(bundle: ScoringBundle, inputs: Inputs, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert ENVIRONMENT["LEADSCORE_BATCH_CHUNK_LEADS"][0] == str(CHUNK_LEADS)  # the README's default is the code's
    monkeypatch.setenv("LEADSCORE_BATCH_CHUNK_LEADS", "0")
    with pytest.raises(ValueError, match="LEADSCORE_BATCH_CHUNK_LEADS='0' is too small"):
        score_event_file(bundle, inputs.leads, inputs.activities, tmp_path / "scores.parquet",
                         ScoringOptions(AS_OF.to_pydatetime()))
    assert not (tmp_path / "scores.parquet").exists()

