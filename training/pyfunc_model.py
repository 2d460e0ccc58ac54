"""The MLflow pyfunc face of the scoring bundle (logged as *models from code*, so MLflow pickles nothing).

``mlflow.pyfunc.load_model("models:/lead-scoring@champion").predict(df)`` scores raw leads: ``df`` has
the contract's lead columns and, in event mode, an optional ``activities`` column holding each lead's
activities as a JSON list of ``{"occurred_at": ..., "activity_type": ...}``. ``params`` may carry
``as_of`` (ISO timestamp, default now), ``lang`` (``en``/``de``) and ``top_k``. The bundle's checksum,
recorded in the MLmodel's ``model_config``, is verified before it is unpickled.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import mlflow
import pandas as pd

from training.artifacts import load_bundle


class LeadScoringModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.bundle = load_bundle(context.artifacts["bundle"], context.model_config["bundle_sha256"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        params = params or {}
        as_of = params.get("as_of") or datetime.now(UTC).isoformat()
        lang = params.get("lang", "en")
        top_k = int(params.get("top_k", 5))
        frame = pd.DataFrame(model_input)
        if self.bundle.mode == "flat":
            results = self.bundle.results(self.bundle.flat_features(frame), lang, top_k)
        else:
            results = []
            for record in frame.to_dict(orient="records"):
                raw = record.pop("activities", None)
                activities = json.loads(raw) if isinstance(raw, str) and raw else []
                results.append(self.bundle.score_lead(record, activities, as_of, lang, top_k))
        out = pd.DataFrame(results)
        out["reasons"] = out["reasons"].map(lambda r: json.dumps(r, ensure_ascii=False))
        return out


mlflow.models.set_model(LeadScoringModel())
