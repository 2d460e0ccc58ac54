"""Nightly batch scoring: a file of leads in, a file of scores out, one output row per input row.

Rows the loader rejected (no id, a duplicate id, an unparseable ``created_at``) and leads created after
``as_of`` come out as rows with an ``error`` and no score, at their own place in input order, so the
CRM can match every output row to its input row by ``row`` and ``lead_id``. The output is written to a
temporary file and renamed into place: a crashed run never leaves a half-written score file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from features.catalogue import Lang
from features.contract import CREATED_AT, LEAD_ID
from features.loading import load_event_data, load_flat_table, write_table
from features.pipeline import series_us, timestamp_us
from training.bundle import ScoringBundle

CHUNK = 50_000


@dataclass(frozen=True)
class BatchSummary:
    rows: int
    scored: int
    errors: int
    out: Path


def _flatten(results: list[dict], top_k: int) -> pd.DataFrame:
    frame = pd.DataFrame(results)
    reasons = frame.pop("reasons")
    for k in range(top_k):
        frame[f"reason_{k + 1}"] = [f"{r[k]['text']} ({r[k]['points']:+d})" if len(r) > k else None for r in reasons]
    frame["reasons_json"] = [json.dumps(r, ensure_ascii=False) for r in reasons]
    return frame


def _score_in_chunks(bundle: ScoringBundle, features: pd.DataFrame, lang: Lang, top_k: int,
                     progress: Callable[[int, int], None] | None) -> pd.DataFrame:
    parts = []
    for start in range(0, len(features), CHUNK):
        chunk = features.iloc[start:start + CHUNK]
        parts.append(_flatten(bundle.results(chunk, lang, top_k), top_k).set_index(chunk.index))
        if progress:
            progress(min(start + CHUNK, len(features)), len(features))
    return pd.concat(parts) if parts else pd.DataFrame()


def score_event_file(bundle: ScoringBundle, leads: Path, activities: Path | None, out: Path,
                     as_of: datetime | None = None, lang: Lang = "en", top_k: int = 5,
                     model_version: str = "", progress: Callable[[int, int], None] | None = None) -> BatchSummary:
    """Score an event-mode export (see the module docstring)."""
    moment = as_of or datetime.now(UTC)
    data, report = load_event_data(leads, activities, None, extra_columns=bundle.feature_config.extra_columns)
    features = bundle.features(data.leads, data.activities, moment)
    scored = _score_in_chunks(bundle, features, lang, top_k, progress)

    kept = data.leads[["source_row", LEAD_ID, CREATED_AT]].set_index(LEAD_ID)
    frames = []
    if len(scored):
        ok = scored.join(kept[["source_row"]], how="left").rename(columns={"source_row": "row"})
        frames.append(ok.reset_index())
    future = kept[(series_us(kept[CREATED_AT]) > timestamp_us(moment))]
    if len(future):
        frames.append(pd.DataFrame({"row": future["source_row"].to_numpy(), LEAD_ID: future.index,
                                    "error": f"created_at: lead created after as_of {moment.isoformat()}"}))
    rejected = [issue for issue in report.rejected if issue.file == Path(leads).name or issue.file == str(leads)]
    if rejected:
        frames.append(pd.DataFrame({"row": [i.row for i in rejected], LEAD_ID: [i.lead_id for i in rejected],
                                    "error": [f"{i.field}: {i.reason}" for i in rejected]}))
    return _write(frames, out, model_version, report.rows_read.get("leads", len(data.leads)))


def score_flat_file(bundle: ScoringBundle, table: Path, out: Path, lang: Lang = "en", top_k: int = 5,
                    model_version: str = "", progress: Callable[[int, int], None] | None = None) -> BatchSummary:
    """Score a one-row-per-lead table with a flat-mode model, keyed by the model's id column."""
    id_column = bundle.info.get("id_column")
    flat, report = load_flat_table(table, label=None, id_column=id_column, drop=bundle.info.get("dropped", ()),
                                   for_training=False)
    features = bundle.flat_features(flat.features)
    features.index = pd.Index(flat.ids.to_numpy(), name=LEAD_ID)
    scored = _score_in_chunks(bundle, features, lang, top_k, progress)
    frames = []
    if len(scored):
        scored.insert(0, "row", flat.source_row)
        frames.append(scored.reset_index())
    rejected = report.rejected
    if rejected:
        frames.append(pd.DataFrame({"row": [i.row for i in rejected], LEAD_ID: [i.lead_id for i in rejected],
                                    "error": [f"{i.field}: {i.reason}" for i in rejected]}))
    return _write(frames, out, model_version, report.rows_read.get("table", len(flat.ids)))


def _write(frames: list[pd.DataFrame], out: Path, model_version: str, rows_read: int) -> BatchSummary:
    result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["row", LEAD_ID, "error"])
    if "error" not in result.columns:
        result["error"] = None
    result = result.sort_values("row", kind="stable").reset_index(drop=True)
    result["model_version"] = np.where(result["error"].isna(), model_version, None)
    if len(result) != rows_read:
        raise RuntimeError(f"internal error: {rows_read} input rows but {len(result)} output rows")
    first = ["row", LEAD_ID, "probability", "score", "tier", "grade", "error"]
    result = result[[c for c in first if c in result.columns] + [c for c in result.columns if c not in first]]
    write_table(result, out)
    errors = int(result["error"].notna().sum())
    return BatchSummary(rows=len(result), scored=len(result) - errors, errors=errors, out=Path(out))
