"""Scoring leads given as records: the one validation policy of the API, the webhooks and the pyfunc.

Every input record yields exactly one :class:`RecordResult` at its own index: the scored result, or the
fields that kept it from being scored (:mod:`features.records` reads a record by the rules a file row is
read by). Several requests can be scored in one pass through the features and the model
(:func:`score_groups`), each answered exactly as it would be alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from features import values
from features.batch import LeadBatch
from features.engagement import ActivityArrays
from features.records import Issue, ReadRecords, RecordCheck, read_records
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from scoring.suggest import suggestions


@dataclass
class RecordResult:
    """One input record's outcome: ``status`` ``ok`` with ``result`` (the numbers and reasons), or ``error``
    with ``errors``; ``warnings`` name values that were set to missing or activities that were not used."""

    index: int
    lead_id: str | None
    status: str
    result: dict[str, Any] | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    #: a scored lead as the rules read it: the pass's batch and its row there (None in flat mode)
    read_as: tuple[LeadBatch, int] | None = None


def score_records(bundle: ScoringBundle, records: Sequence[object], options: ScoringOptions) -> list[RecordResult]:
    """Score raw lead records (see the module docstring); ``options.as_of`` must be resolved."""
    return score_groups(bundle, [records], options)[0]


def score_groups(bundle: ScoringBundle, groups: Sequence[Sequence[object]], options: ScoringOptions,
                 ) -> list[list[RecordResult]]:
    """Several requests' records scored in one pass, each group answered as :func:`score_records` would answer
    it alone (its own indices, its own duplicates, the same numbers)."""
    if bundle.mode == "flat":
        return [_score_flat(bundle, records, options) for records in groups]
    as_of = options.as_of
    if as_of is None:
        raise ValueError("resolve the scoring options first (ScoringOptions.resolved)")
    read = [read_request(bundle, records, values.moment_us(as_of)) for records in groups]
    batch = concat([r.batch for r in read])
    scored = bundle.score(bundle.batch_columns(batch, as_of), options).records() if len(batch) else []
    if options.suggest and scored:
        current = np.array([result["score"] for result in scored])
        for result, items in zip(scored, suggestions(bundle, batch, as_of, current, options.lang), strict=True):
            result["suggestions"] = items
    out, start = [], 0
    for group in read:
        out.append(_assemble(group.checks, group.rows, scored[start:start + len(group.rows)], batch, start))
        start += len(group.rows)
    return out


def read_request(bundle: ScoringBundle, records: Sequence[object], as_of_us: int | None) -> ReadRecords:
    """Event-mode records read as this model reads its files: its extra columns, its vendor mapping's values
    and time zone, its training files' date order and decimal marks (:func:`features.records.read_records`)."""
    config = bundle.feature_config
    numeric = tuple(c for c in config.extra_columns if c not in config.extra_categorical)
    info = bundle.info
    return read_records(records, as_of_us, config.extra_columns, numeric, bundle.input_mapping,
                        info.get("date_order"), info.get("decimal_comma_columns", ()))


def activities_as_read(bundle: ScoringBundle, lead: object, as_of: datetime) -> list[tuple[int, str]]:
    """One lead's usable activities as its score read them: (moment in µs since the epoch, type), in the order
    sent; none for a lead that could not be scored or a flat model's row (which has no activities)."""
    if bundle.mode == "flat":
        return []
    read = read_request(bundle, [lead], values.moment_us(as_of))
    return list(zip(read.batch.activities.occurred_us.tolist(), read.kinds, strict=True))


def concat(batches: Sequence[LeadBatch]) -> LeadBatch:
    """One batch of several (their activities renumbered onto the joined rows)."""
    if len(batches) == 1:
        return batches[0]
    offsets = np.cumsum([0, *(len(b) for b in batches[:-1])])
    names = batches[0].profile.keys()
    return LeadBatch(
        np.concatenate([b.lead_ids for b in batches]),
        np.concatenate([b.created_us for b in batches]),
        {name: np.concatenate([np.asarray(b.profile[name]) for b in batches]) for name in names},
        ActivityArrays(np.concatenate([b.activities.lead_index + o for b, o in zip(batches, offsets, strict=True)]),
                       np.concatenate([b.activities.occurred_us for b in batches]),
                       np.concatenate([b.activities.type_code for b in batches])),
    )


def _assemble(checks: list[RecordCheck], rows: np.ndarray, scored: list[dict[str, Any]],
              batch: LeadBatch | None = None, start: int = 0) -> list[RecordResult]:
    """The records' results: the scored ones (``rows``, read into ``batch`` from row ``start`` on) and errors."""
    results = [RecordResult(i, check.lead_id, "error", errors=check.errors, warnings=check.warnings)
               for i, check in enumerate(checks)]
    for k, (row, result) in enumerate(zip(rows.tolist(), scored, strict=True)):
        results[row].status, results[row].result = "ok", result
        if batch is not None:
            results[row].read_as = (batch, start + k)
    return results


def _score_flat(bundle: ScoringBundle, records: Sequence[object], options: ScoringOptions) -> list[RecordResult]:
    """A flat model's records: one row of the training table each, keyed by the model's id column."""
    id_column = bundle.info.get("id_column") or "lead_id"
    checks, rows = [], []
    for i, raw in enumerate(records):
        check = RecordCheck()
        if not isinstance(raw, dict):
            check.errors.append(Issue("lead", "expected an object with the lead's fields"))
        else:
            check.lead_id = values.text(raw.get(id_column, raw.get("lead_id")))
            rows.append(i)
        checks.append(check)
    frame = pd.DataFrame([records[i] for i in rows], index=range(len(rows)))  # type: ignore[misc]
    features = bundle.flat_features(frame, _comma_columns(bundle, frame))
    for feature in (f for f in bundle.catalogue if not f.categorical and f.name in frame.columns):
        shown = values.text_column(frame[feature.name])
        for k in np.flatnonzero(shown.notna().to_numpy() & features[feature.name].isna().to_numpy()):
            checks[rows[k]].warnings.append(Issue(feature.name, values.not_a_number(str(shown.iloc[k]))))
    scored = bundle.score(features, options).records() if rows else []
    return _assemble(checks, np.array(rows, dtype=np.int64), scored)


def _comma_columns(bundle: ScoringBundle, frame: pd.DataFrame) -> list[str]:
    """The numeric columns whose decimal mark is a comma: as a file's column, a request's values of it show the
    mark where one of them reads only one way (``2,5``, ``1561.0``), else they are read as the model's training
    file wrote them (:func:`features.values.written_comma`)."""
    trained = set(bundle.info.get("decimal_comma_columns", ()))
    return [f.name for f in bundle.catalogue if not f.categorical and f.name in frame.columns
            and values.written_comma(frame[f.name].tolist(), f.name in trained)]


__all__ = ["ReadRecords", "RecordResult", "activities_as_read", "concat", "read_request", "score_groups",
           "score_records"]
