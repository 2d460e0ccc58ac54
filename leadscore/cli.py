"""``leadscore``: one command per stage. Wiring only; the work is in features/, training/, serving/.

    leadscore generate   a synthetic CRM history (event mode) with a ground-truth file
    leadscore train      train, evaluate, log to MLflow, register, promote through the gate
    leadscore score      batch-score a file (one output row per input row)
    leadscore serve      the HTTP API (BentoML) on 127.0.0.1
    leadscore build      a deployable Bento with the verified model inside
    leadscore explain    an HTML score card for one lead
    leadscore models     registered versions, aliases and metrics
    leadscore monitor    drift (PSI) and realised accuracy of the champion, as an HTML report (exit 3: drift)
    leadscore retrain    train → gate → shadow-score on logged requests → promote or keep (for a scheduler)
    leadscore promote / rollback   move the champion alias by hand
    leadscore features   the feature catalogue (English or German)
    leadscore demo       everything above, end to end, on a small generated world
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scoring.settings import DEFAULT_MODEL_URI, FLAT_MODEL_NAME, MODEL_NAME, quiet_telemetry
from serving.server import serve_command, serve_env

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.split("\n\n")[0],
                  pretty_exceptions_enable=False)
console = Console(stderr=True, soft_wrap=True)  # an error stays one line however narrow the terminal


def _quiet_libraries() -> None:
    """MLflow's advice to library authors (schema hints, dataset-source guesses, artifact progress bars)
    is noise to someone running a command; our own progress lines say what happens."""
    import logging
    import warnings

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    quiet_telemetry()
    warnings.filterwarnings("ignore", module=r"mlflow(\.|$)")
    warnings.filterwarnings("ignore", category=UserWarning, message=r".*(type hints|Integer columns|dataset source)")
    warnings.filterwarnings("ignore", message=r".*'eval_set' is deprecated")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


_quiet_libraries()


class Fmt(StrEnum):
    csv = "csv"
    parquet = "parquet"


class Promote(StrEnum):
    gate = "gate"
    always = "always"
    never = "never"


class Mapping(StrEnum):
    salesforce = "salesforce"
    hubspot = "hubspot"


class Crm(StrEnum):
    salesforce = "salesforce"
    hubspot = "hubspot"


class Lang(StrEnum):
    en = "en"
    de = "de"


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def _say(message: str) -> None:
    console.print(f"[dim]·[/dim] {message}")


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/bold red] {message}")
    raise typer.Exit(code)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write leads/activities/conversions/truth files to.")],
    leads: Annotated[int | None, typer.Option(help="Number of leads (default 20,000; a preset may say).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same world).")] = 0,
    start: Annotated[str | None, typer.Option(help="First lead created (ISO date; default 2024-01-01).")] = None,
    end: Annotated[str | None, typer.Option(help="Export date: nothing happens after it (default 2026-06-30).")]
    = None,
    format: Annotated[Fmt, typer.Option("--format", help="csv or parquet.")] = Fmt.csv,
    clean: Annotated[bool, typer.Option(help="Leave out the mess real exports have.")] = False,
    preset: Annotated[str, typer.Option(help="A world of another shape: default, short_crm, no_activities, "
                                             "drifting, strong_interaction, low_base_rate.")] = "default",
    horizon_days: Annotated[int | None, typer.Option(help="Truth horizon in days (default 90).")] = None,
    truth_as_of: Annotated[str | None, typer.Option(help="Moment the truth file scores (default: end minus the "
                                                         "horizon; may be end).")] = None,
    conversion_scale: Annotated[float | None, typer.Option(help="Conversion hazard × this (2 gives about 1.35× "
                                                                "the 90-day rate, 0.35 about 0.56×).")] = None,
    interaction: Annotated[float | None, typer.Option(help="How much more intent counts the better a lead fits "
                                                           "(0: additive).")] = None,
    base_rate_drift: Annotated[float | None, typer.Option(help="Change of the log conversion hazard from start to "
                                                               "end (-0.7 halves it).")] = None,
    channel_drift: Annotated[float | None, typer.Option(help="Share (0-1) of the leads at end whose channel comes "
                                                             "from a mix tilted to paid search and social.")] = None,
    picklist_change: Annotated[str | None, typer.Option(help="Date from which new leads carry relabelled "
                                                             "industries and channels.")] = None,
    activities: Annotated[bool, typer.Option(help="Write an activities table (--no-activities: none).")] = True,
) -> None:
    """Generate a synthetic B2B CRM history in the data contract's event mode, with its truth file."""
    from leadscore.synthetic import PRESETS, WorldConfig, generate_world, write_world

    if preset not in PRESETS:
        _fail(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}", 2)
    given = {"n_leads": leads, "seed": seed, "start": start, "end": end, "mess": not clean,
             "horizon_days": horizon_days, "truth_as_of": truth_as_of, "conversion_scale": conversion_scale,
             "interaction": interaction, "base_rate_drift": base_rate_drift, "channel_drift": channel_drift,
             "picklist_change": picklist_change}
    changes = {k: v for k, v in given.items() if v is not None}
    if not activities:
        changes["activities"] = False
    config = WorldConfig.preset(preset, **changes)
    _say(f"generating {config.n_leads:,} leads ({preset}, seed {seed}, {config.start} … {config.end})")
    world = generate_world(config)
    paths = write_world(world, out, format.value)
    for name, path in paths.items():
        _say(f"{name}: {path}")
    typer.echo(json.dumps({k: str(v) for k, v in paths.items()}))


@app.command()
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
    horizon_days: Annotated[int, typer.Option(help="Label: converts within this many days.")] = 90,
    mapping: Annotated[Mapping | None, typer.Option(help="Read a vendor's export (salesforce or hubspot).")] = None,
    extra: Annotated[list[str] | None, typer.Option(help="Extra lead column to use as a fit feature.")] = None,
    truth: Annotated[Path | None, typer.Option(help="A generated world's truth file, to report the gap.")] = None,
    promote: Annotated[Promote, typer.Option(help="gate (default), always or never.")] = Promote.gate,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    model_name: Annotated[str | None, typer.Option(
        help=f"Registered model name (default: {MODEL_NAME}, flat mode {FLAT_MODEL_NAME}).")] = None,
    search_seconds: Annotated[float, typer.Option(help="Time for the settings search per fit (0: no search).")] = 30.0,
    rules: Annotated[Path | None, typer.Option(help="Point rules (TOML) for a history too short to learn from.")]
    = None,
) -> None:
    """Train a calibrated model, log it to MLflow, register it, promote it through the gate."""
    config = _train_config(horizon_days, seed, promote, model_name, search_seconds, rules, keep, extra)
    try:
        if table is not None:
            if label is None:
                _fail("flat mode needs --label (the outcome column)")
            from training.flat import train_flat_from_file

            logged = train_flat_from_file(table, config, label=label, id_column=id_column, time_column=time_column,
                                          drop=tuple(drop or ()), keep=tuple(keep or ()), progress=_say)
        else:
            if leads is None or (conversions is None and mapping is None):
                _fail("event mode needs --leads and --conversions (and usually --activities; with --mapping the "
                      "conversions can come from the leads export); flat mode needs --table and --label", 2)
            from training.run import train_from_files

            logged = train_from_files(leads, activities, conversions, config,
                                      mapping=mapping.value if mapping else None, truth=truth, progress=_say)
    except typer.Exit:
        raise
    except Exception as exc:  # a failed run never touches the champion; say why and exit non-zero
        _fail(f"training failed, the champion is unchanged: {exc}")
    from training.tracking import run_summary

    typer.echo(run_summary(logged))


def _train_config(horizon_days: int, seed: int, promote: Promote, model_name: str | None, search_seconds: float,
                  rules: Path | None, keep: list[str] | None, extra: list[str] | None):
    from training.config import TrainConfig

    config = TrainConfig(horizon_days=horizon_days, seed=seed, promote=promote.value, model_name=model_name,
                         search=search_seconds > 0, search_seconds=search_seconds,
                         rules_file=str(rules) if rules else None, keep=tuple(keep or ()))
    if extra:
        config = dataclasses.replace(config, features=dataclasses.replace(config.features,
                                                                          extra_columns=tuple(extra)))
    return config


def _progress() -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def _load(model: str):
    from scoring.artifacts import IntegrityError
    from serving.config import ServeConfig
    from serving.loader import ModelLoadError, load_model

    try:
        return load_model(model, ServeConfig.from_env().cache_dir)
    except (ModelLoadError, IntegrityError) as exc:
        _fail(str(exc))


@app.command()
def score(
    out: Annotated[Path, typer.Option(help="Output file (.csv or .parquet), written atomically.")],
    leads: Annotated[Path | None, typer.Option(help="Event mode: the leads file.")] = None,
    activities: Annotated[Path | None, typer.Option(help="Event mode: the activities file.")] = None,
    table: Annotated[Path | None, typer.Option(help="Flat mode: the table to score.")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="Score as of this moment (default: now).")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the reasons.")] = Lang.en,
    top_k: Annotated[int, typer.Option(help="Reasons per lead.")] = 5,
    model: Annotated[str, typer.Option(help="Model URI.")] = DEFAULT_MODEL_URI,
    mapping: Annotated[Mapping | None, typer.Option(help="Read a vendor's export (salesforce or hubspot).")] = None,
    suggest: Annotated[bool, typer.Option(help="Event mode: add suggestions_json, the buying actions that would "
                                               "raise each score (five more scorings per lead).")] = False,
    write_back: Annotated[Crm | None, typer.Option(help="Write --out as this CRM's import file (Salesforce Data "
                                                        "Loader upsert / HubSpot contacts import); the full "
                                                        "scores go beside it as <name>.scores.csv.")] = None,
    engine: Annotated[Engine, typer.Option(help="local: this process; spark: Apache Spark (Parquet paths or URIs "
                                                "in, a Parquet folder out; LEADSCORE_SPARK_MASTER).")] = Engine.local,
    buckets: Annotated[int | None, typer.Option(min=1, help="Spark: buckets of leads scored together (default: "
                                                            "one per 100,000 leads, at least the cores).")] = None,
) -> None:
    """Batch-score a file: exactly one output row per input row, errors named in an `error` column."""
    from scoring.options import ScoringOptions
    from serving.batch import score_event_file, score_flat_file
    from serving.history import ScoreHistory

    options = ScoringOptions(as_of, lang.value, top_k, suggest).resolved()
    if engine is Engine.spark:
        _score_on_spark(out, leads, activities, table, options, model, mapping, write_back, buckets)
        return
    scores_out = out.with_name(f"{out.stem}.scores{out.suffix}") if write_back else out
    if write_back and out.suffix.lower() != ".csv":
        _fail(f"--write-back writes a CSV import file: name --out *.csv, not {out.name}", 2)
    if out.suffix.lower() not in (".csv", ".parquet"):
        _fail(f"--out {out.name}: name the score file .csv or .parquet", 2)
    for given in (leads, activities, table):
        if given is not None and not given.is_file():
            _fail(f"{given}: file not found", 2)

    loaded = _load(model)
    score_log = ScoreHistory.from_env()  # LEADSCORE_SCORE_LOG=off: none
    with _progress() as bar:
        task = bar.add_task("scoring", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if table is not None:
            summary = score_flat_file(loaded.bundle, table, scores_out, options, loaded.version, step,
                                      score_log=score_log)
        elif leads is not None:
            if loaded.bundle.mode != "event":
                _fail("this model was trained on a flat table: score with --table", 2)
            summary = score_event_file(loaded.bundle, leads, activities, scores_out, options, loaded.version, step,
                                       mapping=mapping.value if mapping else None, score_log=score_log)
        else:
            _fail("give --leads (and --activities) or --table", 2)
    _say(f"{summary.rows:,} rows: {summary.scored:,} scored, {summary.errors:,} with errors → {summary.out}")
    result = dataclasses.asdict(summary)
    if write_back:
        import pandas as pd

        from crm.writeback import write_back as write_import_file

        written = write_import_file(pd.read_csv(scores_out, dtype={"lead_id": str, "model_version": str}),
                                    write_back.value, out)
        _say(f"{write_back.value} import file: {written.written:,} leads, {written.skipped:,} skipped → {out}")
        result["write_back"] = {"crm": write_back.value, "written": written.written, "skipped": written.skipped,
                                "out": str(out)}
    typer.echo(json.dumps(result, default=str))


def _spark_uri(path: Path | None) -> str | None:
    """An option given as a path, back as the text Spark reads: ``Path`` turns ``s3a://bucket/x`` into
    ``s3a:/bucket/x``, so the scheme's ``//`` is put back (``file:/x`` is a valid URI as it is)."""
    if path is None:
        return None
    import re

    text = str(path)
    return text if text.startswith("file:") else re.sub(r"^([A-Za-z][\w+.-]*):/(?!/)", r"\1://", text)


def _score_on_spark(out: Path, leads: Path | None, activities: Path | None, table: Path | None, options,
                    model: str, mapping: Mapping | None, write_back: Crm | None, buckets: int | None) -> None:
    """``leadscore score --engine spark``: event mode, Parquet in (paths or URIs), a Parquet folder out."""
    if table is not None or leads is None:
        _fail("--engine spark scores event-mode Parquet: give --leads (and --activities), not --table", 2)
    if mapping is not None or write_back is not None:
        _fail("--engine spark reads the contract's columns: --mapping and --write-back work with the local engine", 2)
    loaded = _load(model)
    if loaded.bundle.mode != "event":
        _fail("this model was trained on a flat table: score with --table on the local engine", 2)
    from engines.spark import SparkUnavailable, score_spark, spark_session

    try:
        spark = spark_session()
    except SparkUnavailable as exc:
        _fail(str(exc), 2)
    summary = score_spark(spark, loaded.bundle, _spark_uri(leads), _spark_uri(activities), _spark_uri(out),
                          options, loaded.version, buckets)
    _say(f"{summary.rows:,} rows: {summary.scored:,} scored, {summary.errors:,} with errors, {summary.buckets} "
         f"buckets → {summary.out}")
    typer.echo(json.dumps(dataclasses.asdict(summary)))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 3000,
    model: Annotated[str, typer.Option(help="Model URI to serve.")] = DEFAULT_MODEL_URI,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: one per core this "
                                                           "process may use).")] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Serve without a bearer token (local use only).")] = False,
) -> None:
    """Serve the HTTP API. Needs LEADSCORE_API_TOKEN unless --no-auth."""
    from serving.config import usable_cores

    if not no_auth and not os.environ.get("LEADSCORE_API_TOKEN"):
        _fail("set LEADSCORE_API_TOKEN (the bearer token clients must send) or pass --no-auth explicitly")
    loaded = _load(model)  # verify before starting: a bad model stops here with a clear message
    workers = workers or usable_cores()
    _say(f"serving {loaded.name} v{loaded.version} ({loaded.source}, sha256 {loaded.sha256[:12]}…) on "
         f"http://{host}:{port} with {workers} worker(s)")
    env = {**os.environ, **serve_env(workers), "LEADSCORE_MODEL_URI": model}
    if no_auth:
        env["LEADSCORE_NO_AUTH"] = "1"
    command = serve_command(host, port)
    os.execvpe(command[0], command, env)


@app.command()
def build(model: Annotated[str, typer.Option(help="Registered model to pack (models:/NAME@ALIAS or "
                                                  "models:/NAME/VERSION).")] = DEFAULT_MODEL_URI) -> None:
    """Build a deployable Bento (bentofile.yaml) with the verified model inside; `bentoml containerize` makes
    the image."""
    from scoring.artifacts import IntegrityError
    from serving.bento import build_bento
    from serving.loader import ModelLoadError

    try:
        built = build_bento(model)
    except (ModelLoadError, IntegrityError) as exc:
        _fail(str(exc))
    _say(f"model {built.model_tag} (sha256 {built.sha256[:12]}…) packed into Bento {built.tag} at {built.path}")
    _say(f"serve it: bentoml serve {built.tag}  ·  image: bentoml containerize {built.tag}")
    typer.echo(json.dumps({"bento": built.tag, "model": built.model_tag, "sha256": built.sha256,
                           "path": str(built.path)}))


@app.command()
def explain(
    lead_id: Annotated[str, typer.Option(help="The lead to explain.")],
    out: Annotated[Path, typer.Option(help="HTML file to write.")],
    leads: Annotated[Path, typer.Option(help="The leads file.")],
    activities: Annotated[Path | None, typer.Option(help="The activities file.")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="Score as of this moment (default: now).")] = None,
    lang: Annotated[Lang, typer.Option(help="en or de.")] = Lang.en,
    top_k: Annotated[int, typer.Option(help="Reasons shown.")] = 5,
    model: Annotated[str, typer.Option(help="Model URI.")] = DEFAULT_MODEL_URI,
    mapping: Annotated[Mapping | None, typer.Option(help="Read a vendor's export (salesforce or hubspot).")] = None,
) -> None:
    """Write an HTML score card (score, tier, grade, reasons as a waterfall) for one lead."""
    from features.loading import load_event_data
    from scoring.options import ScoringOptions
    from serving.card import render_card
    from serving.scoring import score_request

    loaded = _load(model)
    data, _ = load_event_data(leads, activities, None, mapping=mapping.value if mapping else None,
                              extra_columns=loaded.bundle.feature_config.extra_columns)
    from features.mappings import lead_key

    lead_id = lead_key(mapping.value if mapping else None, lead_id)
    match = data.leads[data.leads["lead_id"] == lead_id]
    if match.empty:
        _fail(f"lead {lead_id} is not in {leads}")
    record = {k: (None if _isna(v) else (v.isoformat() if hasattr(v, "isoformat") else v))
              for k, v in match.drop(columns=["source_row"]).iloc[0].items()}
    acts = data.activities[data.activities["lead_id"] == lead_id]
    record["activities"] = [{"occurred_at": t.isoformat(), "activity_type": a}
                            for t, a in zip(acts["occurred_at"], acts["activity_type"], strict=True)]
    response = score_request(loaded.bundle, [record], ScoringOptions(as_of, lang.value, top_k, suggest=True),
                             loaded.version)
    out.write_text(render_card(response.results[0], lang.value, loaded.bundle.horizon_days, record), encoding="utf-8")
    _say(f"score card for {lead_id} → {out}")


def _isna(value: object) -> bool:
    import pandas as pd

    return not isinstance(value, list | dict) and bool(pd.isna(value))


@app.command()
def models(model_name: Annotated[str | None, typer.Option(
        help="Registered model name (default: both the event and the flat models).")] = None) -> None:
    """Registered versions with their aliases, mode, horizon, regime and evaluation metrics."""
    from training.registry import configure, list_versions, version_summary

    configure()
    names = [model_name] if model_name else [MODEL_NAME, FLAT_MODEL_NAME]
    versions = [info for name in names for info in list_versions(name)]
    if not versions:
        _fail(f"no versions of {' or '.join(map(repr, names))} registered yet: run leadscore train")
    table = Table("model", "version", "aliases", "contract", "regime", "ROC AUC", "PR AUC", "log loss", "ECE",
                  "lift top 10 %")
    for info in versions:
        s = version_summary(info)
        table.add_row(info.name, s["version"], s["aliases"], s["contract"], s["regime"],
                      *(f"{s[k]:.4f}" if s[k] is not None else "–"
                        for k in ("roc_auc", "pr_auc", "log_loss", "ece", "lift_top10")))
    Console(width=200).print(table)


@app.command()
def monitor(
    report: Annotated[Path, typer.Option(help="HTML report to write (also logged to MLflow).")],
    leads: Annotated[Path | None, typer.Option(help="The leads file (now), to score them or rebuild logged leads.")]
    = None,
    activities: Annotated[Path | None, typer.Option(help="The activities file.")] = None,
    conversions: Annotated[Path | None, typer.Option(help="A conversions file exported later: realised conversion "
                                                          "per tier and calibration of the scores.")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="The moment checked (default: now); with --from-log the "
                                                        "end of the window.")] = None,
    from_log: Annotated[bool, typer.Option("--from-log", help="Check the scores served, from the score log "
                                                              "(LEADSCORE_SCORE_DB).")] = False,
    since: Annotated[float, typer.Option(help="With --from-log: the days before --as-of to read.")] = 7.0,
    score_db: Annotated[str | None, typer.Option(help="Score log URL (default: LEADSCORE_SCORE_DB or "
                                                      "./scores.db).")] = None,
    model_name: Annotated[str, typer.Option(help="Registered model name; its champion is checked.")] = MODEL_NAME,
    threshold: Annotated[float, typer.Option(help="Exit 3 when the score's or any feature's PSI reaches this.")]
    = 0.25,
) -> None:
    """Compare the leads scored now (or the scores served) with the champion's training window: PSI per
    feature and on the score; with --conversions, realised rate per tier and calibration. Writes an HTML
    report, logs it to MLflow. Exit codes: 0 no drift above --threshold, 3 drift, 2 bad input, 1 failure."""
    from training.monitor import EXIT_DRIFT, run_monitor
    from training.reference import NoReferenceProfile

    for given in (leads, activities, conversions):
        if given is not None and not given.is_file():
            _fail(f"{given}: file not found", 2)
    if report.suffix.lower() not in (".html", ".htm"):
        _fail(f"--report {report.name}: name the report .html", 2)
    if not report.parent.is_dir():
        _fail(f"--report: folder {report.parent} does not exist", 2)
    if activities is not None and leads is None:
        _fail("--activities needs --leads", 2)
    loaded = _load(f"models:/{model_name}@champion")
    try:
        result = run_monitor(loaded.bundle, loaded.name, loaded.version, report, as_of=as_of, leads=leads,
                             activities=activities, conversions=conversions, from_log=from_log, since_days=since,
                             score_db=score_db, threshold=threshold, progress=_say)
    except NoReferenceProfile as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc), 2)
    drift = result.drift
    score = "" if drift.score is None else f"score PSI {drift.score.psi:.3f}, "
    flagged = ", ".join(f"{d.name} {d.psi:.2f}" for d in drift.flagged[:5]) or "none"
    _say(f"{drift.rows_current:,} leads: {score}largest PSI {drift.max_psi:.3f}; ≥ 0.1: {flagged}")
    if result.realised is not None and result.realised.evaluated:
        r = result.realised
        tiers = ", ".join(f"{t.tier} {t.rate:.1%} (served {t.mean_probability:.1%})" for t in r.tiers)
        _say(f"realised: {r.conversions:,} of {r.evaluated:,} converted; {tiers}; ECE {r.ece:.3f}")
    _say(f"report → {report} (MLflow run {result.run_id})")
    typer.echo(json.dumps(result.summary()))
    if result.exceeded:
        console.print(f"[bold red]drift:[/bold red] PSI ≥ {threshold} ({flagged})")
        raise typer.Exit(EXIT_DRIFT)


@app.command()
def retrain(
    leads: Annotated[Path, typer.Option(help="The leads file.")],
    conversions: Annotated[Path, typer.Option(help="The conversions file.")],
    activities: Annotated[Path | None, typer.Option(help="The activities file.")] = None,
    shadow_days: Annotated[float, typer.Option(help="Shadow-score the requests logged in the last N days.")] = 7.0,
    score_db: Annotated[str | None, typer.Option(help="Score log URL (default: LEADSCORE_SCORE_DB or "
                                                      "./scores.db).")] = None,
    horizon_days: Annotated[int, typer.Option(help="Label: converts within this many days.")] = 90,
    mapping: Annotated[Mapping | None, typer.Option(help="Read a vendor's export (salesforce or hubspot).")] = None,
    extra: Annotated[list[str] | None, typer.Option(help="Extra lead column to use as a fit feature.")] = None,
    keep: Annotated[list[str] | None, typer.Option(help="Keep a column the leakage screen flagged (repeatable).")
                    ] = None,
    truth: Annotated[Path | None, typer.Option(help="A generated world's truth file, to report the gap.")] = None,
    promote: Annotated[Promote, typer.Option(help="gate (default), always or never.")] = Promote.gate,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    model_name: Annotated[str | None, typer.Option(help=f"Registered model name (default: {MODEL_NAME}).")] = None,
    search_seconds: Annotated[float, typer.Option(help="Time for the settings search per fit (0: no search).")] = 30.0,
    rules: Annotated[Path | None, typer.Option(help="Point rules (TOML) for a history too short to learn from.")]
    = None,
) -> None:
    """Scheduled retraining: train (event mode) → gate → shadow-score the challenger on the requests logged in
    the last --shadow-days → promote or keep. A retraining that fails or loses never moves the champion."""
    from training.retrain import retrain as do_retrain

    for given in (leads, activities, conversions, truth, rules):
        if given is not None and not given.is_file():
            _fail(f"{given}: file not found; the champion is unchanged", 2)
    config = _train_config(horizon_days, seed, promote, model_name, search_seconds, rules, keep, extra)
    try:
        result = do_retrain(leads, activities, conversions, config, shadow_days=shadow_days, score_db=score_db,
                            mapping=mapping.value if mapping else None, truth=truth, progress=_say)
    except Exception as exc:  # a failed run never touches the champion; say why and exit non-zero
        _fail(f"retraining failed, the champion is unchanged: {exc}")
    moved = (f"champion v{result.champion_before} → v{result.champion_after}"
             if result.champion_before != result.champion_after else f"champion stays v{result.champion_after}")
    _say(f"{moved}: {result.logged.decision} ({result.seconds:.0f} s)")
    typer.echo(json.dumps(result.summary(), default=str))


@app.command()
def promote(
    version: str,
    model_name: Annotated[str, typer.Option(help="Registered model name.")] = MODEL_NAME,
    force: Annotated[bool, typer.Option(help="Promote even if its mode, horizon or inputs differ from the "
                                             "champion's.")] = False,
) -> None:
    """Make VERSION the champion (a rollback returns to the one before)."""
    from scoring.contract import ContractMismatch
    from training.registry import configure, list_versions, set_champion

    if not version.isdigit():
        _fail(f"VERSION is a version number (e.g. 3), not {version!r}; `leadscore models` lists them", 2)
    configure()
    known = {v.version for v in list_versions(model_name)}
    if version not in known:
        listed = ", ".join(sorted(known, key=int)) or "none yet"
        _fail(f"model {model_name!r} has no version {version} (versions: {listed}); `leadscore models` lists them",
              2)
    try:
        old = set_champion(model_name, version, force=force)
    except ContractMismatch as exc:
        _fail(f"not promoted: {exc} (--force)", 2)
    _say(f"champion: v{old} → v{version}" if old else f"champion: v{version}")


@app.command()
def rollback(model_name: Annotated[str, typer.Option(help="Registered model name.")] = MODEL_NAME) -> None:
    """Put back the champion before the current one (one step further back on each call)."""
    from training.registry import configure
    from training.registry import rollback as do_rollback

    configure()
    try:
        current, previous = do_rollback(model_name)
    except LookupError as exc:
        _fail(str(exc))
    _say(f"champion: v{current} → v{previous}")


@app.command()
def features(
    lang: Annotated[Lang, typer.Option(help="en or de.")] = Lang.en,
    leads: Annotated[Path | None, typer.Option(help="Compute the features of these leads (instead of printing the "
                                                    "catalogue).")] = None,
    activities: Annotated[Path | None, typer.Option(help="Their activities.")] = None,
    out: Annotated[Path | None, typer.Option(help="Feature file (.csv/.parquet; with --engine spark a Parquet "
                                                  "folder): lead_id and every feature, one row per lead that "
                                                  "existed at --as-of.")] = None,
    as_of: Annotated[datetime | None, typer.Option(help="Features as of this moment (default: now).")] = None,
    engine: Annotated[Engine, typer.Option(help="local or spark (Parquet paths or URIs).")] = Engine.local,
    buckets: Annotated[int | None, typer.Option(min=1, help="Spark: buckets of leads.")] = None,
) -> None:
    """Print the feature catalogue as markdown (generated from the same declarations as the reasons), or with
    --leads and --out write the features of those leads."""
    if leads is None:
        from features.catalogue import build_catalogue

        typer.echo(build_catalogue().to_markdown(lang.value))
        return
    if out is None:
        _fail("--leads computes features: name the file to write with --out", 2)
    from scoring.options import ScoringOptions

    moment = ScoringOptions(as_of).resolved().as_of
    if engine is Engine.spark:
        from engines.spark import SparkUnavailable, features_spark, spark_session

        try:
            spark = spark_session()
        except SparkUnavailable as exc:
            _fail(str(exc), 2)
        summary = features_spark(spark, _spark_uri(leads), _spark_uri(activities), _spark_uri(out), moment,
                                 buckets=buckets)
        rows = summary.rows
    else:
        from engines.partition import feature_rows
        from features.config import FeatureConfig
        from features.loading import load_event_data, write_table

        for given in (leads, activities):
            if given is not None and not given.is_file():
                _fail(f"{given}: file not found", 2)
        data, _ = load_event_data(leads, activities)
        table = feature_rows(data, moment, FeatureConfig())
        write_table(table, out)
        rows = len(table)
    _say(f"features of {rows:,} leads as of {moment.isoformat()} → {out}")
    typer.echo(json.dumps({"rows": rows, "out": str(out), "as_of": moment.isoformat()}))


@app.command()
def demo(
    leads: Annotated[int, typer.Option(help="Leads in the generated world.")] = 8_000,
    port: Annotated[int, typer.Option(help="Port for the demo server (0: any free port).")] = 0,
    workdir: Annotated[Path, typer.Option(help="Where the demo writes its world.")] = Path("demo-data"),
) -> None:
    """Generate a world, train, serve, score a hot, a warm and a cold lead over HTTP, stop."""
    from leadscore.demo import run_demo

    run_demo(leads=leads, port=port, workdir=workdir, say=_say)


def _register_crm_push() -> None:
    from crm.cli import push as crm_push

    app.command("push", help="Send scores to the CRM through its batch API (resumable).")(crm_push)


_register_crm_push()


def main() -> None:
    """The ``leadscore`` command: any failure is one line saying what went wrong (exit code 2 for bad input,
    1 otherwise), never a traceback unless ``--debug`` is given."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # the one place errors become one line
        if debug:
            raise
        from features.loading import DataContractError

        bad_input = isinstance(exc, DataContractError | ValueError | FileNotFoundError | PermissionError)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        console.print(f"[bold red]error:[/bold red] {message}"
                      + ("" if bad_input else f" ({exc.__class__.__name__}; run again with --debug for details)"))
        raise SystemExit(2 if bad_input else 1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
