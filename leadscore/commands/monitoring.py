"""``monitor``: drift of the leads scored now against the champion's training window, and realised accuracy once
conversions are known."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from leadscore.commands.common import (
    MAPPING_HELP_SCORING,
    as_of_option,
    checked_mapping,
    console,
    fail,
    load_verified,
    say,
)
from scoring.settings import FLAT_MODEL_NAME, MODEL_NAME


def monitor(
    report: Annotated[Path, typer.Option(help="HTML report to write (also logged to MLflow).")],
    leads: Annotated[Path | None, typer.Option(help="The leads file (now), to score them or rebuild logged leads.")]
    = None,
    activities: Annotated[Path | None, typer.Option(help="The activities file.")] = None,
    table: Annotated[Path | None, typer.Option(help="Flat mode: a table of leads (one row each) to score now (with "
                                                    "--from-log: the logged leads' rows); where its outcome column "
                                                    "is filled in, the scores are checked against it.")] = None,
    conversions: Annotated[Path | None, typer.Option(help="A conversions file exported later: realised conversion "
                                                          "per tier and calibration of the scores.")] = None,
    as_of: Annotated[datetime | None, as_of_option("The moment checked (default: now); with --from-log the end "
                                                   "of the window.")] = None,
    mapping: Annotated[str | None, typer.Option(help=MAPPING_HELP_SCORING)] = None,
    from_log: Annotated[bool, typer.Option("--from-log", help="Check the scores served, from the score log "
                                                              "(LEADSCORE_SCORE_DB).")] = False,
    since: Annotated[float, typer.Option(help="With --from-log: the days before --as-of to read.")] = 7.0,
    score_db: Annotated[str | None, typer.Option(help="Score log URL (default: LEADSCORE_SCORE_DB or "
                                                      "./scores.db).")] = None,
    model_name: Annotated[str | None, typer.Option(help=f"Registered model name; its champion is checked (default: "
                                                        f"{MODEL_NAME}, with --table {FLAT_MODEL_NAME}).")] = None,
    model: Annotated[str | None, typer.Option(help="Model URI to check instead of the champion, e.g. "
                                                   "models:/lead-scoring/3: a version the gate kept out, judged on "
                                                   "the same outcomes as the champion.")] = None,
    threshold: Annotated[float, typer.Option(help="Exit 3 when the score's or any feature's PSI reaches this.")]
    = 0.25,
) -> None:
    """Compare the leads scored now (or the scores served) with the champion's training window: PSI per
    feature and on the score; with --conversions (a flat model: a --table whose outcome column is filled in),
    realised rate per tier and calibration, and whether the conversions that came are the ones the scores
    promised. Writes an HTML report, logs it to MLflow. Exit codes: 0 nothing to act on, 3 drift above
    --threshold or realised conversions off the scores, 2 bad input, 1 failure."""
    from monitoring.report import outcome_verdict
    from training.monitor import EXIT_DRIFT, run_monitor
    from training.reference import NoReferenceProfile

    for given in (leads, activities, conversions, table):
        if given is not None and not given.is_file():
            fail(f"{given}: file not found", 2)
    if report.suffix.lower() not in (".html", ".htm"):
        fail(f"--report {report.name}: name the report .html", 2)
    if not report.parent.is_dir():
        fail(f"--report: folder {report.parent} does not exist", 2)
    if activities is not None and leads is None:
        fail("--activities needs --leads", 2)
    mapping = checked_mapping(mapping)
    if table is not None and leads is not None:
        fail("give --table for a flat-mode model or --leads for an event-mode one, not both", 2)
    model_name = model_name or (FLAT_MODEL_NAME if table is not None else MODEL_NAME)
    loaded = load_verified(model or f"models:/{model_name}@champion")
    if as_of is not None:  # a moment without offset is the model's export's local time, as for `score`
        from scoring.options import ScoringOptions

        as_of = ScoringOptions(as_of).resolved(loaded.bundle.time_zone).as_of
    try:
        result = run_monitor(loaded.bundle, loaded.name, loaded.version, report, as_of=as_of, leads=leads,
                             activities=activities, conversions=conversions, mapping=mapping,
                             from_log=from_log, since_days=since, table=table,
                             score_db=score_db, threshold=threshold, progress=say)
    except NoReferenceProfile as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc), 2)
    drift = result.drift
    score = "" if drift.score is None else f"score PSI {drift.score.psi:.3f}, "
    flagged = ", ".join(f"{d.name} {d.psi:.2f}" for d in drift.flagged[:5]) or "none"
    say(f"{drift.rows_current:,} leads: {score}largest PSI {drift.max_psi:.3f}; ≥ 0.1: {flagged}")
    for d in drift.flagged:
        if d.unseen:
            say(f"{d.name}: values the training window did not name: "
                + ", ".join(f"{value} ({count:,})" for value, count in d.unseen))
    if result.realised is not None and result.realised.evaluated:
        r = result.realised
        tiers = ", ".join(f"{t.tier} {t.rate:.1%} (served {t.mean_probability:.1%})" for t in r.tiers)
        say(f"realised: {r.conversions:,} of {r.evaluated:,} converted; {tiers}; ECE {r.ece:.3f}")
        if not result.outcome_off:
            say(f"realised: {outcome_verdict(r)}")
    say(f"report → {report} (MLflow run {result.run_id})")
    typer.echo(json.dumps(result.summary()))
    if result.exceeded:
        over = [d for d in drift.flagged if d.psi >= threshold]  # drift.flagged starts at 0.1
        named = ", ".join(f"{d.name} {d.psi:.2f}" for d in over[:5])
        console.print(f"[bold red]drift:[/bold red] PSI ≥ {threshold} ({named})")
    if result.outcome_off:
        assert result.realised is not None
        console.print(f"[bold red]outcomes:[/bold red] {outcome_verdict(result.realised)}")
    if result.exceeded or result.outcome_off:
        raise typer.Exit(EXIT_DRIFT)
