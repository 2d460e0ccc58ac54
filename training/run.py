"""A whole retraining, from files to a registered (and maybe promoted) model: what ``leadscore train`` runs.

Load and validate the files (``features.loading``), train (``training.train``), log and register
(``training.tracking``). Any exception before the last step leaves the champion alias untouched.
:func:`train_from_spark` is the same with the examples built on Spark (``leadscore train --engine spark``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from features.contract import LEAD_ID
from features.loading import load_event_data
from features.mappings import mapping_name, recorded_mapping
from features.pipeline import build_features
from scoring.bundle import ScoringBundle
from training.config import TrainConfig
from training.dataset import AS_OF
from training.registry import configure
from training.tracking import ChampionNotComparable, LoggedRun, Review, log_and_register, training_run
from training.train import TrainResult, train_event, truth_gap


def _input_example(leads: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """Three raw leads as the pyfunc model takes them (activities as a JSON list per lead). The model travels
    (other teams, Databricks), so an e-mail address keeps only its domain, the part the features read."""
    example = leads.drop(columns=["source_row"], errors="ignore").head(3).copy()
    if "email" in example:
        example["email"] = example["email"].astype(object).map(
            lambda v: re.sub(r"[^\s<@]+@", "someone@", v) if isinstance(v, str) else v)
    for column in example.columns:
        if isinstance(example[column].dtype, pd.DatetimeTZDtype):
            example[column] = example[column].map(lambda t: t.isoformat())
    acts = activities[activities[LEAD_ID].isin(example[LEAD_ID])]
    example["activities"] = [
        acts.loc[acts[LEAD_ID] == lead_id, ["occurred_at", "activity_type"]]
        .assign(occurred_at=lambda f: f["occurred_at"].map(lambda t: t.isoformat()))
        .to_json(orient="records")
        for lead_id in example[LEAD_ID]
    ]
    return example


def train_from_files(
    leads: str | Path,
    activities: str | Path | None,
    conversions: str | Path | None,
    config: TrainConfig,
    *,
    mapping: str | None = None,
    truth: str | Path | None = None,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] = print,
    review: Review | None = None,
) -> LoggedRun:
    """Train in event mode on contract files and register the result (see the module docstring). A failure
    leaves a FAILED MLflow run with the error and the champion as it was."""
    configure(tracking_uri)
    with training_run(config, "event"):
        data, report = load_event_data(leads, activities, conversions, mapping=mapping,
                                       extra_columns=config.features.extra_columns, for_training=True,
                                       not_after=config.latest_moment())
        progress(report.to_text())
        result = train_event(data.leads, data.activities, data.conversions, config, progress)
        # how its files were read, so that later exports are read the same way (serving.batch.load_bundle_data)
        result.bundle.info.update(mapping=mapping_name(mapping), mapping_spec=recorded_mapping(mapping),
                                  date_order=report.date_order, decimal_comma_columns=report.decimal_comma_columns)
        extra = {}
        if truth is not None:
            from features.loading import read_table

            truth_frame = read_table(truth)
            truth_frame["true_probability"] = pd.to_numeric(truth_frame["true_probability"])
            extra = truth_gap(result, truth_frame)
            if extra:
                progress(f"truth file: best achievable AUC {extra['truth_auc']:.4f}, model "
                         f"{extra['model_auc_on_truth_leads']:.4f} (gap {extra['auc_gap_to_truth']:.4f})")
        def champion_features(champion: ScoringBundle) -> pd.DataFrame:
            test_ids, test_as_of = _evaluation_leads(result, champion)
            frame = build_features(data.leads, data.activities, test_as_of, champion.feature_config, champion.catalogue,
                                   data.activity_rows)
            return frame.loc[test_ids]

        inputs: dict[str, str | Path] = {"leads": leads}
        for name, path in (("activities", activities), ("conversions", conversions)):
            if path is not None:
                inputs[name] = path
        return log_and_register(result, config, inputs, champion_features, _input_example(data.leads, data.activities),
                                extra_metrics=extra, data_report=report.to_dict(), progress=progress,
                                review=review)



def train_from_spark(
    leads: str,
    activities: str | None,
    conversions: str,
    config: TrainConfig,
    *,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] = print,
    review: Review | None = None,
    buckets: int | None = None,
    spark=None,
) -> LoggedRun:
    """Train in event mode on contract tables in Parquet read by Spark (paths or URIs) and register the
    result: the examples are built on Spark (:mod:`engines.spark_examples`, sampled by lead beyond
    ``config.max_examples``) and the booster is fitted here, on the driver, by :func:`training.train.train_history`
    as a local run fits it. The sampling is logged (params ``examples_sampled``, ``leads_sampled_share``;
    metrics ``examples_total``, ``examples_kept``, ``leads_sampled_fraction``). Not on Spark: declared extra
    columns (:data:`engines.spark_examples.NOT_ON_SPARK`)."""
    import mlflow

    from engines.spark import spark_session
    from engines.spark_examples import NOT_ON_SPARK, SparkTables
    from training.train import train_history

    if config.features.extra_columns:
        raise ValueError(f"--extra cannot be screened for leakage: {NOT_ON_SPARK}")
    configure(tracking_uri)
    config = dataclasses.replace(config, not_after=config.latest_moment().isoformat())  # one moment for all buckets
    with training_run(config, "event"):
        spark = spark or spark_session()
        tables = SparkTables.read(spark, leads, activities, conversions, config.features, buckets)
        history = tables.history(config, progress)
        result = train_history(history, config, progress)
        sampling = tables.sampling
        mlflow.log_params({"engine": "spark", "spark_buckets": tables.buckets,
                           "examples_sampled": sampling.sampled, "leads_sampled_share": round(sampling.share, 6)})
        mlflow.log_metrics(sampling.metrics())
        def champion_features(champion: ScoringBundle) -> pd.DataFrame:
            test_ids, test_as_of = _evaluation_leads(result, champion)
            if champion.feature_config.extra_columns:
                raise ChampionNotComparable("the champion reads extra lead columns, which Spark training does not read")
            return tables.features(test_ids, test_as_of, champion.feature_config)

        first_leads, first_activities = tables.first_leads(config.features)
        inputs: dict[str, str | Path] = {"leads": leads, "conversions": conversions}
        if activities:
            inputs["activities"] = activities
        return log_and_register(result, config, inputs, champion_features,
                                _input_example(first_leads, first_activities), data_report=tables.report,
                                progress=progress, review=review)


def _evaluation_leads(result: TrainResult, champion: ScoringBundle) -> tuple[pd.Index, pd.Timestamp]:
    """The leads (and their moment) on which the champion is judged beside the new model, or
    :class:`ChampionNotComparable` when it cannot be."""
    if champion.mode != "event":
        raise ChampionNotComparable(f"the champion is a {champion.mode}-mode model")
    if AS_OF not in result.test or result.test.empty:
        raise ChampionNotComparable("this run has no evaluation leads (the points model was not evaluated)")
    return result.test.index, pd.Timestamp(result.test[AS_OF].max())
