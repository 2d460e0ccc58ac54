"""Nightly batch scoring: a file of leads in, a file of scores out, one output row per input row.

Rows the loader rejected (no id, a duplicate id, an unparseable ``created_at``) and leads created after
``as_of`` come out as rows with an ``error`` and no score, at their own place in input order, so the
CRM can match every output row to its input row by ``row`` and ``lead_id``. The output is written to a
temporary file and renamed into place: a crashed run never leaves a half-written score file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.catalogue import Lang
from features.contract import CREATED_AT, LEAD_ID
from features.loading import load_event_data, load_flat_table, write_table
from features.pipeline import series_us, timestamp_us
from training.bundle import ResultTable, ScoringBundle

CHUNK = 50_000


@dataclass(frozen=True)
class BatchSummary:
    rows: int
    scored: int
    errors: int
    out: Path


def _flatten(table: ResultTable, top_k: int) -> pd.DataFrame:
    """A chunk's rows of the score file: each result's numbers, its first ``top_k`` reasons as
    ``reason_1`` … ``reason_k`` ("text (+3)", empty where the lead has fewer) and all its reasons as
    ``reasons_json``, the text ``json.dumps(result["reasons"], ensure_ascii=False)`` writes.

    Built column-wise: every piece of text is made once per distinct (sentence, points) or (feature,
    value) and copied into place by Arrow, which also joins each lead's pieces."""
    reasons = table.reasons
    n = len(reasons.count)
    frame = pd.DataFrame({name: values.tolist() if values.dtype == object else values
                          for name, values in table.columns.items()})
    text_of_entry, texts = pd.factorize(reasons.text)
    low = int(reasons.points.min()) if len(reasons.points) else 0
    span = int(reasons.points.max()) - low + 1 if len(reasons.points) else 1
    said, distinct = pd.factorize(text_of_entry[reasons.entry] * span + (reasons.points - low))
    keys = distinct.tolist()  # one per distinct (sentence, points)
    shown = _strings([f"{texts[key // span]} ({key % span + low:+d})" for key in keys])
    for k in range(top_k):
        at = np.flatnonzero(reasons.slot == k)
        if not at.size:  # no lead has a k-th reason: a column of nothing, as a frame of None gets
            frame[f"reason_{k + 1}"] = [None] * n
            continue
        pick = np.full(n, -1, dtype=np.int64)
        pick[reasons.lead[at]] = said[at]
        frame[f"reason_{k + 1}"] = _text_column(shown.take(pa.array(pick, mask=pick < 0)))
    points_and_text = _strings([f', "points": {key % span + low}, "text": {_ENCODE(texts[key // span])}}}'
                                for key in keys])
    feature = _strings([f'{{"feature": {_ENCODE(f.name)}, "group": {_ENCODE(f.group)}, "value": '
                        for f in reasons.catalogue.features])
    value = _strings(_json_values(reasons.value))
    dicts = pc.binary_join_element_wise(feature.take(reasons.feature[reasons.entry]), value.take(reasons.entry),
                                        points_and_text.take(said), _text(""))
    offsets = pa.array(np.concatenate([[0], np.cumsum(reasons.count)]), type=pa.int64())
    listed = pc.binary_join(pa.LargeListArray.from_arrays(offsets, dicts), _text(", "))
    frame["reasons_json"] = _text_column(pc.binary_join_element_wise(_text("["), listed, _text("]"), _text("")))
    return frame


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_TEXT = pd.StringDtype(na_value=np.nan)  # pandas' default text column: what a frame of Python strings gets


def _json_values(values: np.ndarray) -> list[str]:
    """``json.dumps(value, ensure_ascii=False)`` of each value. A finite float's JSON is its repr; the
    reprs of all of them come from one ``repr`` of their list (no Python call per number)."""
    out = np.empty(len(values), dtype=object)
    is_float = np.array([type(v) is float for v in values.tolist()], dtype=bool)
    numbers = values[is_float].astype(np.float64)
    finite = np.isfinite(numbers)
    plain = np.flatnonzero(is_float)[finite]
    if plain.size:
        out[plain] = repr(numbers[finite].tolist())[1:-1].split(", ")
    others = np.setdiff1d(np.arange(len(values)), plain, assume_unique=True)
    out[others] = [_ENCODE(v) for v in values[others].tolist()]
    return out.tolist()


def _strings(items: list[str]) -> pa.Array:
    return pa.array(items, type=pa.large_string())


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


def _text_column(strings: pa.Array) -> pd.api.extensions.ExtensionArray:
    return pd.array(strings, dtype=_TEXT)


def _score_in_chunks(bundle: ScoringBundle, features: pd.DataFrame, lang: Lang, top_k: int,
                     progress: Callable[[int, int], None] | None) -> pd.DataFrame:
    """The score file's rows of ``features``, chunk by chunk. While this thread turns one chunk's
    explanation into reasons and columns (Python), a worker thread explains the next chunk (the encoder,
    then LightGBM's TreeSHAP and the calibration: native code that lets go of the GIL), so the model's
    work and ours overlap on the machine's cores instead of taking turns."""
    chunks = [features.iloc[start:start + CHUNK] for start in range(0, len(features), CHUNK)]
    parts = []
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadscore-explain") as pool:
        ahead = pool.submit(bundle.explain, chunks[0]) if chunks else None
        for i, chunk in enumerate(chunks):
            explanation = ahead.result()
            if i + 1 < len(chunks):
                ahead = pool.submit(bundle.explain, chunks[i + 1])
            table = bundle.result_table(chunk, lang, top_k, explanation)
            parts.append(_flatten(table, top_k).set_index(chunk.index))
            done += len(chunk)
            if progress:
                progress(done, len(features))
    return pd.concat(parts) if parts else pd.DataFrame()


def score_event_file(bundle: ScoringBundle, leads: Path, activities: Path | None, out: Path,
                     as_of: datetime | None = None, lang: Lang = "en", top_k: int = 5,
                     model_version: str = "", progress: Callable[[int, int], None] | None = None) -> BatchSummary:
    """Score an event-mode export (see the module docstring)."""
    moment = as_of or datetime.now(UTC)
    data, report = load_event_data(leads, activities, None, extra_columns=bundle.feature_config.extra_columns)
    features = bundle.features(data.leads, data.activities, moment, data.activity_rows)
    # the features are those of the leads existing at the moment, in the leads' order: their rows are known
    exists = series_us(data.leads[CREATED_AT]) <= timestamp_us(moment)
    source_row = data.leads["source_row"].to_numpy()
    lead_ids = data.leads[LEAD_ID]
    if not np.array_equal(features.index.to_numpy(dtype=object), lead_ids[exists].to_numpy(dtype=object)):
        raise RuntimeError("internal error: the features are not those of the existing leads in input order")
    scored = _score_in_chunks(bundle, features, lang, top_k, progress)

    frames = []
    if len(scored):
        scored.insert(0, "row", source_row[exists])
        frames.append(scored.reset_index())
    if not exists.all():
        frames.append(pd.DataFrame({"row": source_row[~exists], LEAD_ID: lead_ids[~exists].to_numpy(dtype=object),
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
