"""The one feature path: a :class:`~features.batch.LeadBatch` → the model's input columns, as of a moment.

Training snapshots, nightly files and an API request's leads all arrive as a batch and go through
:func:`feature_columns`, which calls :func:`features.engagement.engagement_features` and
:func:`features.fit.fit_features`. Only what was known at the moment is used: leads created later are not
in a file's result (an API request names them as errors before this), activities after it are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from features import values
from features.batch import LeadBatch
from features.catalogue import Catalogue, build_catalogue
from features.config import FeatureConfig
from features.contract import LEAD_ID
from features.engagement import engagement_features, explain_names
from features.fit import fit_features

Columns = dict[str, np.ndarray]


def feature_columns(batch: LeadBatch, as_of: datetime | pd.Timestamp | str | int, config: FeatureConfig,
                    catalogue: Catalogue, fit: Columns | None = None, explain: bool = False) -> Columns:
    """Every catalogue feature of every lead of ``batch`` as of ``as_of``, in catalogue order.

    ``fit``: the batch's fit signals when the caller has them (they do not depend on the moment: a title is
    a title), as snapshots share them. ``explain``: also the columns the reasons need to say what each lead
    did (:func:`features.engagement.explain_names`), after the model's."""
    as_of_us = as_of if isinstance(as_of, int) else values.moment_us(as_of)
    computed = engagement_features(batch.activities, len(batch), as_of_us, batch.created_us, config, explain)
    computed.update(fit if fit is not None else fit_features(batch.profile, len(batch), config))
    names = (*catalogue.names, *explain_names()) if explain else catalogue.names
    return {name: computed[name] for name in names}


def to_frame(columns: Columns, lead_ids: np.ndarray) -> pd.DataFrame:
    """Feature columns as a DataFrame indexed by lead id; categories stay ``object`` with ``None`` for missing."""
    index = pd.Index(lead_ids, name=LEAD_ID, dtype=object)
    return pd.DataFrame({name: pd.Series(column, index=index, dtype=object if column.dtype == object else None,
                                         copy=False) for name, column in columns.items()}, index=index, copy=False)


def batch_features(batch: LeadBatch, as_of: datetime | pd.Timestamp | str, config: FeatureConfig | None = None,
                   catalogue: Catalogue | None = None, explain: bool = False) -> pd.DataFrame:
    """Features of every lead of the batch that existed at ``as_of``, in batch order, indexed by lead_id."""
    config = config or FeatureConfig()
    catalogue = catalogue or build_catalogue(config)
    as_of_us = values.moment_us(as_of)
    existing = batch.existing_at(as_of_us)
    return to_frame(feature_columns(existing, as_of_us, config, catalogue, explain=explain), existing.lead_ids)


def build_features(leads: pd.DataFrame, activities: pd.DataFrame | None, as_of: datetime | pd.Timestamp | str,
                   config: FeatureConfig | None = None, catalogue: Catalogue | None = None,
                   activity_rows: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`batch_features` of contract tables (``leads`` with ``activities``), e.g. what the loader returns."""
    return batch_features(LeadBatch.from_frames(leads, activities, activity_rows), as_of, config, catalogue)


def snapshot_features(batch: LeadBatch, as_ofs: Sequence[datetime | pd.Timestamp | str],
                      config: FeatureConfig | None = None, catalogue: Catalogue | None = None,
                      ) -> Iterator[tuple[pd.Timestamp, pd.DataFrame]]:
    """:func:`batch_features` at several moments, computing the fit signals once.

    Yields ``(as_of, features)`` with exactly what ``batch_features(batch, as_of)`` returns."""
    config = config or FeatureConfig()
    catalogue = catalogue or build_catalogue(config)
    fit = fit_features(batch.profile, len(batch), config)
    for as_of in as_ofs:
        as_of_us = values.moment_us(as_of)
        exists = batch.created_us <= as_of_us
        existing = batch.take(exists)
        columns = feature_columns(existing, as_of_us, config, catalogue, {k: v[exists] for k, v in fit.items()})
        yield pd.Timestamp(as_of), to_frame(columns, existing.lead_ids)
