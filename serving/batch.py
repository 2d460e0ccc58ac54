"""Nightly batch scoring: a file of leads in, a file of scores out, one output row per input row.

Rows the loader rejected (no id, a duplicate id, an unparseable ``created_at``), leads created after
``as_of`` and leads the export records as converted by then (a ``converted_at`` column or a vendor's
conversion date: a customer is no lead to call) come out as rows with an ``error`` and no score, at their
own place in input order, so the CRM can match every output row to its input row by ``row`` and ``lead_id``.
The output is written to a temporary file and renamed into place: a crashed run never leaves a half-written
score file.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features import values
from features.batch import LeadBatch
from features.contract import CONVERTED_AT, LEAD_ID
from features.loading import DataReport, EventData, conversion_moments, write_table
from features.mappings import MappingRef
from scoring.bundle import ScoringBundle
from scoring.coverage import coverage, coverage_notes
from scoring.exports import load_bundle_data, load_bundle_table
from scoring.options import DEFAULT_OPTIONS, ScoringOptions
from scoring.settings import env_number
from scoring.suggest import suggestions

if TYPE_CHECKING:
    from serving.history import ScoreHistory

CHUNK = 50_000
#: The smallest chunk the last leads are split into (see :func:`_chunk_bounds`).
LAST_CHUNK = 5_000
#: Leads rows of a Parquet export read, scored and written together unless ``LEADSCORE_BATCH_CHUNK_LEADS``
#: says otherwise (:mod:`serving.stream`).
CHUNK_LEADS = 200_000


@dataclass(frozen=True)
class BatchSummary:
    rows: int
    scored: int
    errors: int
    out: Path
    logged: int | None = None  #: rows recorded in the score log (None: not recorded)
    #: what the user should read beside the file: lead ids that met only by number or not at all, activity rows
    #: not read, unknown activity types (:meth:`features.loading.DataReport.scoring_notes`), and what the model
    #: learned from that the file does not give (:func:`scoring.coverage.coverage_notes`)
    notes: tuple[str, ...] = ()


def _score_in_chunks(bundle: ScoringBundle, features: pd.DataFrame, options: ScoringOptions,
                     progress: Callable[[int, int], None] | None) -> pd.DataFrame:
    """The score file's rows of ``features``, chunk by chunk. While this thread turns one chunk's
    explanation into reasons and columns (Python), a worker thread explains the next chunk (the encoder,
    then LightGBM's TreeSHAP and the calibration: native code that lets go of the GIL), so the model's
    work and ours overlap on the machine's cores instead of taking turns."""
    bounds = _chunk_bounds(len(features))
    chunks = [features.iloc[start:end] for start, end in itertools.pairwise(bounds)]
    parts = []
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadscore-explain") as pool:
        ahead = pool.submit(bundle.explain, chunks[0]) if chunks else None
        for i, chunk in enumerate(chunks):
            explanation = ahead.result()  # type: ignore[union-attr]
            if i + 1 < len(chunks):
                ahead = pool.submit(bundle.explain, chunks[i + 1])
            parts.append(bundle.score(chunk, options, explanation).frame(options.top_k).set_index(chunk.index))
            done += len(chunk)
            if progress:
                progress(done, len(features))
    return pd.concat(parts) if parts else pd.DataFrame()


def _chunk_bounds(n: int) -> list[int]:
    """Where the chunks of ``n`` leads start and end: ``CHUNK`` leads each, then each half of what is left,
    down to ``LAST_CHUNK``. The last chunk's reasons are written after the model is done with every lead, so
    the run ends sooner the smaller that chunk is; big chunks before it cost less per lead."""
    bounds = [0]
    while bounds[-1] < n:
        left = n - bounds[-1]
        bounds.append(bounds[-1] + min(left, CHUNK, max(LAST_CHUNK, left // 2)))
    return bounds


def score_event_file(bundle: ScoringBundle, leads: Path, activities: Path | None, out: Path,
                     options: ScoringOptions = DEFAULT_OPTIONS, model_version: str = "",
                     progress: Callable[[int, int], None] | None = None, mapping: MappingRef = None,
                     score_log: ScoreHistory | None = None, chunk: int | None = None,
                     conversions: Path | None = None) -> BatchSummary:
    """Score an event-mode export (see the module docstring); ``mapping`` reads a vendor's export (by default
    the one the model was trained through, :attr:`ScoringBundle.input_mapping`). With
    ``score_log``, every scored lead is also recorded there (``source = batch``, with its input fingerprint)
    once the file is written. A Parquet export with more leads rows than ``chunk`` (default
    ``LEADSCORE_BATCH_CHUNK_LEADS``) is scored chunk by chunk (:mod:`serving.stream`), to the same rows.
    ``conversions``: a conversions file; a lead converted by ``as_of`` gets an error row, as one whose leads row
    has a ``converted_at`` does."""
    from serving.stream import score_event_stream, streamable

    options = options.resolved(bundle.time_zone)
    chunk = chunk or env_number("LEADSCORE_BATCH_CHUNK_LEADS", CHUNK_LEADS, smallest=1)
    mapping = bundle.input_mapping if mapping is None else mapping
    if mapping is None and conversions is None and streamable(Path(leads), Path(activities) if activities is not None
                                                              else None, chunk):
        return score_event_stream(bundle, Path(leads), Path(activities) if activities is not None else None,
                                  Path(out), options, model_version, chunk, progress, score_log)
    data, report = load_bundle_data(bundle, leads, activities, mapping, conversions)
    ready = lead_features(bundle, data, options)
    result = score_event_data(bundle, data, report, options, model_version, progress, ready=ready)
    if "probability" not in result.columns:  # no lead scored: the chunked and Spark paths fill in by their schema
        result = _with_score_columns(result, bundle, options)
    given = coverage(ready.features, bundle.encoder)
    notes = (report.scoring_notes() + later_note(int(ready.later.sum()), options.as_of)  # type: ignore[arg-type,union-attr]
             + moment_notes(ready.newest_us, options)
             + coverage_notes(bundle.info, given, report.ignored_columns.get("leads", ())))
    summary = dataclasses.replace(_write(result, out, report.rows_read.get("leads", len(data.leads))),
                                  notes=tuple(notes))
    if score_log is not None and score_log.enabled:
        summary = dataclasses.replace(summary, logged=score_log.record_batch(
            result, model_version=model_version, as_of=options.as_of, inputs=ready.batch))  # type: ignore[arg-type]
    return summary


@dataclass(frozen=True)
class LeadFeatures:
    """Loaded leads made ready to score: their arrays, which of them exist at ``as_of``, which had converted
    by then, and the features of the others, the open leads (in the leads' order)."""

    batch: LeadBatch
    exists: np.ndarray
    converted: np.ndarray
    features: pd.DataFrame
    #: per lead, its activity rows dated after ``as_of`` (not used: not known then); zero for leads not scored
    later: np.ndarray | None = None
    #: the newest moment the export records by ``as_of`` (a lead created, an activity), µs; None: none
    newest_us: int | None = None

    @property
    def open(self) -> np.ndarray:
        return self.exists & ~self.converted


def later_note(later: int, as_of: datetime) -> list[str]:
    """What a score run says of activities dated after its moment (an export newer than ``--as-of``)."""
    return [f"{later:,} activity rows dated after --as-of {as_of.isoformat()} were not used: a score is what was "
            "known at its moment"] if later else []


#: Days between an export's newest record and the scoring moment beyond which a run says the scores are of a
#: later moment than the export's: recent actions have faded (a demo 40 days ago is no longer "this week").
QUIET_DAYS = 14


def moment_notes(newest_us: int | None, options: ScoringOptions) -> list[str]:
    """What a score run says of its moment (``options`` resolved): when it lies in the future (a typo in
    ``--as-of``: every lead is scored as gone quiet until then), or when the export's newest lead or activity is
    :data:`QUIET_DAYS` or more before it (``--as-of`` left at now scores a month-old export as of today, its leads
    gone quiet). Days are the reader's: on the clock of the offset the moment was given with."""
    clock = pd.Timedelta(options.utc_offset)
    moment = pd.Timestamp(options.as_of).tz_convert("UTC") + clock
    ahead = (moment.date() - (pd.Timestamp.now(tz="UTC") + clock).date()).days
    if ahead > 1:  # a day ahead may be a time zone's tomorrow
        return [f"the scoring moment {moment.date()} is {ahead} days in the future: every lead is scored as if "
                "nothing happens until then; a typo in --as-of?"]
    if newest_us is None:
        return []
    newest = pd.Timestamp(newest_us, unit="us", tz="UTC") + clock
    days = (moment.date() - newest.date()).days  # calendar days, as a person counts them
    after = newest.date() + pd.Timedelta(days=1)  # the export's last day whole
    return [f"the newest lead or activity in the export is from {newest.date()}, {days} days before the scoring "
            f"moment {moment.date()}: its leads are scored as gone quiet since; to score them as of the export, "
            f"give --as-of {after}"] if days >= QUIET_DAYS else []


def lead_features(bundle: ScoringBundle, data: EventData, options: ScoringOptions) -> LeadFeatures:
    """The first step of :func:`score_event_data` (``options`` resolved)."""
    batch = LeadBatch.from_frames(data.leads, data.activities, data.activity_rows)
    exists = batch.created_us <= values.moment_us(options.as_of)
    converted_at = conversion_moments(data.leads[LEAD_ID], data.conversions)
    converted = exists & (converted_at <= options.as_of).to_numpy(dtype=bool, na_value=False)
    scored = batch.take(~converted) if converted.any() else batch
    acts = batch.activities
    after = (acts.occurred_us > values.moment_us(options.as_of)) & (exists & ~converted)[acts.lead_index]
    later = np.bincount(acts.lead_index[after], minlength=len(batch))
    known = np.concatenate([batch.created_us[exists], acts.occurred_us[~after & exists[acts.lead_index]]])
    return LeadFeatures(batch, exists, converted, bundle.features(scored, options.as_of), later,
                        int(known.max()) if len(known) else None)


def score_event_data(bundle: ScoringBundle, data: EventData, report: DataReport, options: ScoringOptions,
                     model_version: str = "", progress: Callable[[int, int], None] | None = None,
                     ready: LeadFeatures | None = None) -> pd.DataFrame:
    """The score file's rows of loaded leads: one per leads row read (scored, or an ``error``), in row order.

    ``options`` resolved (a fixed ``as_of``); ``ready``: :func:`lead_features` of ``data`` when the caller
    made them already. The local batch and each partition of the Spark engine (:mod:`engines.spark`) make
    their rows here."""
    ready = ready or lead_features(bundle, data, options)
    batch, exists, open_, features = ready.batch, ready.exists, ready.open, ready.features
    scored = _score_in_chunks(bundle, features, options, progress)
    if options.suggest and len(scored):
        found = suggestions(bundle, batch.take(open_), options.as_of,  # type: ignore[arg-type]
                            scored["score"].to_numpy(), options.lang)
        scored["suggestions_json"] = [json.dumps(items, ensure_ascii=False) for items in found]

    source_row = data.leads["source_row"].to_numpy()
    lead_ids = data.leads[LEAD_ID]
    frames = []
    if len(scored):
        scored.insert(0, "row", source_row[open_])
        frames.append(scored.reset_index())
    if not exists.all():
        moment = options.as_of.isoformat()  # type: ignore[union-attr]
        frames.append(pd.DataFrame({"row": source_row[~exists], LEAD_ID: lead_ids[~exists].to_numpy(dtype=object),
                                    "error": f"created_at: lead created after as_of {moment}"}))
    if ready.converted.any():
        frames.append(_converted_rows(data, report, ready.converted, source_row))
    leads_file = report.files.get("leads")
    frames.extend(_rejected(report.rejected, leads_file))
    return _assemble(frames, model_version, _warnings(report.warnings, leads_file))


def score_flat_file(bundle: ScoringBundle, table: Path, out: Path, options: ScoringOptions = DEFAULT_OPTIONS,
                    model_version: str = "", progress: Callable[[int, int], None] | None = None,
                    score_log: ScoreHistory | None = None) -> BatchSummary:
    """Score a one-row-per-lead table with a flat-mode model, keyed by the model's id column."""
    options = options.resolved(bundle.time_zone)
    features, flat, report = load_bundle_table(bundle, table)
    scored = _score_in_chunks(bundle, features, options, progress)
    frames = []
    if len(scored):
        scored.insert(0, "row", flat.source_row)
        frames.append(scored.reset_index())
    frames.extend(_rejected(report.rejected, report.files.get("table")))
    result = _assemble(frames, model_version, _warnings(report.warnings, report.files.get("table")))
    known = {*bundle.catalogue.names, bundle.info.get("label"), bundle.info.get("time_column"),
             *bundle.info.get("constant", ())}
    unread = [column for column in flat.features.columns if column not in known]
    notes = coverage_notes(bundle.info, coverage(features, bundle.encoder), unread)
    summary = dataclasses.replace(_write(result, out, report.rows_read.get("table", len(flat.ids))), notes=tuple(notes))
    if score_log is not None and score_log.enabled:
        summary = dataclasses.replace(summary, logged=score_log.record_batch(
            result, model_version=model_version, as_of=options.as_of))  # type: ignore[arg-type]
    return summary


def _converted_rows(data: EventData, report: DataReport, converted: np.ndarray, source_row: np.ndarray
                    ) -> pd.DataFrame:
    """The error rows of leads converted by ``as_of``, naming the column the conversion was read from."""
    field = conversion_field(report)
    at = conversion_moments(data.leads[LEAD_ID], data.conversions)[converted]
    return pd.DataFrame({"row": source_row[converted], LEAD_ID: data.leads[LEAD_ID][converted].to_numpy(dtype=object),
                         "error": [f"{field}: lead converted at {moment.isoformat()}, by as_of: not scored"
                                   for moment in at]})


def conversion_field(report: DataReport) -> str:
    """The leads file's header a lead's conversion date was read from (``converted_at``, or the vendor's)."""
    return next((header for header, column in report.columns_read_as.get("leads", {}).items()
                 if column == CONVERTED_AT), CONVERTED_AT)


def _with_score_columns(result: pd.DataFrame, bundle: ScoringBundle, options: ScoringOptions) -> pd.DataFrame:
    """``result`` with a score file's columns, empty, when no lead of a whole file could be scored: a CRM's
    import reads the same columns whatever the rows (those of a probe lead, the schema the chunked and Spark
    paths write every chunk in)."""
    from engines.partition import score_schema

    names = score_schema(bundle, options).names
    return result.reindex(columns=names + [c for c in result.columns if c not in names])


def _rejected(issues: list, file: str | None) -> list[pd.DataFrame]:
    """The rows of ``file`` the loader rejected, as error rows of the score file."""
    mine = [issue for issue in issues if issue.file == file]
    if not mine:
        return []
    return [pd.DataFrame({"row": [i.row for i in mine], LEAD_ID: [i.lead_id for i in mine],
                          "error": [f"{i.field}: {i.reason}" for i in mine]})]


def _warnings(issues: list, file: str | None) -> dict[int, str]:
    """Per row of ``file``, the values set to missing (``field: reason``, joined by ``; ``)."""
    out: dict[int, list[str]] = {}
    for issue in issues:
        if issue.file == file:
            out.setdefault(issue.row, []).append(f"{issue.field}: {issue.reason}")
    return {row: "; ".join(texts) for row, texts in out.items()}


def _assemble(frames: list[pd.DataFrame], model_version: str, warnings: dict[int, str]) -> pd.DataFrame:
    """The score file's rows from its parts, in input row order, with the columns in the file's order."""
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["row", LEAD_ID, "error"])
    if "error" not in result.columns:
        result["error"] = None
    result = result.sort_values("row", kind="stable").reset_index(drop=True)
    result["model_version"] = np.where(result["error"].isna(), model_version, None)
    result["warnings"] = result["row"].map(warnings).astype(object).where(lambda w: w.notna(), None)
    if "score" in result.columns:  # one type whatever the rows: an error row has no score (as Spark and chunks write)
        result["score"] = result["score"].astype(np.float64)
    first = ["row", LEAD_ID, "probability", "score", "tier", "grade", "error"]
    return result[[c for c in first if c in result.columns] + [c for c in result.columns if c not in first]]


def _write(result: pd.DataFrame, out: Path, rows_read: int) -> BatchSummary:
    if len(result) != rows_read:
        raise RuntimeError(f"internal error: {rows_read} input rows but {len(result)} output rows")
    write_table(result, out)
    errors = int(result["error"].notna().sum())
    return BatchSummary(rows=len(result), scored=len(result) - errors, errors=errors, out=Path(out))
