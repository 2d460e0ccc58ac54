"""Commands that score with a trained model: a file (``score``, locally or on Spark) and one lead's HTML score card
(``explain``)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from leadscore.commands.common import (
    CONVERSIONS_HELP,
    MAPPING_HELP_SCORING,
    Crm,
    Engine,
    Lang,
    as_of_option,
    checked_mapping,
    fail,
    load_verified,
    parquet_only,
    progress_bar,
    say,
)
from scoring.settings import DEFAULT_MODEL_URI, FLAT_MODEL_URI


def score(
    out: Annotated[Path, typer.Option(help="Output file (.csv or .parquet), written atomically.")],
    leads: Annotated[Path | None, typer.Option(help="Event mode: the leads file.")] = None,
    activities: Annotated[Path | None, typer.Option(help="Event mode: the activities file.")] = None,
    conversions: Annotated[Path | None, typer.Option(help=CONVERSIONS_HELP)] = None,
    table: Annotated[Path | None, typer.Option(help="Flat mode: the table to score.")] = None,
    as_of: Annotated[datetime | None, as_of_option("Score as of this moment (default: now).")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the reasons.")] = Lang.en,
    top_k: Annotated[int, typer.Option(help="Reasons per lead.")] = 5,
    model: Annotated[str | None, typer.Option(help=f"Model URI (default: {DEFAULT_MODEL_URI}; with --table "
                                                   f"{FLAT_MODEL_URI}).")] = None,
    mapping: Annotated[str | None, typer.Option(help=MAPPING_HELP_SCORING)] = None,
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

    options = ScoringOptions(as_of, lang.value, top_k, suggest)  # resolved in the model's zone by the scorers
    model = model or (FLAT_MODEL_URI if table is not None else DEFAULT_MODEL_URI)  # train registers flat apart
    if engine is Engine.spark:
        if conversions is not None:
            fail("--conversions is read by the local engine; for Spark, give the leads a converted_at column", 2)
        _score_on_spark(out, leads, activities, table, options, model, mapping, write_back, buckets)
        return
    scores_out = out.with_name(f"{out.stem}.scores{out.suffix}") if write_back else out
    if write_back and out.suffix.lower() != ".csv":
        fail(f"--write-back writes a CSV import file: name --out *.csv, not {out.name}", 2)
    if out.suffix.lower() not in (".csv", ".parquet"):
        fail(f"--out {out.name}: name the score file .csv or .parquet", 2)
    if table is not None and (leads is not None or activities is not None or conversions is not None):
        fail("give --leads (and --activities) for an event-mode model or --table for a flat one, not both", 2)
    for given in (leads, activities, conversions, table):
        if given is not None and given.is_dir():
            fail(f"{given} is a folder: give the file in it", 2)
        if given is not None and not given.is_file():
            fail(f"{given}: file not found", 2)
    checked_mapping(mapping)

    loaded = load_verified(model)
    score_log = ScoreHistory.from_env()  # LEADSCORE_SCORE_LOG=off: none
    with progress_bar() as bar:
        task = bar.add_task("scoring", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if table is not None:
            if loaded.bundle.mode != "flat":
                fail("this model was trained on event-mode files: score with --leads (and --activities)", 2)
            summary = score_flat_file(loaded.bundle, table, scores_out, options, loaded.version, step,
                                      score_log=score_log)
        elif leads is not None:
            if loaded.bundle.mode != "event":
                fail("this model was trained on a flat table: score with --table", 2)
            summary = score_event_file(loaded.bundle, leads, activities, scores_out, options, loaded.version, step,
                                       mapping=mapping, score_log=score_log, conversions=conversions)
        else:
            fail("give --leads (and --activities) or --table", 2)
    say(f"{summary.rows:,} rows: {summary.scored:,} scored, {summary.errors:,} with errors → {summary.out}")
    for note in summary.notes:
        say(f"note: {escape(note)}")
    result = dataclasses.asdict(summary)
    if write_back:
        import pandas as pd

        from crm.writeback import write_back as write_import_file

        written = write_import_file(pd.read_csv(scores_out, dtype={"lead_id": str, "model_version": str}),
                                    write_back.value, out)
        say(f"{write_back.value} import file: {written.written:,} leads, {written.skipped:,} skipped → {out}")
        result["write_back"] = {"crm": write_back.value, "written": written.written, "skipped": written.skipped,
                                "out": str(out)}
    typer.echo(json.dumps(result, default=str))
    if summary.rows and not summary.scored:  # a nightly job must not report success for a file it could not read
        fail(f"no lead of {summary.rows:,} could be scored ({escape(_most_common_error(summary.out))}): the "
             f"`error` column of {summary.out} names each row's problem; fix the export and score again", 2)


def _most_common_error(scores: Path) -> str:
    """The error most rows of a score file share, shortened, with how many rows share it."""
    import pandas as pd

    errors = (pd.read_parquet(scores, columns=["error"]) if scores.suffix.lower() == ".parquet"
              else pd.read_csv(scores, usecols=["error"], dtype=str))["error"].dropna()
    if errors.empty:
        return "no error recorded"
    # a row's message names its own value (``'12/05/2024'``): group by the message around the values
    shapes = errors.str.replace(r"'[^']*'", "…", regex=True)
    shape, count = shapes.value_counts().index[0], int(shapes.value_counts().iloc[0])
    example = errors[shapes == shape].iloc[0]
    return f"{count:,} rows: {example[:160]}"


def spark_uri(path: Path | None) -> str | None:
    """An option given as a path, back as the text Spark reads: ``Path`` turns ``s3a://bucket/x`` into
    ``s3a:/bucket/x``, so the scheme's ``//`` is put back (``file:/x`` is a valid URI as it is)."""
    if path is None:
        return None
    import re

    text = str(path)
    return text if text.startswith("file:") else re.sub(r"^([A-Za-z][\w+.-]*):/(?!/)", r"\1://", text)


def _score_on_spark(out: Path, leads: Path | None, activities: Path | None, table: Path | None, options,
                    model: str, mapping: str | None, write_back: Crm | None, buckets: int | None) -> None:
    """``leadscore score --engine spark``: event mode, Parquet in (paths or URIs), a Parquet folder out."""
    if table is not None or leads is None:
        fail("--engine spark scores event-mode Parquet: give --leads (and --activities), not --table", 2)
    if mapping is not None or write_back is not None:
        fail("--engine spark reads the contract's columns: --mapping and --write-back work with the local engine", 2)
    parquet_only(leads, activities)
    loaded = load_verified(model)
    if loaded.bundle.mode != "event":
        fail("this model was trained on a flat table: score with --table on the local engine", 2)
    from engines.spark import SparkUnavailable, score_spark, spark_session

    try:
        spark = spark_session()
    except SparkUnavailable as exc:
        fail(str(exc), 2)
    summary = score_spark(spark, loaded.bundle, spark_uri(leads), spark_uri(activities), spark_uri(out),
                          options, loaded.version, buckets)
    say(f"{summary.rows:,} rows: {summary.scored:,} scored, {summary.errors:,} with errors, {summary.buckets} "
         f"buckets → {summary.out}")
    for note in summary.notes:
        say(f"note: {escape(note)}")
    typer.echo(json.dumps(dataclasses.asdict(summary)))


def explain(
    lead_id: Annotated[str, typer.Option(help="The lead to explain.")],
    out: Annotated[Path, typer.Option(help="HTML file to write.")],
    leads: Annotated[Path | None, typer.Option(help="Event mode: the leads file.")] = None,
    activities: Annotated[Path | None, typer.Option(help="Event mode: the activities file.")] = None,
    conversions: Annotated[Path | None, typer.Option(help=CONVERSIONS_HELP)] = None,
    table: Annotated[Path | None, typer.Option(help="Flat mode: the table holding the lead (its id column "
                                                    "names it; without one, its row number).")] = None,
    as_of: Annotated[datetime | None, as_of_option("Score as of this moment (default: now).")] = None,
    lang: Annotated[Lang, typer.Option(help="en or de.")] = Lang.en,
    top_k: Annotated[int, typer.Option(help="Reasons shown.")] = 5,
    model: Annotated[str | None, typer.Option(help=f"Model URI (default: {DEFAULT_MODEL_URI}; with --table "
                                                   f"{FLAT_MODEL_URI}).")] = None,
    mapping: Annotated[str | None, typer.Option(help=MAPPING_HELP_SCORING)] = None,
) -> None:
    """Write an HTML score card (score, tier, grade, reasons as a waterfall) for one lead.

    A lead ``score`` gives an error row (created after ``--as-of``, converted by then, a value it cannot
    read) gets that error here too, as one line (exit 2), and no card."""
    import pandas as pd

    from features.loading import conversion_moments
    from features.loading.lead_ids import lead_ids
    from features.mappings import lead_key
    from scoring.options import ScoringOptions
    from scoring.requests import activities_as_read
    from serving.batch import conversion_field, load_bundle_data
    from serving.card import render_card
    from serving.scoring import score_request

    if (table is None) == (leads is None):
        fail("give --leads (and --activities) for an event-mode model or --table for a flat one", 2)
    loaded = load_verified(model or (FLAT_MODEL_URI if table is not None else DEFAULT_MODEL_URI))
    options = ScoringOptions(as_of, lang.value, top_k, suggest=True).resolved(loaded.bundle.time_zone)
    if table is not None or loaded.bundle.mode == "flat":
        if table is None or loaded.bundle.mode != "flat":
            fail("this model was trained on a flat table: give the lead's table with --table" if table is None else
                 "this model was trained on event-mode files: give --leads (and --activities)", 2)
        _explain_flat_row(loaded, table, lead_id, options, out)  # type: ignore[arg-type]
        return
    given = checked_mapping(mapping)
    mapping = loaded.bundle.input_mapping if given is None else given  # read as the model was trained
    data, report = load_bundle_data(loaded.bundle, leads, activities, mapping, conversions)  # type: ignore[arg-type]
    # the id as typed, else by the number it writes (``417`` for ``000417``), as activities find their lead
    _, position, _ = lead_ids(pd.Series([lead_key(mapping, lead_id)], dtype="str"), data.leads["lead_id"])
    if position[0] < 0:
        fail(f"lead {lead_key(mapping, lead_id)} is not in {leads}", 2)
    match = data.leads.iloc[[position[0]]]
    lead_id = match["lead_id"].iloc[0]
    converted = conversion_moments(match["lead_id"], data.conversions).iloc[0]
    if not _isna(converted) and converted <= options.as_of:
        fail(f"lead {lead_id} converted at {converted.isoformat()} ({conversion_field(report)}), by --as-of: "
             "a customer is not scored", 2)
    record = {k: (None if _isna(v) else (v.isoformat() if hasattr(v, "isoformat") else v))
              for k, v in match.drop(columns=["source_row"]).iloc[0].items()}
    acts = data.activities[data.activities["lead_id"] == lead_id]
    record["activities"] = [{"occurred_at": t.isoformat(), "activity_type": a}
                            for t, a in zip(acts["occurred_at"], acts["activity_type"], strict=True)]
    response = score_request(loaded.bundle, [record], options, loaded.version)
    if response.results[0].status == "error":
        fail(f"lead {lead_id} is not scored: "
             + "; ".join(f"{issue.field}: {issue.message}" for issue in response.results[0].errors), 2)
    out.write_text(render_card(response.results[0], lang.value, loaded.bundle.horizon_days, record,
                               activities=activities_as_read(loaded.bundle, record, response.as_of)), encoding="utf-8")
    say(f"score card for {lead_id} → {out}")


def _explain_flat_row(loaded: Any, table: Path, lead_id: str, options: Any, out: Path) -> None:
    """The score card of one row of a flat table, scored as ``score --table`` scores it."""
    import numpy as np

    from features.loading import load_flat_table
    from serving.card import render_card
    from serving.scoring import score_request

    info = loaded.bundle.info
    flat, report = load_flat_table(table, label=None, id_column=info.get("id_column"), drop=info.get("dropped", ()),
                                   for_training=False,
                                   numeric=[f.name for f in loaded.bundle.catalogue if not f.categorical])
    hit = np.flatnonzero(flat.ids.astype(str).to_numpy() == lead_id)
    if not len(hit):
        refused = [f"row {i.row}: {i.field}: {i.reason}" for i in report.rejected if i.lead_id == lead_id]
        fail(f"lead {lead_id} is not scored: {refused[0]}" if refused else
             f"lead {lead_id} is not in {table} (column {info.get('id_column') or 'row number'})", 2)
    row = flat.features.iloc[hit[0]]
    record = {info.get("id_column") or "lead_id": lead_id, **{k: None if _isna(v) else v for k, v in row.items()}}
    response = score_request(loaded.bundle, [record], options, loaded.version)
    # a flat model's outcome has no horizon: the card says "chance", not "(90 days)"
    out.write_text(render_card(response.results[0], options.lang, None, record), encoding="utf-8")
    say(f"score card for {lead_id} → {out}")


def _isna(value: object) -> bool:
    import pandas as pd

    return not isinstance(value, list | dict) and bool(pd.isna(value))
