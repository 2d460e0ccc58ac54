"""Commands about data: a generated world (``generate``) and the features of leads or their catalogue
(``features``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from leadscore.commands.common import Engine, Fmt, Lang, as_of_option, fail, say
from leadscore.commands.scoring import spark_uri


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
        fail(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}", 2)
    given = {"n_leads": leads, "seed": seed, "start": start, "end": end, "mess": not clean,
             "horizon_days": horizon_days, "truth_as_of": truth_as_of, "conversion_scale": conversion_scale,
             "interaction": interaction, "base_rate_drift": base_rate_drift, "channel_drift": channel_drift,
             "picklist_change": picklist_change}
    changes = {k: v for k, v in given.items() if v is not None}
    if not activities:
        changes["activities"] = False
    config = WorldConfig.preset(preset, **changes)
    say(f"generating {config.n_leads:,} leads ({preset}, seed {seed}, {config.start} … {config.end})")
    world = generate_world(config)
    paths = write_world(world, out, format.value)
    for name, path in paths.items():
        say(f"{name}: {path}")
    typer.echo(json.dumps({k: str(v) for k, v in paths.items()}))


def features(
    lang: Annotated[Lang, typer.Option(help="en or de.")] = Lang.en,
    leads: Annotated[Path | None, typer.Option(help="Compute the features of these leads (instead of printing the "
                                                    "catalogue).")] = None,
    activities: Annotated[Path | None, typer.Option(help="Their activities.")] = None,
    out: Annotated[Path | None, typer.Option(help="Feature file (.csv/.parquet; with --engine spark a Parquet "
                                                  "folder): lead_id and every feature, one row per lead that "
                                                  "existed at --as-of.")] = None,
    as_of: Annotated[datetime | None, as_of_option("Features as of this moment (default: now).")] = None,
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
        fail("--leads computes features: name the file to write with --out", 2)
    from scoring.options import ScoringOptions

    moment = ScoringOptions(as_of).resolved().as_of
    if engine is Engine.spark:
        from engines.spark import SparkUnavailable, features_spark, spark_session

        try:
            spark = spark_session()
        except SparkUnavailable as exc:
            fail(str(exc), 2)
        summary = features_spark(spark, spark_uri(leads), spark_uri(activities), spark_uri(out), moment,
                                 buckets=buckets)
        rows = summary.rows
    else:
        from engines.partition import feature_rows
        from features.config import FeatureConfig
        from features.loading import load_event_data, write_table

        for given in (leads, activities):
            if given is not None and not given.is_file():
                fail(f"{given}: file not found", 2)
        data, report = load_event_data(leads, activities)
        for note in report.scoring_notes():  # unknown activity types, rows not read: as `score` says them
            say(note)
        table = feature_rows(data, moment, FeatureConfig())
        write_table(table, out)
        rows = len(table)
    say(f"features of {rows:,} leads as of {moment.isoformat()} → {out}")
    typer.echo(json.dumps({"rows": rows, "out": str(out), "as_of": moment.isoformat()}))
