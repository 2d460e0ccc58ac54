"""The MLflow pyfunc face of the scoring bundle (logged as *models from code*, so MLflow pickles nothing).

``mlflow.pyfunc.load_model("models:/lead-scoring@champion").predict(df)`` scores raw leads: ``df`` has the
contract's lead columns and, in event mode, an optional ``activities`` column holding each lead's
activities as a list (or its JSON text) of ``{"occurred_at": ..., "activity_type": ...}``. ``params`` may
carry ``as_of`` (ISO timestamp, default now), ``lang`` (``en``/``de``) and ``top_k``. Rows are read by the
same rules as a file and the API (:mod:`scoring.requests`): every input row gives one output row, with
``status`` ``ok`` and the score, or ``error`` and ``errors``. The bundle's checksum, recorded in the
MLmodel's ``model_config``, is verified before it is unpickled.
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
        options = ScoringOptions(as_of, params.get("lang") or "en", int(params.get("top_k", 5))).resolved()
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
