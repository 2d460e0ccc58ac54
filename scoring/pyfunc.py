"""The MLflow pyfunc face of the scoring bundle (logged as *models from code*, so MLflow pickles nothing).

``mlflow.pyfunc.load_model("models:/lead-scoring@champion").predict(df)`` scores raw leads: ``df`` has the
contract's lead columns and, in event mode, an optional ``activities`` column holding each lead's
activities as a list (or its JSON text) of ``{"occurred_at": ..., "activity_type": ...}``. An event model
requires only ``lead_id`` and ``created_at``, a flat model nothing (:mod:`scoring.signature`); a missing
column is a field the CRM left empty. ``params`` may carry ``as_of`` (ISO timestamp, default now), ``lang``
(``en``/``de``) and ``top_k``. Rows are read by the same rules as a file and the API (:mod:`scoring.requests`):
every input row gives one output row, with its ``lead_id``, ``status`` ``ok`` and the score, or ``error`` and
``errors``. The bundle's checksum,
recorded in the MLmodel's ``model_config``, is verified before it is unpickled.

The logged model needs no leadscore checkout: it carries this package and ``features`` in its ``code/``
folder and pins, in its ``requirements.txt``, the versions of every library they import
(:mod:`training.environment`), so this module and what it imports must never import ``training``,
``serving`` or ``leadscore``. Outside leadscore::

    pip install -r requirements.txt   # the model folder's: mlflow.pyfunc.get_model_dependencies(uri) gives it
    >>> model = mlflow.pyfunc.load_model("models:/lead-scoring@champion")
    >>> model.predict(pd.DataFrame({"lead_id": ["L1"], "created_at": ["2026-06-01"]}), params={"lang": "de"})
    mlflow models serve -m models:/lead-scoring@champion -p 5001 --env-manager local   # or uv: MLflow builds the env
    curl -X POST localhost:5001/invocations -H 'Content-Type: application/json' -d '{"dataframe_split":
         {"columns": ["lead_id", "created_at"], "data": [["L1", "2026-06-01"]]}, "params": {"lang": "de"}}'

On Databricks (``MLFLOW_TRACKING_URI=databricks``) a registered version can back a Model Serving endpoint
(it installs ``requirements.txt``) or a Spark UDF (``mlflow.pyfunc.spark_udf(spark, uri)``, output columns
from the signature); neither is exercised by leadscore's tests.
"""

from __future__ import annotations

import json
from typing import Any

import mlflow
import pandas as pd

from scoring.artifacts import load_bundle
from scoring.options import ScoringOptions
from scoring.requests import score_records
from scoring.signature import OUTPUT_COLUMNS


class LeadScoringModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context: Any) -> None:
        self.bundle = load_bundle(context.artifacts["bundle"], context.model_config["bundle_sha256"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        params = params or {}
        as_of = pd.Timestamp(params["as_of"]).to_pydatetime() if params.get("as_of") else None
        options = ScoringOptions(as_of, params.get("lang") or "en", int(params.get("top_k", 5))).resolved(
            self.bundle.time_zone)
        records = [_record(row) for row in pd.DataFrame(model_input).to_dict(orient="records")]
        rows = []
        for outcome in score_records(self.bundle, records, options):
            row: dict[str, Any] = {"lead_id": outcome.lead_id, "status": outcome.status, **(outcome.result or {})}
            row["reasons"] = json.dumps(row.get("reasons", []), ensure_ascii=False)
            row["errors"] = json.dumps([vars(e) for e in outcome.errors], ensure_ascii=False)
            row["warnings"] = json.dumps([vars(w) for w in outcome.warnings], ensure_ascii=False)
            rows.append(row)
        return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def _record(row: dict[str, Any]) -> dict[str, Any]:
    """A DataFrame row as a lead record: missing cells left out, activities given as JSON text parsed."""
    record = {k: v for k, v in row.items() if not (v is None or (isinstance(v, float) and v != v))}
    activities = record.get("activities")
    if isinstance(activities, str):
        try:
            record["activities"] = json.loads(activities) if activities.strip() else []
        except json.JSONDecodeError:
            record["activities"] = activities  # read_records names it: "expected a list of activities"
    return record


mlflow.models.set_model(LeadScoringModel())
