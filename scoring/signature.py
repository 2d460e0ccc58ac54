"""The MLflow signature of the pyfunc model (:mod:`scoring.pyfunc`): what it takes and what it gives."""

from __future__ import annotations

from typing import Any

from mlflow.models import ModelSignature
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema
from mlflow.types.schema import AnyType

from features.contract import CREATED_AT, LEAD_COLUMNS, LEAD_ID

OUTPUT_COLUMNS = ("lead_id", "status", "probability", "score", "tier", "tier_conversion_rate", "grade", "base_score",
                  "fit_score", "engagement_score", "other_points", "reasons", "errors", "warnings")


def signature(bundle: Any) -> ModelSignature:
    """What the pyfunc takes and gives. Inputs are raw cells of any type (text as in a CSV export, numbers,
    timestamps), read by the same rules as a file's; only an event model's ``lead_id`` and ``created_at`` are
    required, every other field may be absent or empty. Outputs: one row per input row (:data:`OUTPUT_COLUMNS`)."""
    if bundle.mode == "flat":
        id_column = bundle.info.get("id_column") or "lead_id"
        names = [id_column, *(n for n in bundle.catalogue.names if n != id_column)]
        inputs = [ColSpec(AnyType(), name, required=False) for name in names]
    else:
        optional = [c for c in (*LEAD_COLUMNS, *bundle.feature_config.extra_columns) if c not in (LEAD_ID, CREATED_AT)]
        inputs = [ColSpec(AnyType(), LEAD_ID), ColSpec(AnyType(), CREATED_AT),
                  *(ColSpec(AnyType(), name, required=False) for name in optional),
                  ColSpec(AnyType(), "activities", required=False)]
    kinds = {"probability": "double", "tier_conversion_rate": "double", "score": "long", "base_score": "long",
             "fit_score": "long", "engagement_score": "long", "other_points": "long"}
    outputs = [ColSpec(kinds.get(name, "string"), name, required=name in ("status", "errors", "warnings"))
               for name in OUTPUT_COLUMNS]
    params = ParamSchema([ParamSpec("as_of", "string", ""), ParamSpec("lang", "string", "en"),
                          ParamSpec("top_k", "long", 5)])
    return ModelSignature(Schema(inputs), Schema(outputs), params)
