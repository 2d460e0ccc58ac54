"""``leadscore demo``: the whole loop in about a minute, on the real components.

Generate a small world → train and register it in the project's MLflow store → start the BentoML
server on 127.0.0.1 with a fresh token → score one hot, one warm and one cold lead over HTTP →
print them → stop the server.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
from rich.console import Console
from rich.table import Table

from features.batch import LeadBatch
from features.contract import LEAD_ID
from features.loading import load_event_data
from leadscore.synthetic import WorldConfig, generate_world, write_world
from scoring.options import ScoringOptions
from scoring.registry import configure
from scoring.settings import MODEL_NAME, default_tracking_uri
from serving.config import ServeConfig
from serving.server import running_server
from training.config import TrainConfig
from training.run import train_from_files


def _records(leads: pd.DataFrame, activities: pd.DataFrame, ids: list[str]) -> list[dict]:
    """Leads as the CRM would post them: contract fields plus their activity list."""
    out = []
    for lead_id in ids:
        row = leads.loc[leads[LEAD_ID] == lead_id].drop(columns=["source_row"]).iloc[0]
        record = {k: (v.isoformat() if isinstance(v, pd.Timestamp) else v) for k, v in row.items() if pd.notna(v)}
        acts = activities.loc[activities[LEAD_ID] == lead_id]
        record["activities"] = [{"occurred_at": t.isoformat(), "activity_type": a}
                                for t, a in zip(acts["occurred_at"], acts["activity_type"], strict=True)]
        out.append(record)
    return out


def run_demo(leads: int, port: int, workdir: Path, say: Callable[[str], None] = print) -> list[dict]:
    """Run the demo; returns the three scored results (also printed as a table)."""
    tracking_uri = configure(default_tracking_uri())
    say(f"MLflow store: {tracking_uri} (open it with: mlflow ui --backend-store-uri {tracking_uri})")
    world = generate_world(WorldConfig(n_leads=leads, seed=7))
    paths = write_world(world, workdir, "csv")
    say(f"generated {leads:,} leads, {len(world.activities):,} activities, {len(world.conversions):,} "
        f"conversions → {workdir}/")
    logged = train_from_files(paths["leads"], paths["activities"], paths["conversions"], TrainConfig(),
                              truth=paths["truth"], progress=say)
    say(f"model v{logged.model_version}: ROC AUC {logged.metrics['roc_auc']:.3f}, ECE {logged.metrics['ece']:.4f}"
        f" — {logged.decision}")

    data, _ = load_event_data(paths["leads"], paths["activities"], None)
    from serving.loader import load_model

    loaded = load_model(f"models:/{MODEL_NAME}/{logged.model_version}", ServeConfig.from_env().cache_dir)
    as_of = pd.Timestamp(world.conversions["converted_at"].max()).ceil("D")
    features = loaded.bundle.features(LeadBatch.from_frames(data.leads, data.activities), as_of)
    options = ScoringOptions(as_of.to_pydatetime(), "en", 1)
    scored = loaded.bundle.score(features, options).frame(1).set_index(features.index)
    converted = set(world.conversions[LEAD_ID])
    scored = scored.loc[~scored.index.isin(converted)]
    ranked = scored.sort_values("score", ascending=False, kind="stable")
    warm = ranked.index[(ranked["tier"] == "warm").to_numpy()]
    picks = [ranked.index[0], warm[len(warm) // 2], ranked.index[-1]]  # the hottest, a middling warm, the coldest

    token = secrets.token_urlsafe(24)
    say(f"starting the API on 127.0.0.1 (bearer token for this run: {token})")
    env = {"LEADSCORE_API_TOKEN": token, "LEADSCORE_MODEL_URI": f"models:/{MODEL_NAME}/{logged.model_version}",
           "MLFLOW_TRACKING_URI": tracking_uri}
    with running_server(env, port or None) as url:
        response = httpx.post(f"{url}/score", headers={"Authorization": f"Bearer {token}"}, timeout=30,
                              json={"leads": _records(data.leads, data.activities, picks),
                                    "as_of": as_of.isoformat(), "lang": "en", "top_k": 3})
        response.raise_for_status()
        body = response.json()
    say("server stopped")

    table = Table("lead", "score", "tier", "grade", "P(convert in 90 d)", "top reasons", show_lines=True,
                  title=f"POST /score, model v{body['model_version']}, as of {as_of.date()}")
    for result in body["results"]:
        reasons = "\n".join(f"{r['points']:+d}  {r['text']}" for r in result["reasons"])
        table.add_row(result["lead_id"], str(result["score"]), result["tier"], result["grade"],
                      f"{result['probability']:.1%}", reasons)
    Console(width=120).print(table)
    return body["results"]
