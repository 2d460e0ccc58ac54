"""A lead carries the documented fields and, beyond them, only those the served model was trained on: a field
the model never saw is refused (400, the field named) instead of being silently ignored, and ``/model`` and
``/docs.json`` name the extra fields the model reads. Checked against two real servers: the suite's model (no
extra columns) and one trained with an extra column (``leadscore train --extra crm_rating``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import numpy as np
import pandas as pd
import pytest

from serving.server import running_server
from training.config import TrainConfig
from training.run import train_from_files

AS_OF = "2026-06-30T00:00:00Z"
EXTRA = "crm_rating"
QUICK = dataclasses.replace(TrainConfig(), search=False,
                            booster=dataclasses.replace(TrainConfig().booster, n_estimators=60, n_jobs=1))


@pytest.fixture(scope="module")
def extra_server(trained, server_env: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service serving a model trained with the extra lead column ``crm_rating`` (a number a CRM keeps)."""
    folder = tmp_path_factory.mktemp("extra-model")
    leads = pd.read_csv(trained.files["leads"])
    # a rating the sales team gives: somewhat higher for leads that went on to convert (a weak, honest signal)
    rng = np.random.default_rng(7)
    converted = leads["lead_id"].isin(pd.read_csv(trained.files["conversions"])["lead_id"]).to_numpy()
    leads[EXTRA] = np.clip(rng.integers(1, 5, len(leads)) + (converted & (rng.random(len(leads)) < 0.5)), 1, 5)
    leads.to_csv(folder / "leads.csv", index=False)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    config = dataclasses.replace(QUICK, features=dataclasses.replace(QUICK.features, extra_columns=(EXTRA,)))
    train_from_files(folder / "leads.csv", trained.files["activities"], trained.files["conversions"], config,
                     tracking_uri=uri, progress=lambda _: None)
    env = {**server_env, "MLFLOW_TRACKING_URI": uri, "LEADSCORE_MODEL_CACHE": str(folder / "models")}
    with running_server(env, log_path=folder / "server.log") as url:
        yield url


def _post(url: str, path: str, leads: list[dict], auth: dict) -> httpx.Response:
    return httpx.post(f"{url}{path}", json={"leads": leads, "as_of": AS_OF}, headers=auth, timeout=60)


def _refused_fields(response: httpx.Response) -> list[list]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"].startswith("the request does not match the schema")
    assert {d["type"] for d in body["detail"]} == {"extra_forbidden"}
    assert all("not trained on it" in d["msg"] for d in body["detail"])
    return [d["loc"] for d in body["detail"]]


@pytest.mark.parametrize("size", [2, 40], ids=["small request (on the event loop)", "batch (in a worker thread)"])
def test_a_field_the_model_was_not_trained_on_is_refused_by_name(server: str, leads: list[dict], auth: dict,
                                                                 size: int) -> None:
    batch = [dict(lead) for lead in (leads * 2)[:size]]
    batch[1]["anual_revenue"] = "1.200.000"  # a CRM's typo: it would have been ignored without a word
    batch[-1][EXTRA] = 4  # the suite's model has no extra columns
    assert _refused_fields(_post(server, "/score", batch, auth)) == [
        ["body", "leads", 1, "anual_revenue"], ["body", "leads", size - 1, EXTRA]]
    # the same leads without those fields are scored
    clean = [{k: v for k, v in lead.items() if k not in ("anual_revenue", EXTRA)} for lead in batch]
    assert _post(server, "/score", clean, auth).status_code == 200


def test_the_card_refuses_an_unknown_field_too(server: str, leads: list[dict], auth: dict) -> None:
    assert _refused_fields(_post(server, "/card", [{**leads[0], EXTRA: 4}], auth)) == [
        ["body", "leads", 0, EXTRA]]


def test_without_extra_columns_the_model_and_the_document_allow_no_other_field(server: str, auth: dict) -> None:
    assert httpx.get(f"{server}/model", headers=auth).json()["extra_fields"] == {}
    lead = httpx.get(f"{server}/docs.json").json()["components"]["schemas"]["Lead"]
    assert lead["additionalProperties"] is False and EXTRA not in lead["properties"]


def test_a_model_trained_on_an_extra_column_takes_it_and_names_it(extra_server: str, leads: list[dict],
                                                                  auth: dict) -> None:
    model = httpx.get(f"{extra_server}/model", headers=auth).json()
    assert model["extra_fields"] == {EXTRA: "number"}
    assert EXTRA in model["features"]
    lead_schema = httpx.get(f"{extra_server}/docs.json").json()["components"]["schemas"]["Lead"]
    assert lead_schema["additionalProperties"] is False and EXTRA in lead_schema["properties"]
    # the extra field is taken, and read: the model scores the same lead differently with another rating
    scores = {}
    for rating in (1, 5):
        response = _post(extra_server, "/score", [{**leads[0], EXTRA: rating}], auth)
        assert response.status_code == 200, response.text
        result = response.json()["results"][0]
        assert result["status"] == "ok" and not result["warnings"], result
        scores[rating] = result["probability"]
    assert scores[1] != scores[5], "the model was trained on crm_rating: its value must reach the model"
    # any other field is still refused, by name
    assert _refused_fields(_post(extra_server, "/score", [{**leads[0], EXTRA: 3, "crm_score": 80}], auth)) == [
        ["body", "leads", 0, "crm_score"]]
