"""Which lead an activity (or a conversion) belongs to: its lead id's row in the lead table.

An export names the lead of each of its millions of activities by text id; every consumer (the loader
checking that the lead exists, the feature pipeline gathering a lead's activities) needs the lead's row.
This one lookup serves both, so they agree and neither pays for a slow one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_CLUSTER_SAMPLE = 1 << 16
"""Activities looked at to judge whether an export lists each lead's activities together."""


def lead_rows(values: pd.Series, lead_ids: pd.Index) -> np.ndarray:
    """Row of each value in ``lead_ids`` (-1 if absent) as int32, hashed on Arrow strings (~7× faster than
    ``Index.get_indexer`` on Python objects for millions of activities).

    Two shortcuts give the same result. Lead ids that are all equally long and at most 8 bytes
    (``"L0000001"``) are hashed as integers of their bytes. Otherwise, when a sample shows that the export
    lists a lead's activities together, only the first value of each run of equal adjacent values is looked
    up and its row repeated over the run.
    """
    value_set = pa.array(lead_ids.to_numpy(dtype=object), type=pa.string())
    width = _common_width(value_set)
    if width is not None and len(values):
        return _lookup_short_ids(pa.array(values), value_set, width)
    text = pa.array(values, type=pa.string())
    if len(text) > 1 and _is_clustered(text[:_CLUSTER_SAMPLE]):
        starts = _run_starts(text)
        rows = _lookup(text.take(pa.array(starts)), value_set)
        return np.repeat(rows, np.diff(starts, append=len(text)))
    return _lookup(text, value_set)


def _common_width(ids: pa.Array) -> int | None:
    """The byte length all ids share if they are all present and at most 8 bytes long (``"L0000001"``), else None."""
    if len(ids) == 0 or ids.null_count:
        return None
    lengths = pc.min_max(pc.binary_length(ids))
    shortest, longest = lengths["min"].as_py(), lengths["max"].as_py()
    return shortest if shortest == longest and 0 < shortest <= 8 else None


def _short_id_keys(chunk: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Each value's ``width`` bytes as one zero-padded uint64 (the same number for the same text, a different
    number for different text of that length) and whether the value has that length at all."""
    if chunk.type not in (pa.string(), pa.large_string()):
        chunk = chunk.cast(pa.large_string())
    fits = pc.equal(pc.binary_length(chunk), width).fill_null(False).to_numpy(zero_copy_only=False)
    if not fits.any():  # values of other lengths (or missing) can equal no id; their keys are never used
        return np.zeros(len(chunk), dtype=np.uint64), fits
    offset_type = np.int32 if chunk.type == pa.string() else np.int64
    offsets = np.frombuffer(chunk.buffers()[1], dtype=offset_type)[chunk.offset:chunk.offset + len(chunk) + 1]
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
    if fits.all():
        text_bytes = data[offsets[0]:offsets[-1]]
        if width == 8:
            return text_bytes.view(np.uint64), fits
        text_bytes = text_bytes.reshape(len(chunk), width)
    else:
        text_bytes = data[np.where(fits, offsets[:-1], offsets[np.argmax(fits)])[:, None] + np.arange(width)]
    padded = np.zeros((len(chunk), 8), dtype=np.uint8)
    padded[:, :width] = text_bytes
    return padded.view(np.uint64).ravel(), fits


def _lookup_short_ids(text: pa.Array | pa.ChunkedArray, value_set: pa.Array, width: int) -> np.ndarray:
    """:func:`_lookup` for lead ids that all have the same short length: the ids' bytes are hashed as
    integers (~2.5× faster than as text for millions of activities); a value of another length is absent."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    keys, fits = zip(*(_short_id_keys(chunk, width) for chunk in chunks), strict=True)
    lead_keys, _ = _short_id_keys(value_set, width)
    rows = _lookup(pa.chunked_array([pa.array(k) for k in keys], type=pa.uint64()), pa.array(lead_keys))
    return np.where(np.concatenate(fits), rows, np.int32(-1))


def _lookup(text: pa.Array | pa.ChunkedArray, value_set: pa.Array) -> np.ndarray:
    return pc.index_in(text, value_set=value_set).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32,
                                                                                                      copy=False)


def _run_starts(text: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Where each run of equal adjacent values begins (a missing value always begins one)."""
    changed = pc.not_equal(text[1:], text[:-1]).fill_null(True).to_numpy(zero_copy_only=False)
    return np.flatnonzero(np.concatenate([[True], changed]))


def _is_clustered(sample: pa.Array | pa.ChunkedArray) -> bool:
    """Whether runs of equal adjacent values are long enough (≥ 2 on average) to look up runs instead."""
    return len(_run_starts(sample)) * 2 <= len(sample)
