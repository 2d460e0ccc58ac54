"""An export read as a model reads it: what scoring, explaining, monitoring and shadow scoring of files share, so
that a later export of the same CRM is read the way the model's training files were (event mode:
:func:`load_bundle_data`; a flat table: :func:`load_bundle_table`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.contract import LEAD_ID
from features.loading import DataReport, EventData, FlatData, load_event_data, load_flat_table
from features.loading.files import RawTable
from features.mappings import MappingRef
from scoring.bundle import ScoringBundle


def load_bundle_data(bundle: ScoringBundle, leads: Path | RawTable, activities: Path | RawTable | None,
                     mapping: MappingRef = None, conversions: Path | None = None) -> tuple[EventData, DataReport]:
    """The leads and activities (and conversions, when given) as the bundle's model reads them: its declared
    extra columns, numbers as numbers where it was trained on numbers, through ``mapping`` or else the vendor
    mapping it was trained through, and slashed dates that show no order of their own in the order its
    training files showed."""
    config = bundle.feature_config
    mapping = bundle.input_mapping if mapping is None else mapping
    return load_event_data(leads, activities, conversions, mapping=mapping, extra_columns=config.extra_columns,
                           extra_numeric=[c for c in config.extra_columns if c not in config.extra_categorical],
                           date_order=bundle.info.get("date_order"))


def load_bundle_table(bundle: ScoringBundle, table: Path, with_outcome: bool = False,
                      ) -> tuple[pd.DataFrame, FlatData, DataReport]:
    """A flat table as a flat-mode model reads it: the model's features (catalogue order) indexed by the rows' ids,
    its numeric columns as numbers whatever the table holds, the columns its training left out dropped.
    ``with_outcome``: the model's outcome column is read too, as training read it (the same status values count
    as converted and as not decided yet), into :attr:`FlatData.outcomes`."""
    info = bundle.info
    outcome_values = (info.get("outcome_values") or {}) if with_outcome else {}
    flat, report = load_flat_table(table, label=info.get("label") if with_outcome else None,
                                   id_column=info.get("id_column"), drop=info.get("dropped", ()), for_training=False,
                                   converted=outcome_values.get("converted", ()),
                                   still_open=outcome_values.get("open", ()),
                                   numeric=[f.name for f in bundle.catalogue if not f.categorical])
    features = bundle.flat_features(flat.features, flat.comma_columns)
    features.index = pd.Index(flat.ids.to_numpy(), name=LEAD_ID)
    return features, flat, report
