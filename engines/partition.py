"""One partition of a distributed run: a bucket of leads with all their activities, scored or turned into
features by exactly the functions the local batch uses.

A bucket holds every leads row and every activities row whose lead id (as :func:`features.values.text_column`
reads it) hashes to it, so each lead meets all of its activities and all rows carrying its id, and nothing a
lead's features or score depend on lies in another bucket. The rows arrive as Arrow tables with their row
number in the input (:data:`ROW`); they are put back in input order and read as
:class:`~features.loading.files.RawTable` by :func:`features.loading.load_event_data`, so rejections, the
first of two rows with one id, duplicate and unknown-lead activities are decided by the same rules as in a
local run, and the rows come out with the numbers a local run gives them. Scoring is
:func:`serving.batch.score_event_data`; features are :func:`features.pipeline.build_features`.

Nothing here imports Spark: :mod:`engines.spark` calls these functions on each cogrouped bucket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from features.config import FeatureConfig
from features.contract import CREATED_AT, LEAD_ID
from features.loading import EventData, load_event_data
from features.loading.files import RawTable
from features.pipeline import build_features
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions

#: The input's row number (1-based, over the input's files in path order), as a local run numbers rows.
ROW = "_leadscore_row"
#: The lead id as the loader reads it (missing ids: null), the bucketing key.
KEY = "_leadscore_key"
#: The bucket a row belongs to.
BUCKET = "_leadscore_bucket"
#: The file a row was read from.
FILE = "_leadscore_file"
INTERNAL = (ROW, KEY, BUCKET, FILE)


def raw_table(table: pa.Table, name: str) -> RawTable:
    """Some rows of an input file as the loader reads a file: in row order, numbered as in the file, the
    columns as ``pandas.read_parquet`` gives them."""
    rows = table.column(ROW).to_numpy().astype(np.int64) if ROW in table.column_names else None
    order = np.argsort(rows, kind="stable") if rows is not None else None
    kept = [c for c in table.column_names if c not in INTERNAL]
    frame = table.select(kept).to_pandas()
    if order is not None:
        frame = frame.iloc[order].reset_index(drop=True)
        rows = rows[order]
    return RawTable(name, frame, None, [], {}, rows)


def lead_keys(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each lead id as the loader will read it (stripped; missing markers as null), an id that writes a whole
    number as that number (the loader finds a lead by it, :func:`features.values.id_numbers`): the bucketing
    key, the same for every row the loader may join."""
    from features import values

    cleaned = values.text_column(pd.Series(ids.to_pandas(), dtype="str"))
    keys = values.id_numbers(cleaned).fillna(cleaned)
    return pa.array(keys.to_numpy(dtype=object, na_value=None), type=pa.string())


def load_partition(leads: pa.Table, activities: pa.Table, names: tuple[str, str], config: FeatureConfig,
                   ) -> EventData | None:
    """The bucket's leads and activities, loaded by the contract's rules (None: no leads rows in it)."""
    if leads.num_rows == 0:
        return None
    numeric = [c for c in config.extra_columns if c not in config.extra_categorical]
    data, _ = load_event_data(raw_table(leads, names[0]), raw_table(activities, names[1]), None,
                              extra_columns=config.extra_columns, extra_numeric=numeric)
    return data


def score_partition(leads: pa.Table, activities: pa.Table, bundle: ScoringBundle, options: ScoringOptions,
                    model_version: str, names: tuple[str, str], schema: pa.Schema) -> pa.Table:
    """The score file's rows of the bucket's leads rows (one each, scored or with an ``error``)."""
    from serving.batch import load_bundle_data, score_event_data

    if leads.num_rows == 0:
        return schema.empty_table()
    data, report = load_bundle_data(bundle, raw_table(leads, names[0]), raw_table(activities, names[1]))
    return to_arrow(score_event_data(bundle, data, report, options, model_version), schema)


def feature_rows(data: EventData, as_of: datetime, config: FeatureConfig) -> pd.DataFrame:
    """One row per lead that existed at ``as_of``: ``lead_id`` and every catalogue feature, in leads order
    (the feature file of ``leadscore features --out``)."""
    return build_features(data.leads, data.activities, as_of, config, activity_rows=data.activity_rows
                          ).reset_index()


def features_partition(leads: pa.Table, activities: pa.Table, as_of: datetime, config: FeatureConfig,
                       names: tuple[str, str], schema: pa.Schema) -> pa.Table:
    """The feature rows of the bucket's leads (those that existed at ``as_of``)."""
    data = load_partition(leads, activities, names, config)
    if data is None:
        return schema.empty_table()
    return to_arrow(feature_rows(data, as_of, config), schema)


def to_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame`` with exactly ``schema``'s columns and types (a column the frame lacks is all null)."""
    columns = {}
    for field in schema:
        if field.name in frame.columns:
            column = frame[field.name]
            # text columns pandas holds in Arrow go over as they are (through Python objects: 3.4 s per 1M rows)
            array = pa.array(column.to_numpy(dtype=object, na_value=None) if column.dtype == object else column,
                             from_pandas=True)
            columns[field.name] = array.cast(field.type) if array.type != field.type else array
        else:
            columns[field.name] = pa.nulls(len(frame), field.type)
    return pa.table(columns, schema=schema)


def result_schema(frame: pd.DataFrame) -> pa.Schema:
    """The Arrow schema of result rows like ``frame``: text where a column held only missing values; whole
    numbers as float64 where a missing value can occur (an error row has no score)."""
    fields = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            kind = pa.string()
        elif pd.api.types.is_bool_dtype(column):
            kind = pa.bool_()
        elif pd.api.types.is_numeric_dtype(column):
            kind = pa.int64() if name == "row" else pa.float64()
        else:
            kind = pa.from_numpy_dtype(column.dtype)
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _probe(as_of: datetime) -> pa.Table:
    """Two leads with no activities, one existing at ``as_of`` and one created a day later: their rows have
    every column a result can have."""
    created = pd.Series([as_of, as_of + timedelta(days=1)]).astype("datetime64[us, UTC]")
    return pa.table({LEAD_ID: ["probe-1", "probe-2"], CREATED_AT: pa.array(created), ROW: [1, 2]})


def score_schema(bundle: ScoringBundle, options: ScoringOptions, extra: pa.Schema | None = None) -> pa.Schema:
    """The columns and types of the score rows ``options`` give (the probe's, as a local run writes them)."""
    from serving.batch import load_bundle_data, score_event_data

    leads = _with_extras(_probe(options.as_of), extra)  # type: ignore[arg-type]
    data, report = load_bundle_data(bundle, raw_table(leads, "probe"), None)
    return result_schema(score_event_data(bundle, data, report, options))


def features_schema(as_of: datetime, config: FeatureConfig, extra: pa.Schema | None = None) -> pa.Schema:
    """The columns and types of the feature rows (the probe's)."""
    leads = _with_extras(_probe(as_of), extra)
    data, _ = load_event_data(raw_table(leads, "probe"), None, None, extra_columns=config.extra_columns,
                              extra_numeric=[c for c in config.extra_columns if c not in config.extra_categorical])
    schema = pa.Schema.from_pandas(feature_rows(data, as_of, config), preserve_index=False)
    return pa.schema([pa.field(f.name, pa.string() if _is_text(f.type) else f.type) for f in schema])


def _is_text(kind: pa.DataType) -> bool:
    """Text as Spark hands it over (``string``): pandas' text columns become ``large_string`` in Arrow, a
    column of only missing values ``null``."""
    return pa.types.is_null(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _with_extras(probe: pa.Table, extra: pa.Schema | None) -> pa.Table:
    """The probe with the input's other lead columns (all missing), so declared extras exist."""
    for field in extra or ():
        if field.name not in probe.column_names and field.name not in INTERNAL:
            probe = probe.append_column(field, pa.nulls(probe.num_rows, field.type))
    return probe
