"""One real server (1 worker, small limits so that overload is cheap to reach) shared by the reliability
tests, called over HTTP as a CRM calls it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from serving.server import running_server

TOKEN = "reliability-token-3c9e"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_LEADS = 200
MAX_LEADS_IN_FLIGHT = 300


@pytest.fixture(scope="session")
def server_env(trained, crm_leads: list[dict], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cache = tmp_path_factory.mktemp("reliability-models")
    biggest = len(json.dumps({"leads": crm_leads[:MAX_LEADS]}))  # the scoring process holds one such body at a time
    return {"LEADSCORE_API_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": trained.tracking_uri,
            "LEADSCORE_MODEL_CACHE": str(cache), "LEADSCORE_MAX_LEADS": str(MAX_LEADS),
            "LEADSCORE_MAX_LEADS_IN_FLIGHT": str(MAX_LEADS_IN_FLIGHT), "LEADSCORE_MAX_BODY_BYTES": "2000000",
            "LEADSCORE_MAX_BIG_BYTES_IN_FLIGHT": str(int(1.5 * biggest))}


@pytest.fixture(scope="session")
def server(server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("reliability-log") / "server.log"
    with running_server(server_env, log_path=log) as url:
        yield url


@pytest.fixture(scope="session")
def leads(crm_leads: list[dict]) -> list[dict]:
    return crm_leads[:20]


@pytest.fixture(scope="session")
def auth() -> dict[str, str]:
    """The headers a CRM sends with every data request."""
    return dict(AUTH)
