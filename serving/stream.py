"""Batch scoring of a Parquet export larger than memory: leads in chunks, each with all its activities.

``leadscore score`` on a leads Parquet file with more rows than ``LEADSCORE_BATCH_CHUNK_LEADS`` runs here,
so that memory follows the chunk, not the file. Every chunk is consecutive leads rows, put through the very
functions of the whole-file path (:func:`features.loading.load_event_data` by way of
:func:`serving.batch.load_bundle_data`, then :func:`serving.batch.score_event_data`), and its rows are
appended to one score file; the next chunk is loaded (and its features built) on a thread while one is
scored, so two chunks are in memory at a time. The rows come out as a whole-file run gives them, because each
chunk holds what its leads' rows depend on:

* **its leads' activities**: one pass over the activities file sends each row to the chunk of its lead (its
  lead id as the loader reads it, :func:`engines.partition.lead_keys`) in a temporary Arrow file per chunk,
  in input order with its row number; activities of no lead in the file go nowhere (the whole-file path
  rejects them, and they change no score);
* **the earlier rows carrying an id of its rows**: a lead id seen in an earlier chunk is a duplicate only
  if an earlier row with that id was kept, so those rows are read again with the chunk (they are few: only
  ids that occur more than once) and their own result rows are left out.

Rows are numbered as in the file (:class:`features.loading.files.RawTable`), so errors name the same rows.
The score file has the columns and types a Spark run writes (:func:`engines.partition.score_schema`:
``score`` as a float, as in a whole-file run with error rows); it is written to a temporary file and
renamed into place. Inputs this path cannot read as it reads them (no ``lead_id`` text column, a missing
required column) go to the whole-file path, whose loader names the problem.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engines.partition import ROW, lead_keys, raw_table, score_schema, to_arrow
from features.contract import ACTIVITY_COLUMNS, LEAD_ID, REQUIRED_LEAD_COLUMNS
from features.loading import DataReport
from features.loading.lead_ids import UNKNOWN_ID_SAMPLE
from scoring.bundle import ScoringBundle
from scoring.coverage import Coverage, coverage, coverage_notes
from scoring.options import ScoringOptions

if TYPE_CHECKING:
    from features.loading import EventData
    from serving.batch import BatchSummary, LeadFeatures
    from serving.history import ScoreHistory

#: Rows read from a Parquet file at a time (the chunks themselves are sized by the setting).
READ_ROWS = 262_144
#: Activities routed at a time: each batch's lead ids are matched against every lead id once.
ROUTE_ROWS = 2_097_152


class _Leads:
    """The leads file's ids, read once: which chunk each row is in and which rows share an id."""

    def __init__(self, path: Path, chunk: int) -> None:
        keys = pa.chunked_array([lead_keys(batch.column(0)) for batch in
                                 pq.ParquetFile(path).iter_batches(READ_ROWS, columns=[LEAD_ID])], pa.string())
        encoded = keys.combine_chunks().dictionary_encode()
        self.rows = len(keys)
        self.chunk = chunk
        self.ids: pa.Array = encoded.dictionary  #: every distinct id (as the loader reads it)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        codes = np.where(encoded.indices.is_null().to_numpy(zero_copy_only=False), -1, codes).astype(np.int64)
        self.codes = codes  #: each row's id among :attr:`ids` (-1: no id)
        present = codes >= 0
        counts = np.bincount(codes[present], minlength=len(self.ids))
        #: rows whose id occurs more than once, in file order
        self.repeated = np.flatnonzero(present & (counts[np.maximum(codes, 0)] > 1))
        positions = np.flatnonzero(present)
        first = np.full(len(self.ids), self.rows, dtype=np.int64)
        np.minimum.at(first, codes[positions], positions)
        #: the chunk of each id's first row: where its activities go (also to later chunks holding its id)
        self.home = first // chunk
        repeated_chunks = pd.DataFrame({"code": codes[self.repeated], "chunk": self.repeated // chunk})
        later = repeated_chunks.drop_duplicates()
        later = later[later["chunk"].to_numpy() != self.home[later["code"].to_numpy()]]
        #: id → the other chunks its activities are needed in (an id in rows of more than one chunk)
        self.also: dict[int, list[int]] = later.groupby("code")["chunk"].agg(list).to_dict()

    @property
    def chunks(self) -> int:
        return -(-self.rows // self.chunk)


def streamable(leads: Path, activities: Path | None, chunk: int) -> bool:
    """Whether ``leads`` (and ``activities``) are Parquet files this path reads as the loader does, with more
    leads rows than one chunk."""
    files = [leads] if activities is None else [leads, activities]
    if any(Path(f).suffix.lower() != ".parquet" or not Path(f).is_file() for f in files):
        return False
    try:
        lead_file = pq.ParquetFile(leads)
        schemas = [lead_file.schema_arrow] + ([pq.read_schema(activities)] if activities is not None else [])
    except (OSError, ValueError, pa.ArrowException):
        return False
    if any(c not in schemas[0].names for c in REQUIRED_LEAD_COLUMNS):
        return False
    if activities is not None and any(c not in schemas[1].names for c in ACTIVITY_COLUMNS):
        return False
    for schema in schemas:
        kind = schema.field(LEAD_ID).type
        kind = kind.value_type if pa.types.is_dictionary(kind) else kind
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            return False
    return lead_file.metadata.num_rows > chunk


def score_event_stream(bundle: ScoringBundle, leads: Path, activities: Path | None, out: Path,
                       options: ScoringOptions, model_version: str, chunk: int,
                       progress: Callable[[int, int], None] | None = None,
                       score_log: ScoreHistory | None = None) -> BatchSummary:
    """Score ``leads`` chunk by chunk into ``out`` (``.csv`` or ``.parquet``), one row per leads row, the
    rows :func:`serving.batch.score_event_file` gives. ``options`` resolved. With ``score_log``, each
    chunk's scored leads are recorded as the chunk is written."""
    from serving.batch import (
        BatchSummary,
        later_note,
        lead_features,
        load_bundle_data,
        moment_notes,
        score_event_data,
    )

    ids = _Leads(leads, chunk)
    schema = score_schema(bundle, options, pq.read_schema(leads))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = errors = later = 0
    newest: int | None = None  # the export's newest moment by as_of, over the chunks
    seen = DataReport(files={"leads": str(leads), "activities": str(activities)})  # what the chunks' notes add up to
    given, unread = Coverage(), []  # what the chunks' leads give the model, added up; the columns it does not read
    with tempfile.TemporaryDirectory(prefix=".leadscore-chunks-", dir=out.parent) as scratch:
        routed = _route_activities(activities, ids, Path(scratch), seen) if activities is not None else None
        empty = _routed_schema(activities) if activities is not None else None
        parts = _lead_chunks(leads, ids)

        def load_next() -> tuple[int, EventData, DataReport, LeadFeatures] | None:
            """The next chunk's number with its leads and activities loaded and their features (None after the
            last chunk)."""
            item = next(parts, None)
            if item is None:
                return None
            number, part = item
            acts = raw_table(_read_routed(routed[number], empty), str(activities)) if routed is not None else None
            data, report = load_bundle_data(bundle, raw_table(part, str(leads)), acts)
            return number, data, report, lead_features(bundle, data, options)

        with _ScoreFile(out, schema) as sink, ThreadPoolExecutor(1, thread_name_prefix="leadscore-load") as loader:
            ahead = loader.submit(load_next)
            while (loaded := ahead.result()) is not None:
                # the next chunk is loaded while this one is scored: the main thread mostly waits for the
                # model's worker thread then, and the loader's work fills that time
                ahead = loader.submit(load_next)
                number, data, report, ready = loaded
                _add_notes(seen, report)
                first_row = number * chunk + 1
                later += int(ready.later[data.leads["source_row"].to_numpy() >= first_row].sum())  # type: ignore[index]
                given.add(coverage(ready.features, bundle.encoder))
                newest = max(filter(None, (newest, ready.newest_us)), default=None)
                unread = report.ignored_columns.get("leads", [])
                result = score_event_data(bundle, data, report, options, model_version, ready=ready)
                result = result[result["row"].to_numpy() >= first_row].reset_index(drop=True)
                if not set(result.columns) <= set(schema.names):
                    raise RuntimeError(f"internal error: unexpected score columns "
                                       f"{sorted(set(result.columns) - set(schema.names))}")
                sink.write(to_arrow(result, schema))
                rows += len(result)
                errors += int(result["error"].notna().sum())
                if score_log is not None and score_log.enabled:
                    score_log.record_batch(result, model_version=model_version, as_of=options.as_of,  # type: ignore[arg-type]
                                           inputs=ready.batch)
                if progress:
                    progress(rows, ids.rows)
            if rows != ids.rows:
                raise RuntimeError(f"internal error: {ids.rows} input rows but {rows} output rows")
    notes = (seen.scoring_notes() + later_note(later, options.as_of) + moment_notes(newest, options)  # type: ignore[arg-type]
             + coverage_notes(bundle.info, given, unread))
    return BatchSummary(rows=rows, scored=rows - errors, errors=errors, out=out, notes=tuple(notes))


def _add_notes(seen: DataReport, chunk: DataReport) -> None:
    """Count a chunk's lead ids found by number and its unknown activity types into the whole file's."""
    for table, count in chunk.ids_found_by_number.items():
        seen.ids_found_by_number[table] = seen.ids_found_by_number.get(table, 0) + count
    for name, count in chunk.unknown_activity_types.items():
        seen.unknown_activity_types[name] = seen.unknown_activity_types.get(name, 0) + count
    for name, written in chunk.activity_type_spellings.items():
        seen.activity_type_spellings.setdefault(name, written)
    seen.columns_read_as.setdefault("activities", chunk.columns_read_as.get("activities", {}))
    seen.rejected.extend(issue for issue in chunk.rejected if issue.file == seen.files["activities"])


def _lead_chunks(path: Path, ids: _Leads) -> Iterator[tuple[int, pa.Table]]:
    """Each chunk's leads rows (numbered, :data:`~engines.partition.ROW`), after the earlier rows that carry
    one of its ids more than once in the file."""
    buffered: list[pa.RecordBatch] = []
    held = 0
    start = 0
    number = 0
    earlier: list[pa.Table] = []  # rows of repeated ids, from chunks already scored

    def emit(rows: pa.Table) -> pa.Table:
        end = start + rows.num_rows
        rows = rows.append_column(ROW, pa.array(np.arange(start + 1, end + 1, dtype=np.int64)))
        mine = ids.repeated[(ids.repeated >= start) & (ids.repeated < end)]
        before = pa.concat_tables(earlier) if earlier else None
        if before is not None and mine.size:
            wanted = np.isin(ids.codes[before.column(ROW).to_numpy() - 1], ids.codes[mine])
            rows = pa.concat_tables([before.filter(pa.array(wanted)), rows])
        if mine.size:
            earlier.append(rows.take(pa.array(np.flatnonzero(np.isin(rows.column(ROW).to_numpy() - 1, mine)))))
        return rows

    for batch in pq.ParquetFile(path).iter_batches(READ_ROWS):
        buffered.append(batch)
        held += batch.num_rows
        while held >= ids.chunk or (held and start + held == ids.rows):
            table = pa.Table.from_batches(buffered)
            take = min(ids.chunk, held)
            part = emit(table.slice(0, take))
            rest = table.slice(take)
            buffered, held = rest.to_batches(), rest.num_rows
            yield number, part
            start += take
            number += 1


def _route_activities(path: Path, ids: _Leads, scratch: Path, seen: DataReport) -> list[list[Path]]:
    """Each chunk's temporary files with the activities of its leads, in input order, numbered. The files are
    Arrow IPC, read back once (Parquet's encoding costs more than it saves here), zstd-compressed: a fifth of
    the disk of uncompressed files for ~3 % of the run (DECISIONS K29). Activities of no lead in the file are
    counted into ``seen`` (with a few of their ids), as the whole-file loader reports them.

    The file's row groups are routed in two halves at once, each into files of its own that are read back
    first half first: the pass otherwise leaves a core idle before anything can be scored (DECISIONS K33)."""
    metadata = pq.ParquetFile(path).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    halves = [(list(range(len(sizes))), 0)]  # one row group cannot be split
    if len(sizes) > 1:
        cut = min(max(int(np.searchsorted(np.cumsum(sizes), sum(sizes) / 2)) + 1, 1), len(sizes) - 1)
        halves = [(list(range(cut)), 0), (list(range(cut, len(sizes))), sum(sizes[:cut]))]
    with ThreadPoolExecutor(1, thread_name_prefix="leadscore-route") as helper:
        later = [helper.submit(_route_part, path, groups, first, ids, scratch, part)
                 for part, (groups, first) in enumerate(halves[1:], start=1)]
        parts = [_route_part(path, *halves[0], ids, scratch, 0)] + [f.result() for f in later]
    for unknown, sample, _ in parts:
        seen.unknown_lead_activities += unknown
        for lead in sample:
            if lead not in seen.unknown_lead_ids_sample and len(seen.unknown_lead_ids_sample) < UNKNOWN_ID_SAMPLE:
                seen.unknown_lead_ids_sample.append(lead)
    return [[files[i] for _, _, files in parts if i in files] for i in range(ids.chunks)]


def _route_part(path: Path, row_groups: list[int], first_row: int, ids: _Leads, scratch: Path,
                part: int) -> tuple[int, list[str], dict[int, Path]]:
    """Route ``row_groups`` (their first row is ``first_row`` + 1 of the file): the activities of no lead and
    a sample of their ids (in order; twice the report's sample, so that the halves together still fill it
    as one pass would), and the file written for each chunk that got rows."""
    source = pq.ParquetFile(path)
    writers: dict[int, pa.ipc.RecordBatchStreamWriter] = {}
    files: dict[int, Path] = {}
    unknown, sample = 0, []
    start = first_row
    try:
        for batch in source.iter_batches(ROUTE_ROWS, row_groups=row_groups, columns=list(ACTIVITY_COLUMNS)):
            n = batch.num_rows
            batch = pa.RecordBatch.from_arrays(
                [*batch.columns, pa.array(np.arange(start + 1, start + n + 1, dtype=np.int64))],
                names=[*batch.schema.names, ROW])
            start += n
            codes = _codes(batch.column(LEAD_ID), ids.ids)
            found = np.flatnonzero(codes >= 0)
            unknown += _unknown(batch.column(LEAD_ID), codes, sample, 2 * UNKNOWN_ID_SAMPLE)
            targets = [(found, ids.home[codes[found]])]
            if ids.also:
                extra = [(p, c) for p in found[np.isin(codes[found], list(ids.also))].tolist()
                         for c in ids.also[int(codes[p])]]
                if extra:
                    targets.append((np.array([p for p, _ in extra], dtype=np.int64),
                                    np.array([c for _, c in extra], dtype=np.int64)))
            positions = np.concatenate([t[0] for t in targets])
            chunks = np.concatenate([t[1] for t in targets])
            order = np.lexsort((positions, chunks))  # by chunk, each in input order
            positions, chunks = positions[order], chunks[order]
            bounds = np.flatnonzero(np.diff(chunks)) + 1
            for piece, where in zip(np.split(positions, bounds), np.split(chunks, bounds), strict=True):
                if not piece.size:
                    continue
                target = int(where[0])
                rows = batch.take(pa.array(piece))
                if target not in writers:
                    files[target] = scratch / f"activities-{target:05d}-{part}.arrow"
                    writers[target] = pa.ipc.new_stream(files[target], rows.schema, options=_SCRATCH)
                writers[target].write_batch(rows)
    finally:
        for writer in writers.values():
            writer.close()
    return unknown, sample, files


_SCRATCH = pa.ipc.IpcWriteOptions(compression="zstd")


def _routed_schema(path: Path) -> pa.Schema:
    """The columns a chunk's routed activities have: the contract's, as the file types them, and the row number."""
    schema = pq.read_schema(path)
    return pa.schema([schema.field(c) for c in ACTIVITY_COLUMNS] + [pa.field(ROW, pa.int64())])


def _unknown(raw: pa.Array | pa.ChunkedArray, codes: np.ndarray, sample: list[str], cap: int) -> int:
    """A batch's activities of no lead (an id, present, that no leads row has); the first of their ids are
    added to ``sample`` up to ``cap``, in order."""
    unknown = np.flatnonzero((codes < 0) & raw.is_valid().to_numpy(zero_copy_only=False))
    if unknown.size and len(sample) < cap:
        for lead in pd.unique(pd.Series(raw.take(pa.array(unknown[:100])).to_pylist(), dtype=object).astype(str)):
            if lead not in sample and len(sample) < cap:
                sample.append(lead)
    return int(unknown.size)


def _read_routed(paths: list[Path], schema: pa.Schema) -> pa.Table:
    """A chunk's activities as :func:`_route_activities` wrote them (``schema``: the columns of none)."""
    tables = []
    for path in paths:
        with pa.ipc.open_stream(path) as routed:
            tables.append(routed.read_all())
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _codes(raw: pa.Array | pa.ChunkedArray, known: pa.Array) -> np.ndarray:
    """Each activity's lead among ``known`` (-1: none). Ids are looked up as written first, and only those
    not found are read as the loader reads them (stripped, missing markers) and looked up again, as
    :func:`features.loading.lead_ids.lead_ids` does."""
    if pa.types.is_dictionary(raw.type):
        raw = raw.cast(raw.type.value_type)
    encoded = pc.dictionary_encode(raw.cast(known.type))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    found = _positions(encoded.dictionary, known)
    others = np.flatnonzero(found < 0)
    if others.size:
        found[others] = _positions(lead_keys(encoded.dictionary.take(pa.array(others))), known)
    return _expand(found, encoded.indices)


def _positions(values: pa.Array, known: pa.Array) -> np.ndarray:
    """The position of each of ``values`` (repeats and nulls allowed) among the distinct ``known`` (-1: none).
    ``known`` is probed into the set of ``values``, not the other way round: the set of a batch's few
    distinct ids is built at once, the set of millions of known ids would be built again for every batch."""
    encoded = pc.dictionary_encode(values.cast(known.type))
    distinct = encoded.dictionary
    hit = pc.index_in(known, value_set=distinct)
    at = np.flatnonzero(hit.is_valid().to_numpy(zero_copy_only=False))
    where = np.full(len(distinct), -1, dtype=np.int64)
    where[hit.filter(hit.is_valid()).to_numpy(zero_copy_only=False)] = at
    return _expand(where, encoded.indices)


def _expand(per_value: np.ndarray, indices: pa.Array) -> np.ndarray:
    """``per_value`` looked up by dictionary ``indices`` (a null index: -1)."""
    if len(indices) == 0:
        return np.zeros(0, dtype=np.int64)
    codes = per_value[indices.fill_null(0).to_numpy(zero_copy_only=False)] if len(per_value) else \
        np.full(len(indices), -1, dtype=np.int64)
    codes[indices.is_null().to_numpy(zero_copy_only=False)] = -1
    return codes


class _ScoreFile:
    """The score file being written: a temporary file beside ``out``, renamed into place when complete."""

    def __init__(self, out: Path, schema: pa.Schema) -> None:
        self.out, self.schema = out, schema
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise ValueError(f"{out}: name the score file .csv or .parquet")
        self.csv = suffix == ".csv"
        handle, self.temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(handle)
        self.writer: pq.ParquetWriter | None = None
        self.first = True

    def __enter__(self) -> _ScoreFile:
        if not self.csv:
            self.writer = pq.ParquetWriter(self.temporary, self.schema)
        return self

    def write(self, table: pa.Table) -> None:
        if self.writer is not None:
            self.writer.write_table(table)
            return
        with open(self.temporary, "a", encoding="utf-8", newline="") as handle:
            table.to_pandas().to_csv(handle, index=False, header=self.first)
        self.first = False

    def __exit__(self, kind, value, traceback) -> None:
        if self.writer is not None:
            self.writer.close()
        if kind is not None:
            Path(self.temporary).unlink(missing_ok=True)
            return
        if self.csv and self.first:  # no rows at all: the header alone
            self.schema.empty_table().to_pandas().to_csv(self.temporary, index=False)
        mode = self.out.stat().st_mode & 0o777 if self.out.exists() else 0o644
        with open(self.temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(self.temporary, mode)
        os.replace(self.temporary, self.out)
