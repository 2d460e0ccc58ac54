"""An event-mode export read as a model reads it: what scoring, explaining, monitoring and shadow scoring of files
share, so that a later export of the same CRM is read the way the model's training files were."""

from __future__ import annotations

from pathlib import Path

from features.loading import DataReport, EventData, load_event_data
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
