"""Commands that fit models: ``train`` once, ``retrain`` on a schedule (train → gate → shadow → promote)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from leadscore.commands.common import (
    MAPPING_HELP,
    Engine,
    Promote,
    checked_mapping,
    fail,
    input_error,
    parquet_only,
    say,
    train_config,
)
from scoring.settings import FLAT_MODEL_NAME, MODEL_NAME


def train(
    leads: Annotated[Path | None, typer.Option(help="Event mode: the leads file.")] = None,
    activities: Annotated[Path | None, typer.Option(help="Event mode: the activities file.")] = None,
    conversions: Annotated[Path | None, typer.Option(help="Event mode: the conversions file.")] = None,
    table: Annotated[Path | None, typer.Option(help="Flat mode: one row per lead with a 0/1 outcome.")] = None,
    label: Annotated[str | None, typer.Option(help="Flat mode: the outcome column.")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Flat mode: the id column.")] = None,
    time_column: Annotated[str | None, typer.Option("--time", help="Flat mode: column ordering rows in time.")] = None,
    drop: Annotated[list[str] | None, typer.Option(help="Flat mode: columns to leave out (repeatable).")] = None,
    keep: Annotated[list[str] | None, typer.Option(help="Keep a column the leakage screen flagged (repeatable).")
                    ] = None,
    converted: Annotated[list[str] | None, typer.Option(
        help="Flat mode, a status outcome (Won / Lost / Open ...): a value meaning converted (repeatable); "
             "other values count as not converted.")] = None,
    still_open: Annotated[list[str] | None, typer.Option(
        "--open", help="Flat mode: an outcome value not decided yet (repeatable); those rows are left out of "
                       "training.")] = None,
    horizon_days: Annotated[int, typer.Option(min=1, help="Label: converts within this many days.")] = 90,
    mapping: Annotated[str | None, typer.Option(help=MAPPING_HELP)] = None,
    extra: Annotated[list[str] | None, typer.Option(help="Extra lead column to use as a fit feature.")] = None,
    truth: Annotated[Path | None, typer.Option(help="A generated world's truth file, to report the gap.")] = None,
    promote: Annotated[Promote, typer.Option(help="gate (default), always or never.")] = Promote.gate,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    model_name: Annotated[str | None, typer.Option(
        help=f"Registered model name (default: {MODEL_NAME}, flat mode {FLAT_MODEL_NAME}).")] = None,
    search_seconds: Annotated[float, typer.Option(min=0, help="Time for the settings search per fit (0: no search).")
                              ] = 30.0,
    search_candidates: Annotated[int | None, typer.Option(min=1, help="Try exactly this many settings in every fit, "
                                                                      "however long: the same model on any machine "
                                                                      "(instead of --search-seconds).")] = None,
    rules: Annotated[Path | None, typer.Option(help="Point rules (TOML) for a history too short to learn from.")]
    = None,
    engine: Annotated[Engine, typer.Option(help="local, or spark: examples built on Apache Spark from Parquet "
                                                "paths or URIs, the booster fitted here.")] = Engine.local,
    buckets: Annotated[int | None, typer.Option(min=1, help="Spark: buckets of leads.")] = None,
    max_examples: Annotated[int | None, typer.Option(min=1, help="Spark: examples collected at most; beyond, leads "
                                                                 "are sampled (default: "
                                                                 "LEADSCORE_SPARK_MAX_EXAMPLES or 2,000,000).")]
    = None,
) -> None:
    """Train a calibrated model, log it to MLflow, register it, promote it through the gate."""
    config = train_config(horizon_days, seed, promote, model_name, search_seconds, rules, keep, extra,
                          search_candidates)
    if engine is Engine.spark:
        _train_on_spark(config, leads, activities, conversions, table, mapping, extra, truth, buckets, max_examples)
        return
    try:
        if table is not None:
            if label is None:
                fail("flat mode needs --label (the outcome column)", 2)
            if mapping is not None:
                fail("--mapping reads event-mode exports (--leads); a flat table is read by its own column names", 2)
            _found(table, truth)
            from training.flat import train_flat_from_file

            logged = train_flat_from_file(table, config, label=label, id_column=id_column, time_column=time_column,
                                          drop=tuple(drop or ()), keep=tuple(keep or ()),
                                          converted=tuple(converted or ()), still_open=tuple(still_open or ()),
                                          progress=say)
        else:
            if converted or still_open:
                fail("--converted and --open read a flat table's outcome column: give --table and --label", 2)
            if leads is None:
                fail("event mode needs --leads and --conversions (and usually --activities; the conversions can "
                     "come from the leads export's converted_at column); flat mode needs --table and --label", 2)
            _found(leads, activities, conversions, truth)
            from training.run import train_from_files

            logged = train_from_files(leads, activities, conversions, config,
                                      mapping=checked_mapping(mapping), truth=truth, progress=say)
    except typer.Exit:
        raise
    except Exception as exc:  # a failed run never touches the champion; say why and exit non-zero
        fail(f"training failed, the champion is unchanged: {exc}", 2 if input_error(exc) else 1)
    from training.tracking import run_summary

    typer.echo(run_summary(logged))


def _found(*paths: Path | None) -> None:
    """A mistyped path is said at once, before an MLflow store is opened or a failed run is recorded."""
    for path in paths:
        if path is not None and not path.exists():
            fail(f"training failed, the champion is unchanged: {path}: file not found", 2)


def _train_on_spark(config, leads: Path | None, activities: Path | None, conversions: Path | None,
                    table: Path | None, mapping: str | None, extra: list[str] | None, truth: Path | None,
                    buckets: int | None, max_examples: int | None) -> None:
    """``leadscore train --engine spark``: event-mode Parquet read by Spark, the booster fitted here."""
    import dataclasses

    from leadscore.commands.scoring import spark_uri
    from scoring.settings import env_number

    if table is not None or leads is None or conversions is None:
        fail("--engine spark trains in event mode: give --leads, --conversions (and --activities) as Parquet, "
             "not --table", 2)
    if mapping is not None or extra or truth is not None:
        fail("--engine spark reads the contract's columns and leaves the raw tables on the cluster: --mapping, "
             "--extra (its leakage screen) and --truth work with the local engine", 2)
    parquet_only(leads, activities, conversions)
    try:
        limit = max_examples or env_number("LEADSCORE_SPARK_MAX_EXAMPLES", config.max_examples, smallest=1)
    except ValueError as exc:
        fail(str(exc), 2)
    config = dataclasses.replace(config, max_examples=limit)
    from engines.spark import SparkUnavailable, spark_session

    try:
        spark = spark_session()
    except SparkUnavailable as exc:
        fail(str(exc), 2)
    from training.run import train_from_spark

    try:
        logged = train_from_spark(spark_uri(leads), spark_uri(activities), spark_uri(conversions), config,
                                  progress=say, buckets=buckets, spark=spark)
    except Exception as exc:  # a failed run never touches the champion; say why and exit non-zero
        fail(f"training failed, the champion is unchanged: {_first_line(exc)}", 2 if input_error(exc) else 1)
    from training.tracking import run_summary

    typer.echo(run_summary(logged))


def _first_line(exc: Exception) -> str:
    """An error in one line (a Python worker's failure arrives from Spark with the worker's traceback)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    worker = [line for line in lines if not line.startswith(("File ", "Traceback", "^"))]
    return (worker[-1] if len(lines) > 1 and worker else lines[0] if lines else type(exc).__name__)[:500]


def retrain(
    leads: Annotated[Path, typer.Option(help="The leads file.")],
    conversions: Annotated[Path | None, typer.Option(help="The conversions file (default: the leads file's "
                                                          "converted_at column).")] = None,
    activities: Annotated[Path | None, typer.Option(help="The activities file.")] = None,
    shadow_days: Annotated[float, typer.Option(help="Shadow-score the requests logged in the last N days.")] = 7.0,
    score_db: Annotated[str | None, typer.Option(help="Score log URL (default: LEADSCORE_SCORE_DB or "
                                                      "./scores.db).")] = None,
    horizon_days: Annotated[int, typer.Option(min=1, help="Label: converts within this many days.")] = 90,
    mapping: Annotated[str | None, typer.Option(help=MAPPING_HELP)] = None,
    extra: Annotated[list[str] | None, typer.Option(help="Extra lead column to use as a fit feature.")] = None,
    keep: Annotated[list[str] | None, typer.Option(help="Keep a column the leakage screen flagged (repeatable).")
                    ] = None,
    truth: Annotated[Path | None, typer.Option(help="A generated world's truth file, to report the gap.")] = None,
    promote: Annotated[Promote, typer.Option(help="gate (default), always or never.")] = Promote.gate,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    model_name: Annotated[str | None, typer.Option(help=f"Registered model name (default: {MODEL_NAME}).")] = None,
    search_seconds: Annotated[float, typer.Option(min=0, help="Time for the settings search per fit (0: no search).")
                              ] = 30.0,
    search_candidates: Annotated[int | None, typer.Option(min=1, help="Try exactly this many settings in every fit, "
                                                                      "however long: the same model on any machine "
                                                                      "(instead of --search-seconds).")] = None,
    rules: Annotated[Path | None, typer.Option(help="Point rules (TOML) for a history too short to learn from.")]
    = None,
) -> None:
    """Scheduled retraining: train (event mode) → gate → shadow-score the challenger on the requests logged in
    the last --shadow-days → promote or keep. A retraining that fails or loses never moves the champion."""
    from training.retrain import retrain as do_retrain

    for given in (leads, activities, conversions, truth, rules):
        if given is not None and not given.is_file():
            fail(f"{given}: file not found; the champion is unchanged", 2)
    config = train_config(horizon_days, seed, promote, model_name, search_seconds, rules, keep, extra,
                          search_candidates)
    try:
        result = do_retrain(leads, activities, conversions, config, shadow_days=shadow_days, score_db=score_db,
                            mapping=checked_mapping(mapping), truth=truth, progress=say)
    except Exception as exc:  # a failed run never touches the champion; say why and exit non-zero
        fail(f"retraining failed, the champion is unchanged: {exc}", 2 if input_error(exc) else 1)
    moved = (f"champion v{result.champion_before} → v{result.champion_after}"
             if result.champion_before != result.champion_after else f"champion stays v{result.champion_after}")
    say(f"{moved} ({result.seconds:.0f} s)")  # the decision's reasons are the line above
    typer.echo(json.dumps(result.summary(), default=str))
