"""One partition of a distributed training: a bucket of leads with all their activities and conversions,
turned into training examples by exactly the functions local training uses.

A bucket holds every leads, activities and conversions row whose lead id hashes to it (activities and
conversions travel together as the other side of the cogroup, told apart by :data:`TABLE`), so each lead
meets all its activities and its conversions. The bucket is loaded by :func:`engines.partition.load_partition`
(the contract's rules: rejected rows, duplicate and unknown-lead activities, a lead's earliest conversion)
and gives:

* :func:`history_partition`: what the whole history's time span is made of (earliest and latest moments
  of the kept rows, how many rows were read and kept), so the driver computes ``data_start`` and
  ``data_end`` exactly as :func:`training.dataset.data_end_of` does on the loaded tables;
* :func:`examples_partition`: :func:`training.dataset.build_examples` of the bucket's leads at the run's
  snapshot moments (features as known then, ``as_of``, ``label``), with each lead's row in the leads
  input so the driver puts the examples in the order a local run builds them.

Nothing here imports Spark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute

from engines.partition import ROW, features_schema, raw_table, to_arrow
from features.catalogue import build_catalogue
from features.contract import ACTIVITY_COLUMNS, CONVERTED_AT, CREATED_AT, LEAD_ID, OCCURRED_AT
from features.loading import EventData
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL, build_examples

#: Which table a row of the cogroup's other side comes from: 0 activities, 1 conversions.
TABLE = "_leadscore_table"
#: The conversions' columns on the other side of the cogroup (renamed so no type meets another table's).
CONVERSION_ID = "_leadscore_conversion_lead_id"
CONVERSION_AT = "_leadscore_converted_at"
#: Rows per Arrow batch handed back to Spark: a bucket's examples (its leads × the snapshots) in one batch
#: overflow the JVM's direct memory (a 600 MB batch at 100,000 leads per bucket); Spark's own batch size.
ROWS_PER_BATCH = 10_000
#: Per-bucket counts and moments (:func:`history_partition`): one row per bucket.
HISTORY_SCHEMA = pa.schema([
    ("leads_read", pa.int64()), ("leads_kept", pa.int64()), ("activities_read", pa.int64()),
    ("activities_kept", pa.int64()), ("conversions_read", pa.int64()), ("conversions_kept", pa.int64()),
    ("first_created", pa.timestamp("us", tz="UTC")), ("last_created", pa.timestamp("us", tz="UTC")),
    ("last_activity", pa.timestamp("us", tz="UTC")), ("last_conversion", pa.timestamp("us", tz="UTC")),
])


def split_others(others: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The activities rows and the conversions rows of the cogroup's other side, each with its own columns
    (as in its input) and its row number."""
    kind = others.column(TABLE).to_numpy(zero_copy_only=False)
    activities = others.filter(pa.array(kind == 0)).select([*ACTIVITY_COLUMNS, ROW])
    conversions = (others.filter(pa.array(kind == 1)).select([CONVERSION_ID, CONVERSION_AT, ROW])
                   .rename_columns([LEAD_ID, CONVERTED_AT, ROW]))
    return activities, conversions


def history_partition(leads: pa.Table, others: pa.Table, names: tuple[str, str, str], config: TrainConfig,
                      ) -> pa.Table:
    """One row: the bucket's rows read and kept per table and the earliest/latest moments of the kept rows."""
    if leads.num_rows == 0:
        return HISTORY_SCHEMA.empty_table()
    activities, conversions = split_others(others)
    data = _load(leads, activities, conversions, names, config)

    def moment(series: pd.Series, last: bool) -> pd.Timestamp | None:
        return None if series.empty else (series.max() if last else series.min())

    row = {"leads_read": leads.num_rows, "leads_kept": len(data.leads), "activities_read": activities.num_rows,
           "activities_kept": len(data.activities), "conversions_read": conversions.num_rows,
           "conversions_kept": len(data.conversions),
           "first_created": moment(data.leads[CREATED_AT], False), "last_created": moment(data.leads[CREATED_AT], True),
           "last_activity": moment(data.activities[OCCURRED_AT], True),
           "last_conversion": moment(data.conversions[CONVERTED_AT], True)}
    return pa.table({k: pa.array([v], type=HISTORY_SCHEMA.field(k).type) for k, v in row.items()},
                    schema=HISTORY_SCHEMA)


def examples_schema(moments: tuple[pd.Timestamp, ...], config: TrainConfig, extra: pa.Schema | None = None,
                    ) -> pa.Schema:
    """``lead_id``, the catalogue's features, ``as_of``, ``label`` and the lead's input row."""
    features = features_schema(moments[0].to_pydatetime(), config.features, extra)
    return pa.schema([*features, pa.field(AS_OF, pa.timestamp("us", tz="UTC")), pa.field(LABEL, pa.int8()),
                      pa.field(ROW, pa.int64())])


def examples_partition(leads: pa.Table, others: pa.Table, moments: tuple[pd.Timestamp, ...],
                       names: tuple[str, str, str], config: TrainConfig, schema: pa.Schema) -> pa.Table:
    """:func:`training.dataset.build_examples` of the bucket's leads at ``moments``, each row with its
    lead's input row number (:data:`~engines.partition.ROW`)."""
    if leads.num_rows == 0:
        return schema.empty_table()
    activities, conversions = split_others(others)
    data = _load(leads, activities, conversions, names, config)
    examples = build_examples(data.leads, data.activities, data.conversions, moments, config,
                              build_catalogue(config.features))
    if examples.empty:
        return schema.empty_table()
    rows = data.leads.set_index(LEAD_ID)["source_row"]
    frame = examples.reset_index()
    frame[ROW] = rows.reindex(frame[LEAD_ID]).to_numpy(dtype=np.int64)
    return batched(to_arrow(frame, schema))


#: The points model's rows (:func:`censored_partition`): snapshot moment (µs), days watched, converted.
MOMENT, EXPOSURE, CONVERTED = "_leadscore_moment", "_leadscore_exposure_days", "_leadscore_converted"


def censored_schema(config: TrainConfig, extra: pa.Schema | None = None) -> pa.Schema:
    """``lead_id``, the catalogue's features and the censored watch of each open lead at each moment."""
    features = features_schema(pd.Timestamp("2000-01-01", tz="UTC").to_pydatetime(), config.features, extra)
    return pa.schema([*features, pa.field(MOMENT, pa.int64()), pa.field(EXPOSURE, pa.float64()),
                      pa.field(CONVERTED, pa.bool_()), pa.field(ROW, pa.int64())])


def censored_partition(leads: pa.Table, others: pa.Table, data_start: pd.Timestamp, cutoff: pd.Timestamp,
                       names: tuple[str, str, str], config: TrainConfig, schema: pa.Schema) -> pa.Table:
    """:func:`training.rules.censored_examples` of the bucket's leads as known at ``cutoff`` (leads created and
    conversions made by then), the snapshots starting after the whole history's ``data_start``."""
    from training.rules import censored_examples

    if leads.num_rows == 0:
        return schema.empty_table()
    activities, conversions = split_others(others)
    data = _load(leads, activities, conversions, names, config)
    known = data.leads[data.leads[CREATED_AT] <= cutoff]
    if known.empty:
        return schema.empty_table()
    converted = data.conversions[data.conversions[CONVERTED_AT] <= cutoff]
    censored = censored_examples(known, data.activities, converted, cutoff, build_catalogue(config.features),
                                 config, data_start=data_start)
    frame = censored.features.reset_index()
    frame[MOMENT] = censored.moments
    frame[EXPOSURE] = censored.exposure_days
    frame[CONVERTED] = censored.converted
    frame[ROW] = data.leads.set_index(LEAD_ID)["source_row"].reindex(frame[LEAD_ID]).to_numpy(dtype=np.int64)
    return batched(to_arrow(frame, schema))


def batched(table: pa.Table) -> pa.Table:
    """``table`` in batches of :data:`ROWS_PER_BATCH` rows (Spark sends each batch to the JVM apart)."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=ROWS_PER_BATCH), table.schema)


def local_frame(table: pa.Table, schema: pa.Schema) -> pd.DataFrame:
    """Rows collected from the buckets with the types the local path gives them, indexed by ``lead_id``:
    categories ``object`` with ``None`` for missing, numbers as they are, ``as_of`` a UTC timestamp,
    ``label`` ``int8`` (the bucket's own :data:`~engines.partition.ROW` is left out)."""
    frame = table.to_pandas()
    out = {}
    for field in schema:
        if field.name in (ROW, MOMENT, EXPOSURE, CONVERTED):
            continue
        column = frame[field.name]
        if field.name == AS_OF:
            column = pd.to_datetime(column, utc=True)
        elif field.name == LABEL:
            column = column.astype(np.int8)
        elif pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            column = column.astype(object).where(column.notna(), None)
        out[field.name] = column
    result = pd.DataFrame(out)
    return result.set_index(pd.Index(result.pop(LEAD_ID).to_numpy(dtype=object), name=LEAD_ID, dtype=object))


def local_examples(table: pa.Table, schema: pa.Schema) -> pd.DataFrame:
    """Examples collected from the buckets as :func:`training.dataset.build_examples` gives them: snapshot by
    snapshot, leads in input order (:func:`local_frame`'s types)."""
    order = pa.compute.sort_indices(table, [(AS_OF, "ascending"), (ROW, "ascending")])
    return local_frame(table.take(order), schema)


def local_censored(table: pa.Table, schema: pa.Schema):
    """The points model's rows collected from the buckets as :func:`training.rules.censored_examples` gives
    them: snapshot by snapshot, leads in input order."""
    from training.rules import CensoredExamples

    table = table.take(pa.compute.sort_indices(table, [(MOMENT, "ascending"), (ROW, "ascending")]))
    return CensoredExamples(local_frame(table, schema), table.column(EXPOSURE).to_numpy(),
                            table.column(CONVERTED).to_numpy(zero_copy_only=False),
                            table.column(MOMENT).to_numpy())


def _load(leads: pa.Table, activities: pa.Table, conversions: pa.Table, names: tuple[str, str, str],
          config: TrainConfig) -> EventData:
    from features.loading import load_event_data

    features = config.features
    numeric = [c for c in features.extra_columns if c not in features.extra_categorical]
    data, _ = load_event_data(raw_table(leads, names[0]), raw_table(activities, names[1]),
                              raw_table(conversions, names[2]), extra_columns=features.extra_columns,
                              extra_numeric=numeric, not_after=config.latest_moment())
    return data

