"""The Spark engine gives bit for bit the features and scores of the local path, because it runs the same
functions on buckets of leads with all their activities (engines/partition.py).

One SparkSession in local mode for the module; a small world with the rows real exports have (no id, a
duplicate id, an unparseable date, leads created after the scoring moment, leads without activities,
activities of unknown leads, exact duplicate activities), given to Spark as folders of part files and to the
local path as the same rows in one file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark", reason="PySpark is not installed: the Spark engine tests need the optional extra "
                                      "(pip install '.[spark]') and Java 17")
if shutil.which("java") is None:
    pytest.skip("no Java on PATH: Spark local mode needs Java 17", allow_module_level=True)

from frames import assert_bitwise_equal
from messy_world import messy_activities, messy_leads, write_parts

from engines.spark import score_spark
from leadscore.cli import app
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from serving.batch import score_event_file

pytestmark = pytest.mark.slow  # a JVM and Python workers start: ~30 s and more on a shared 2-core machine
#: Scoring on Spark and locally adds ~75 s to `make test` on a loaded 2-core machine: the score checks run in
#: `make test-extended`; the features check (the same cogrouped buckets through the same loader) in `make test`.
extended = pytest.mark.extended

AS_OF = pd.Timestamp("2026-01-15T00:00:00Z")
NO_ACTIVITY_LEADS = 30
UNKNOWN_LEAD_ACTIVITIES = 300
DUPLICATE_ACTIVITIES = 50


@dataclass
class Inputs:
    leads_file: Path  # every leads row in one file (the local path)
    activities_file: Path
    leads_dir: Path  # the same rows as part files (Spark)
    activities_dir: Path
    leads: pd.DataFrame
    no_activity_ids: list[str]
    unknown_ids: set[str]
    created_after: int  # leads rows with a usable date after AS_OF


@pytest.fixture(scope="module")
def inputs(world_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    """Every fifth lead of the small world (created across its whole history) with the mess added; leads
    keep their values as text (created_at too, so one can be unparseable), activities have typed moments."""
    leads = messy_leads(world_files["leads"], every=5)
    activities, no_activity_ids, unknown_ids = messy_activities(
        world_files["activities"], leads, NO_ACTIVITY_LEADS, UNKNOWN_LEAD_ACTIVITIES, DUPLICATE_ACTIVITIES)
    created = pd.to_datetime(leads["created_at"], utc=True, errors="coerce", format="ISO8601")
    folder = tmp_path_factory.mktemp("spark_inputs")
    leads.to_parquet(folder / "leads.parquet", index=False)
    activities.to_parquet(folder / "activities.parquet", index=False)
    write_parts(leads, folder / "leads", 2)
    # the part files name the columns in other words, as an export may: Spark reads them as the contract's
    write_parts(activities.rename(columns={"lead_id": "Lead ID", "occurred_at": "OccurredAt",
                                           "activity_type": "Activity Type"}), folder / "activities", 3)
    return Inputs(folder / "leads.parquet", folder / "activities.parquet", folder / "leads", folder / "activities",
                  leads, no_activity_ids, unknown_ids, int((created > AS_OF).sum()))


@pytest.fixture(scope="module")
def scored(spark, bundle: ScoringBundle, inputs: Inputs, tmp_path_factory: pytest.TempPathFactory):
    options = ScoringOptions(AS_OF.to_pydatetime(), "de", 3)
    out = tmp_path_factory.mktemp("spark_scores")
    local = score_event_file(bundle, inputs.leads_file, inputs.activities_file, out / "local.parquet", options, "7")
    summary = score_spark(spark, bundle, str(inputs.leads_dir), str(inputs.activities_dir), str(out / "spark"),
                          options, "7", buckets=3)
    return (local, pd.read_parquet(out / "local.parquet"),
            summary, pd.read_parquet(out / "spark").sort_values("row").reset_index(drop=True))


@extended
def test_spark_scores_are_the_local_scores_bit_for_bit(scored, inputs: Inputs) -> None:
    local_summary, local, summary, spark = scored
    assert summary.rows == local_summary.rows == len(inputs.leads)  # one row per input leads row
    assert summary.buckets == 3
    assert spark["row"].tolist() == list(range(1, len(inputs.leads) + 1))  # numbered across the part files
    assert_bitwise_equal(local, spark)


@extended
def test_every_kind_of_row_comes_out_as_locally(scored, inputs: Inputs) -> None:
    _, _, summary, spark = scored
    errors = spark.set_index("row")["error"]
    assert errors[401].startswith("lead_id:")  # the row without an id
    assert "duplicate" in errors[402] and "row 2" in errors[402]  # the padded id is lead 2's; its row is named
    assert errors[403].startswith("created_at:")  # 31.02.2024
    after = errors.str.contains("after as_of", na=False)
    assert after.sum() == inputs.created_after > 100  # every lead created after the moment, as an error row
    assert summary.errors == 3 + inputs.created_after
    silent = spark[spark["lead_id"].isin(inputs.no_activity_ids)]
    assert len(silent) == NO_ACTIVITY_LEADS and silent["score"].notna().all()  # scored on their fit alone
    assert not set(spark["lead_id"].dropna()) & inputs.unknown_ids  # unknown leads' activities score nobody


@extended
def test_an_export_with_conversions_and_a_renamed_column_comes_out_of_spark_as_locally(
        spark, bundle: ScoringBundle, inputs: Inputs, world_files: dict[str, Path], tmp_path: Path) -> None:
    """A leads export that records conversions (``converted_at``) and names the title ``Job Role``: the leads
    converted by the moment are error rows on Spark as locally (a customer is no lead to call, and Spark once
    dropped the column), and Spark's notes say what the model misses as the local run's do."""
    conversions = pd.read_csv(world_files["conversions"], dtype=str).drop_duplicates("lead_id").set_index("lead_id")
    leads = inputs.leads.rename(columns={"job_title": "Job Role"})
    leads["converted_at"] = leads["lead_id"].map(conversions["converted_at"])
    leads.to_parquet(tmp_path / "leads.parquet", index=False)
    write_parts(leads, tmp_path / "leads", 2)
    options = ScoringOptions(AS_OF.to_pydatetime(), "en", 3)
    local_summary = score_event_file(bundle, tmp_path / "leads.parquet", inputs.activities_file,
                                     tmp_path / "local.parquet", options, "7")
    summary = score_spark(spark, bundle, str(tmp_path / "leads"), str(inputs.activities_dir), str(tmp_path / "spark"),
                          options, "7", buckets=3)
    local = pd.read_parquet(tmp_path / "local.parquet")
    assert_bitwise_equal(local, pd.read_parquet(tmp_path / "spark").sort_values("row").reset_index(drop=True))
    converted = pd.to_datetime(leads["converted_at"], utc=True, format="ISO8601") <= AS_OF
    assert local["error"].str.contains("converted", na=False).sum() == int(converted.sum()) > 20
    missing = [note for note in local_summary.notes if note.startswith("missing for every lead")]
    assert len(missing) == 1 and "seniority" in missing[0] and "'Job Role'" in missing[0]
    assert summary.notes == tuple(missing)  # the sample is every lead here: the same counts, the same note


@extended
def test_features_on_spark_from_the_cli_equal_the_local_features(spark, inputs: Inputs, tmp_path: Path) -> None:
    runner = CliRunner()
    as_of = AS_OF.isoformat()
    local = runner.invoke(app, ["features", "--leads", str(inputs.leads_file), "--activities",
                                str(inputs.activities_file), "--out", str(tmp_path / "local.parquet"),
                                "--as-of", as_of])
    assert local.exit_code == 0, local.output
    distributed = runner.invoke(app, ["features", "--engine", "spark", "--leads", str(inputs.leads_dir),
                                      "--activities", str(inputs.activities_dir), "--out",
                                      str(tmp_path / "spark"), "--as-of", as_of])
    assert distributed.exit_code == 0, distributed.output
    assert json.loads(distributed.stdout.strip().splitlines()[-1])["rows"] == json.loads(
        local.stdout.strip().splitlines()[-1])["rows"]
    expected = pd.read_parquet(tmp_path / "local.parquet")
    got = pd.read_parquet(tmp_path / "spark").set_index("lead_id").loc[expected["lead_id"]].reset_index()
    assert len(expected) == len(inputs.leads) - 3 - inputs.created_after  # the leads that existed, once each
    assert_bitwise_equal(expected, got)


def test_spark_refuses_what_it_cannot_read_in_one_line() -> None:
    result = CliRunner().invoke(app, ["score", "--engine", "spark", "--table", "t.parquet", "--out", "o"])
    assert result.exit_code == 2
    assert "--engine spark scores event-mode Parquet" in result.output
