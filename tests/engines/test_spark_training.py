"""Training examples built on Spark are bit for bit the local ones; sampled by lead they keep whole leads and
the conversion rate; `leadscore train --engine spark` fits the local model from them.

The world is every fourth lead of the small world with the mess real exports have (no id, a padded
duplicate id, an unparseable date, leads without activities, activities of unknown leads, exact duplicate
activities, a conversion of an unknown lead and a later second conversion), given to Spark as folders of
part files and to the local path as the same rows in one file each.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark", reason="PySpark is not installed: the Spark engine tests need the optional extra "
                                      "(pip install '.[spark]') and Java 17")
if shutil.which("java") is None:
    pytest.skip("no Java on PATH: Spark local mode needs Java 17", allow_module_level=True)

from frames import assert_bitwise_equal
from messy_world import messy_activities, messy_leads, write_parts

from engines.spark_examples import SparkTables
from features.catalogue import build_catalogue
from features.loading import load_event_data
from features.pipeline import build_features
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL, labelled_moments
from training.train import local_history

pytestmark = pytest.mark.slow  # Spark local mode: a JVM and Python workers
#: Three trainings of the history (Spark, local, Spark sampled) take ~5 minutes on a loaded 2-core machine, and
#: the examples checks (what the driver fits on) ~1.5 minutes: they run in `make test-extended`, so that `make test`
#: stays under 10 minutes; the refusal below, which starts no JVM, in `make test`.
extended = pytest.mark.extended
NO_ACTIVITY_LEADS = 30
UNKNOWN_LEAD_ACTIVITIES = 300
DUPLICATE_ACTIVITIES = 50
CONFIG = TrainConfig()


@dataclass
class Inputs:
    files: dict[str, Path]  # every row of a table in one file (the local path)
    dirs: dict[str, Path]  # the same rows as part files (Spark)
    no_activity_ids: list[str]


@pytest.fixture(scope="module")
def inputs(world_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    leads = messy_leads(world_files["leads"], every=4)
    ids = set(leads["lead_id"])
    activities, no_activity_ids, _ = messy_activities(
        world_files["activities"], leads, NO_ACTIVITY_LEADS, UNKNOWN_LEAD_ACTIVITIES, DUPLICATE_ACTIVITIES)

    conversions = pd.read_csv(world_files["conversions"], dtype=str)
    conversions["converted_at"] = pd.to_datetime(conversions["converted_at"], utc=True, format="ISO8601")
    known = conversions[conversions["lead_id"].isin(ids)]
    later = known.head(1).assign(converted_at=known["converted_at"].iloc[0] + pd.Timedelta(days=20))
    stranger = conversions[~conversions["lead_id"].isin(ids)].head(5)
    conversions = pd.concat([known, later, stranger], ignore_index=True)

    folder = tmp_path_factory.mktemp("spark_training")
    files, dirs = {}, {}
    for name, frame, parts in (("leads", leads, 2), ("activities", activities, 3), ("conversions", conversions, 2)):
        files[name] = folder / f"{name}.parquet"
        frame.to_parquet(files[name], index=False)
        dirs[name] = folder / name
        write_parts(frame, dirs[name], parts)
    return Inputs(files, dirs, no_activity_ids)


@pytest.fixture(scope="module")
def tables(spark, inputs: Inputs) -> SparkTables:
    return SparkTables.read(spark, str(inputs.dirs["leads"]), str(inputs.dirs["activities"]),
                            str(inputs.dirs["conversions"]), CONFIG.features, buckets=3)


@pytest.fixture(scope="module")
def local(inputs: Inputs):
    data, _ = load_event_data(inputs.files["leads"], inputs.files["activities"], inputs.files["conversions"],
                              for_training=True)
    history = local_history(data.leads, data.activities, data.conversions)
    moments = labelled_moments(history.data_start, history.data_end, CONFIG)
    return data, history, moments, history.examples(moments, CONFIG, build_catalogue(CONFIG.features), print)


@extended
def test_spark_examples_are_the_local_examples_bit_for_bit(tables: SparkTables, local, inputs: Inputs) -> None:
    data, local_history_, moments, expected = local
    history = tables.history(CONFIG, print)
    assert (history.data_start, history.data_end) == (local_history_.data_start, local_history_.data_end)
    assert labelled_moments(history.data_start, history.data_end, CONFIG) == moments
    assert len(moments) >= 10  # monthly snapshots over the world's history: leads are created after most of them
    got = history.examples(moments, CONFIG, build_catalogue(CONFIG.features), print)
    assert tables.sampling.examples_total == len(expected) and not tables.sampling.sampled
    assert_bitwise_equal(expected, got, index=True, dtypes=True)
    # the messy rows counted as the loader counts them, over all buckets
    assert tables.report["leads_kept"] == len(data.leads) == tables.report["leads_read"] - 3  # no id, dup, bad date
    assert tables.report["activities_kept"] == len(data.activities)
    assert tables.report["conversions_kept"] == len(data.conversions) == tables.report["conversions_read"] - 6
    silent = got[got.index.isin(inputs.no_activity_ids)]
    assert silent.index.nunique() > 20  # leads with no activity at all are examples, on their fit alone
    first, last = got[got[AS_OF] == moments[0]], got[got[AS_OF] == moments[-1]]
    assert len(first) < len(last) / 2  # leads created after the first snapshots join the later ones


@extended
def test_sampling_keeps_whole_leads_and_the_conversion_rate(tables: SparkTables, local) -> None:
    _, _, moments, full = local
    share = 0.4
    config = replace(CONFIG, max_examples=int(share * len(full)))
    tables.history(config, lambda _: None)
    sampled = tables.examples(moments, config, build_catalogue(config.features), lambda _: None)
    sampling = tables.sampling
    assert sampling.sampled and sampling.examples_total == len(full) and sampling.examples_kept == len(sampled)
    kept = sampled.index.unique()
    # whole leads: a kept lead has every snapshot it has in the full examples, with the same rows
    whole = full.loc[full.index.isin(kept)]
    assert_bitwise_equal(whole, sampled, index=True, dtypes=True)
    # a hash-chosen share of the leads: binomial, so within 4 standard deviations of the share
    leads = full.index.nunique()
    assert sampling.leads_total == leads and sampling.leads_kept == len(kept)
    assert abs(len(kept) / leads - sampling.share) < 4 * np.sqrt(share * (1 - share) / leads)
    # unbiased for the conversion rate: whether a lead is kept does not depend on its outcome, so the kept
    # rate differs from the full one only by sampling noise; the bound is 4 standard errors of a ratio
    # estimate over leads drawn without replacement (conversions per lead vs examples per lead)
    per_lead = full.groupby(level=0)[LABEL].agg(["sum", "count"])
    rate = per_lead["sum"].sum() / per_lead["count"].sum()
    residual = per_lead["sum"] - rate * per_lead["count"]
    n = len(kept)
    se = np.sqrt((1 - n / leads) / n * residual.var()) / per_lead["count"].mean()
    kept_rate = sampled[LABEL].mean()
    assert abs(kept_rate - rate) < 4 * se, (kept_rate, rate, se)
    assert se < 0.35 * rate  # the bound says something: the conversion rate is measured to a third of itself


def test_train_refuses_what_spark_does_not_read_in_one_line(inputs: Inputs) -> None:
    from leadscore.cli import app

    result = CliRunner().invoke(app, ["train", "--engine", "spark", "--leads", str(inputs.dirs["leads"]),
                                      "--conversions", str(inputs.dirs["conversions"]), "--extra", "budget"])
    assert result.exit_code == 2
    assert "--extra (its leakage screen)" in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def _train(store: Path, args: list[str]) -> tuple[dict, object]:
    """`leadscore train` with ``args`` into the MLflow store ``store``: its JSON line and its bundle."""
    from leadscore.cli import app
    from serving.loader import load_model

    uri = f"sqlite:///{store / 'mlflow.db'}"
    env = {"MLFLOW_TRACKING_URI": uri}
    result = CliRunner().invoke(app, ["train", *args, "--search-seconds", "0", "--promote", "always"], env=env)
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.strip().splitlines()[-1])
    bundle = load_model(f"models:/lead-scoring/{line['model_version']}", store / "cache", uri).bundle
    return line, bundle


@pytest.fixture(scope="module")
def trained_both(inputs: Inputs, local, tmp_path_factory: pytest.TempPathFactory):
    """The history trained by `leadscore train --engine spark` and locally by the same code path
    (:func:`training.train.train_history`, as `leadscore train` runs it) with the CLI's settings (no settings
    search: each fit is deterministic); and the features every lead has at the export moment, leads no
    training saw the outcome of."""
    from features.pipeline import build_features
    from training.train import train_history

    data, history, _, _ = local
    spark_store = tmp_path_factory.mktemp("spark_store")
    spark_line, spark_bundle = _train(spark_store, [
        "--engine", "spark", "--leads", str(inputs.dirs["leads"]), "--activities", str(inputs.dirs["activities"]),
        "--conversions", str(inputs.dirs["conversions"]), "--buckets", "3"])
    config = TrainConfig(search=False, search_seconds=0.0, promote="always")
    local_result = train_history(history, config)
    held_out = build_features(data.leads, data.activities, history.data_end, config.features,
                              local_result.bundle.catalogue, data.activity_rows)
    return local_result, spark_line, spark_bundle, spark_store, held_out


@extended
def test_train_on_spark_registers_the_local_model(trained_both) -> None:
    local_result, spark_line, spark_bundle, _, held_out = trained_both
    # on this small history the points model beats the learned one, locally and on Spark
    assert local_result.regime == spark_bundle.info["regime"] == "rules"
    assert {k: round(local_result.metrics[k], 5) for k in spark_line["metrics"]} == spark_line["metrics"]
    # the same examples and points-model rows in the same order, deterministic fits (the booster: deterministic,
    # force_row_wise, one seed): the same model, so every held-out lead gets exactly the same probability
    ours, theirs = spark_bundle.probability(held_out), local_result.bundle.probability(held_out)
    assert len(ours) > 1000 and np.array_equal(ours, theirs)


@extended
def test_sampled_training_is_logged_and_scores_close_to_the_full_one(spark, trained_both, local, inputs: Inputs
                                                                     ) -> None:
    import mlflow

    local_result, _, _, store, held_out = trained_both
    line, sampled_bundle = _train(store, [
        "--engine", "spark", "--leads", str(inputs.dirs["leads"]), "--activities", str(inputs.dirs["activities"]),
        "--conversions", str(inputs.dirs["conversions"]), "--max-examples", "8000"])
    run = mlflow.MlflowClient(f"sqlite:///{store / 'mlflow.db'}").get_run(line["run_id"])
    params, metrics = run.data.params, run.data.metrics
    assert params["engine"] == "spark" and params["examples_sampled"] == "True" and params["max_examples"] == "8000"
    assert metrics["examples_total"] == 13_343 and abs(metrics["examples_kept"] - 8000) < 500
    assert abs(metrics["leads_sampled_fraction"] - float(params["leads_sampled_share"])) < 0.05
    # the driver fitted what a local run fits on the kept leads (examples and points-model rows; the history's
    # span is the whole one's): exactly that model
    from engines.spark_examples import HASH_STEPS, lead_hash
    from training.train import train_history

    _, history, _, full_examples = local
    data, _, _, _ = local  # every kept lead: those with no example yet (created late) have points-model rows
    ids = spark.createDataFrame(pd.DataFrame({"lead_id": data.leads["lead_id"].astype(str)}))
    share = float(params["leads_sampled_share"])
    kept = {row.lead_id for row in ids.where(lead_hash(42) < int(share * HASH_STEPS)).collect()}
    assert full_examples.index[full_examples.index.isin(kept)].nunique() == metrics["leads_kept"]
    config = TrainConfig(search=False, search_seconds=0.0, promote="always", max_examples=8000)
    mine = data.leads["lead_id"].isin(kept)
    leads_kept = data.leads[mine]
    activities_kept = data.activities[data.activities["lead_id"].isin(kept)]
    conversions_kept = data.conversions[data.conversions["lead_id"].isin(kept)]

    def points_of_kept(cutoff, catalogue, config, progress):
        from training.rules import censored_examples
        from training.train import points_bundle

        cutoff = min(cutoff, history.data_end)
        censored = censored_examples(leads_kept[leads_kept["created_at"] <= cutoff], activities_kept,
                                     conversions_kept[conversions_kept["converted_at"] <= cutoff], cutoff, catalogue,
                                     config, data_start=history.data_start)
        return points_bundle(censored, catalogue, config, progress)

    on_kept = replace(history, examples=lambda *_: full_examples[full_examples.index.isin(kept)],
                      points=points_of_kept)
    expected = train_history(on_kept, config)
    assert expected.regime == sampled_bundle.info["regime"]
    assert np.array_equal(sampled_bundle.probability(held_out), expected.bundle.probability(held_out))
    # and it is another draw of the same procedure on ~60 % of the leads: calibrated to the kept leads'
    # conversion rate, its mean probability on the held-out leads is within 4 standard errors of that rate
    # (a ratio estimate over leads drawn without replacement) of the full model's; it ranks the held-out leads
    # much as the full model does
    per_lead = full_examples.groupby(level=0)[LABEL].agg(["sum", "count"])
    rate = per_lead["sum"].sum() / per_lead["count"].sum()
    n, leads = len(kept), len(per_lead)
    se = np.sqrt((1 - n / leads) / n * (per_lead["sum"] - rate * per_lead["count"]).var()) / per_lead["count"].mean()
    full, sampled = local_result.bundle.probability(held_out), sampled_bundle.probability(held_out)
    assert abs(sampled.mean() / full.mean() - 1) < 4 * se / rate, (sampled.mean(), full.mean(), se / rate)
    assert pd.Series(full).corr(pd.Series(sampled), method="spearman") > 0.8


@extended
def test_the_gate_gets_the_local_features_of_the_evaluation_leads(tables: SparkTables, local) -> None:
    """A champion that shares no backtest origin scores this run's evaluation leads: their features at the
    evaluation moment by the champion's configuration, from Spark, are the local ones."""
    from features.pipeline import build_features

    data, _, moments, _ = local
    every = build_features(data.leads, data.activities, moments[-1], CONFIG.features, None, data.activity_rows)
    ids = every.index[::7][::-1]  # some leads, in an order of their own
    got = tables.features(ids, moments[-1], CONFIG.features)
    assert len(got) == len(ids) > 100
    assert_bitwise_equal(every.loc[ids], got, index=True, dtypes=True)


@extended
def test_the_points_model_on_spark_is_the_local_one(tables: SparkTables, local) -> None:
    """The points model's rows built per bucket (as known at a cutoff, and at the data end) give the model a
    local run fits: the same probability for every lead."""
    from engines.spark_examples import Sampling

    data, history, moments, _ = local
    tables.history(CONFIG, lambda _: None)
    tables.sampling = Sampling()  # all leads, as when the examples were not sampled
    catalogue = build_catalogue(CONFIG.features)
    for cutoff in (moments[-3], history.data_end):
        ours, _ = tables.points(cutoff, catalogue, CONFIG, lambda _: None)
        theirs, _ = history.points(cutoff, catalogue, CONFIG, lambda _: None)
        frame = build_features(data.leads, data.activities, cutoff, CONFIG.features, catalogue, data.activity_rows)
        assert len(frame) > 500
        assert np.array_equal(ours.probability(frame), theirs.probability(frame)), cutoff
