"""Features and batch scores on Apache Spark, by the local path's own functions.

The job reads the contract tables from Parquet (a file, a folder of part files or a glob, local or any URI
Spark reads), numbers each row as a local run would (row 1 is the first row of the first file in path
order), keys every leads and activities row by its lead id as the loader reads it, and hashes the key into
buckets. Leads and activities are cogrouped by bucket and each bucket goes through
:mod:`engines.partition` (``applyInArrow``): the same loader, feature and scoring functions as
``leadscore score`` on one machine, with the scoring bundle broadcast once. The result is Parquet, one part
file per bucket, with the local score file's columns and one row per input leads row.

Configuration: ``LEADSCORE_SPARK_MASTER`` (default ``local[*]``) when no session is running;
``LEADSCORE_SPARK_LEADS_PER_BUCKET`` (default 100,000) sizes the buckets.

A score run's notes on input coverage (:mod:`scoring.coverage`: a column the model learned from that the files
lack or write differently) come from a hash sample of about :data:`COVERAGE_SAMPLE` whole leads, read by the
driver through the same loader and features: the notes are about columns and their values, which a sample
shows as well as the whole.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from engines.partition import (
    BUCKET,
    FILE,
    KEY,
    ROW,
    features_partition,
    features_schema,
    lead_keys,
    raw_table,
    score_partition,
    score_schema,
)
from features.config import FeatureConfig
from features.contract import ACTIVITY_COLUMNS, CONVERTED_AT, LEAD_COLUMNS, LEAD_ID, REQUIRED_LEAD_COLUMNS
from features.loading.ledger import require_columns
from features.mappings import contract_renames
from features.vendors import CONVERSION_FLAG
from scoring.bundle import ScoringBundle
from scoring.coverage import coverage, coverage_notes
from scoring.options import ScoringOptions
from scoring.settings import env_number, env_text

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Leads per bucket unless told otherwise: a bucket is loaded, featured and scored in one Python call.
LEADS_PER_BUCKET = 100_000
#: Leads (about) whose coverage a score run checks in the driver: enough for shares, cheap beside the run.
COVERAGE_SAMPLE = 20_000


class SparkUnavailable(RuntimeError):
    """PySpark is not installed (it is the optional extra ``spark``)."""


@dataclass(frozen=True)
class SparkSummary:
    """What a Spark run wrote: ``rows`` output rows (one per input leads row for scores), ``errors`` of them
    with an error, in ``buckets`` buckets, to the folder ``out``."""

    rows: int
    scored: int
    errors: int
    buckets: int
    out: str
    #: input coverage, from a sample of the leads (:func:`_coverage_notes`); none for features
    notes: tuple[str, ...] = ()


def spark_session(master: str | None = None) -> SparkSession:
    """The running Spark session, or a new one on ``master`` (``LEADSCORE_SPARK_MASTER``, default
    ``local[*]``). A new session works in UTC; in local mode its Python workers run this interpreter."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable("PySpark is not installed: pip install 'leadscore[spark]' (needs Java 17+)") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or env_text("LEADSCORE_SPARK_MASTER", "local[*]")
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (SparkSession.builder.master(master).appName("leadscore")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")  # our own lines say what happens
               .config("spark.sql.shuffle.partitions", "8" if master.startswith("local") else "200")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def score_spark(spark: SparkSession, bundle: ScoringBundle, leads: str, activities: str | None, out: str,
                options: ScoringOptions, model_version: str = "", buckets: int | None = None) -> SparkSummary:
    """Score the leads in ``leads`` (with ``activities``) into the Parquet folder ``out``: the local score
    file's rows, one per input leads row, each bucket scored by :func:`engines.partition.score_partition`."""
    options = options.resolved(bundle.time_zone)
    config = bundle.feature_config
    lead_rows, activity_rows, n_buckets, rows_read, unread = _bucketed_inputs(spark, leads, activities, config,
                                                                             buckets)
    schema = score_schema(bundle, options, _arrow_schema(lead_rows))
    shared = spark.sparkContext.broadcast(bundle)
    names = (leads, activities or "")

    def score_bucket(leads_part: pa.Table, activities_part: pa.Table) -> pa.Table:
        return score_partition(leads_part, activities_part, shared.value, options, model_version, names, schema)

    try:
        _run(lead_rows, activity_rows, score_bucket, schema, out)
    finally:
        shared.destroy()
    from pyspark.sql import functions as F

    rows, errors = spark.read.parquet(out).agg(F.count("*"), F.count("error")).first()
    if rows != rows_read:
        raise RuntimeError(f"internal error: {rows_read} input rows but {rows} output rows")
    notes = _coverage_notes(lead_rows, activity_rows, bundle, options, names, rows_read, unread)
    return SparkSummary(rows, rows - errors, errors, n_buckets, out, tuple(notes))


def _coverage_notes(lead_rows: DataFrame, activity_rows: DataFrame, bundle: ScoringBundle, options: ScoringOptions,
                    names: tuple[str, str], rows_read: int, unread: list[str]) -> list[str]:
    """:func:`scoring.coverage.coverage_notes` on a hash sample of whole leads (each with all its rows and
    activities), loaded and featured in the driver as a local run would."""
    from pyspark.sql import functions as F

    from serving.batch import lead_features, load_bundle_data

    parts = max(1, rows_read // COVERAGE_SAMPLE)
    picked = F.pmod(F.xxhash64(F.col(KEY), F.lit("coverage")), F.lit(parts)) == 0
    sample = lead_rows.filter(picked).toArrow()
    if sample.num_rows == 0:
        return []
    data, _ = load_bundle_data(bundle, raw_table(sample, names[0]),
                               raw_table(activity_rows.filter(picked).toArrow(), names[1]))
    given = coverage(lead_features(bundle, data, options).features, bundle.encoder)
    shown = f"in a sample of {given.rows:,} of the leads: " if parts > 1 else ""
    return [shown + note for note in coverage_notes(bundle.info, given, unread)]


def features_spark(spark: SparkSession, leads: str, activities: str | None, out: str, as_of: datetime,
                   config: FeatureConfig | None = None, buckets: int | None = None) -> SparkSummary:
    """The features of every lead that existed at ``as_of`` into the Parquet folder ``out``: ``lead_id``
    and the catalogue's features, as :func:`engines.partition.feature_rows` computes them locally."""
    config = config or FeatureConfig()
    as_of = ScoringOptions(as_of).resolved().as_of  # type: ignore[assignment]
    lead_rows, activity_rows, n_buckets, *_ = _bucketed_inputs(spark, leads, activities, config, buckets)
    schema = features_schema(as_of, config, _arrow_schema(lead_rows))
    names = (leads, activities or "")

    def featurise_bucket(leads_part: pa.Table, activities_part: pa.Table) -> pa.Table:
        return features_partition(leads_part, activities_part, as_of, config, names, schema)

    _run(lead_rows, activity_rows, featurise_bucket, schema, out)
    rows = spark.read.parquet(out).count()
    return SparkSummary(rows, rows, 0, n_buckets, out)


def _run(lead_rows: DataFrame, activity_rows: DataFrame, per_bucket, schema: pa.Schema, out: str) -> None:
    from pyspark.sql.pandas.types import from_arrow_schema

    result = (lead_rows.groupBy(BUCKET).cogroup(activity_rows.groupBy(BUCKET))
              .applyInArrow(per_bucket, from_arrow_schema(schema)))
    result.write.mode("overwrite").parquet(out)


def _bucketed_inputs(spark: SparkSession, leads: str, activities: str | None, config: FeatureConfig,
                     buckets: int | None) -> tuple[DataFrame, DataFrame, int, int, list[str]]:
    """Leads and activities rows with their row numbers, keys and buckets; the number of buckets and of
    leads rows; the leads' columns that are not read."""
    lead_rows, rows_read = _numbered(spark, leads, "leads")
    require_columns(pd.DataFrame(columns=lead_rows.columns), leads, "leads", REQUIRED_LEAD_COLUMNS, None)
    # a conversion the export records (a date, a vendor's flag) makes the lead a customer, as in a local run
    wanted = [*LEAD_COLUMNS, *config.extra_columns, CONVERTED_AT, CONVERSION_FLAG]
    unread = [c for c in lead_rows.columns if c not in wanted and c != ROW]
    missing = [c for c in config.extra_columns if c not in lead_rows.columns]
    if missing:
        raise ValueError(f"{leads}: declared extra column {missing[0]!r} is missing from the leads table")
    lead_rows = lead_rows.select(*[c for c in wanted if c in lead_rows.columns], ROW)
    per_bucket = env_number("LEADSCORE_SPARK_LEADS_PER_BUCKET", LEADS_PER_BUCKET, smallest=1)
    n = buckets or max(spark.sparkContext.defaultParallelism, math.ceil(rows_read / per_bucket))
    if activities:
        activity_rows, _ = _numbered(spark, activities, "activities")
        require_columns(pd.DataFrame(columns=activity_rows.columns), activities, "activities", ACTIVITY_COLUMNS,
                        None)
        activity_rows = activity_rows.select(*ACTIVITY_COLUMNS, ROW)
    else:
        activity_rows = spark.createDataFrame([], f"{LEAD_ID} string, occurred_at timestamp, "
                                                  f"activity_type string, {ROW} long")
    return _bucket(_keyed(lead_rows), n), _bucket(_keyed(activity_rows), n), n, rows_read, unread


def _numbered(spark: SparkSession, uri: str, table: str) -> tuple[DataFrame, int]:
    """The rows of the Parquet input ``uri`` (the contract's ``table``; headers in other words renamed as a
    local run renames them, :func:`features.mappings.contract_renames`) with :data:`~engines.partition.ROW`
    (1-based, counted over its files in path order, as a local run counts the rows of one file), and how
    many there are."""
    from pyspark.sql import functions as F

    frame = spark.read.parquet(uri)
    frame = frame.withColumnsRenamed(contract_renames(frame.columns, table)).select(
        "*", F.col("_metadata.file_path").alias(FILE), F.col("_metadata.row_index").alias("_index"))
    counts = sorted((row[FILE], row["count"]) for row in frame.groupBy(FILE).count().collect())
    offsets, start = [], 0
    for file, count in counts:
        offsets.append((file, start))
        start += count
    offset_frame = spark.createDataFrame(offsets or [("", 0)], f"{FILE} string, _offset long")
    numbered = (frame.join(F.broadcast(offset_frame), FILE)
                .withColumn(ROW, F.col("_index") + F.col("_offset") + 1).drop("_index", "_offset", FILE))
    return numbered, start


def _keyed(frame: DataFrame) -> DataFrame:
    """``frame`` with :data:`~engines.partition.KEY`: the lead id as the loader reads it."""
    from pyspark.sql.types import StringType, StructField, StructType

    def add_keys(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield pa.RecordBatch.from_arrays([*batch.columns, lead_keys(batch.column(LEAD_ID))],
                                             names=[*batch.schema.names, KEY])

    return frame.mapInArrow(add_keys, StructType([*frame.schema.fields, StructField(KEY, StringType())]))


def _bucket(frame: DataFrame, n: int) -> DataFrame:
    from pyspark.sql import functions as F

    return frame.withColumn(BUCKET, F.pmod(F.xxhash64(KEY), F.lit(n)))


def _arrow_schema(frame: DataFrame) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(frame.schema, timezone="UTC")
