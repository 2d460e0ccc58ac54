"""Shared fixtures: a small generated world, its files, and one model trained into a temporary MLflow store.

Training is the expensive step (~20 s), so one trained model serves every test that only reads it;
tests that change the registry (promotion, rollback, corruption) make their own store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from features.loading import EventData, load_event_data
from leadscore.synthetic import World, WorldConfig, generate_world, write_world
from scoring.bundle import ScoringBundle

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
os.environ.setdefault("OMP_NUM_THREADS", "2")

SMALL_WORLD = WorldConfig(n_leads=6_000, seed=3)


#: The machine's PostgreSQL (trust auth, database ``test``), running before every session and CI run.
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL server's URL, after one real connection; a test needing it is skipped, saying why, only
    when the server does not answer."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_SERVER, connect_args={"connect_timeout": 2})
        with engine.connect() as c:
            c.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 (database test) is not reachable: {type(exc).__name__}: "
                    f"{str(exc).splitlines()[0]}")
    return PG_SERVER


@pytest.fixture(scope="session", autouse=True)
def score_log_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Servers and batch runs started by tests record their scores in a temporary SQLite file, not in the
    checkout's ``scores.db`` (a test that looks at the log names its own)."""
    old = _set_env({"LEADSCORE_SCORE_DB": os.environ.get("LEADSCORE_SCORE_DB")
                    or f"sqlite:///{tmp_path_factory.mktemp('scorelog') / 'scores.db'}"})
    yield
    _restore_env(old)


@pytest.fixture(scope="session")
def small_world() -> World:
    return generate_world(SMALL_WORLD)


@pytest.fixture(scope="session")
def world_files(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_world(small_world, tmp_path_factory.mktemp("world"), "csv")


@pytest.fixture(scope="session")
def event_data(world_files: dict[str, Path]) -> EventData:
    data, _ = load_event_data(world_files["leads"], world_files["activities"], world_files["conversions"],
                              for_training=True)
    return data


@dataclass
class TrainedModel:
    tracking_uri: str
    run_id: str
    version: str
    metrics: dict[str, float]
    files: dict[str, Path]
    store: Path


def _set_env(values: dict[str, str]) -> dict[str, str | None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    return old


def _restore_env(old: dict[str, str | None]) -> None:
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def trained(world_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainedModel]:
    """One model trained on the small world, registered as champion in a temporary SQLite store."""
    from training.config import TrainConfig
    from training.run import train_from_files

    store = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{store / 'mlflow.db'}"
    old = _set_env({"MLFLOW_TRACKING_URI": uri})
    try:
        logged = train_from_files(world_files["leads"], world_files["activities"], world_files["conversions"],
                                  TrainConfig(search_count=1), truth=world_files["truth"], tracking_uri=uri,
                                  progress=lambda _: None)
        yield TrainedModel(uri, logged.run_id, logged.model_version, logged.metrics, world_files, store)
    finally:
        _restore_env(old)


@pytest.fixture(scope="session")
def bundle(trained: TrainedModel, tmp_path_factory: pytest.TempPathFactory) -> ScoringBundle:
    """The champion's scoring bundle, loaded the way serving loads it (verified)."""
    from serving.loader import load_model

    return load_model("models:/lead-scoring@champion", tmp_path_factory.mktemp("models"), trained.tracking_uri).bundle


@pytest.fixture(scope="session")
def as_of_end(small_world: World) -> pd.Timestamp:
    """The export moment of the small world (scoring 'now' for that world)."""
    return pd.Timestamp(SMALL_WORLD.end, tz="UTC")


CRM_LEADS = 200


@pytest.fixture(scope="session")
def crm_leads(event_data: EventData) -> list[dict]:
    """The small world's first :data:`CRM_LEADS` leads with their activities, as JSON records a CRM posts to
    ``/score``."""
    frame = event_data.leads.drop(columns=["source_row"]).head(CRM_LEADS)
    acts = event_data.activities
    by_lead = dict(list(acts[acts["lead_id"].isin(frame["lead_id"])].groupby("lead_id")))
    out = []
    for record in frame.to_dict(orient="records"):
        lead = {k: (v.isoformat() if isinstance(v, pd.Timestamp) else v) for k, v in record.items() if pd.notna(v)}
        mine = by_lead.get(record["lead_id"], acts.iloc[:0])
        lead["activities"] = [{"occurred_at": t.isoformat(), "activity_type": a}
                              for t, a in zip(mine["occurred_at"], mine["activity_type"], strict=True)]
        out.append(lead)
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files holding a test marked ``slow`` (over ~30 s) run first. ``make test`` deals whole files to its two
    workers in collection order (``--dist loadfile``); a long file dealt last kept one worker busy while the other
    had nothing left to do. The order within each file, and among the other files, stays as collected."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)
