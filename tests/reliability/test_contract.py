"""The API document is leadscore's, reachable without a token, and every response matches it."""

from __future__ import annotations

import httpx
import pytest

import serving.openapi

AS_OF = "2026-06-30T00:00:00Z"
ERROR_CODES = {"400", "401", "404", "413", "415", "503"}


@pytest.fixture(scope="module")
def document(server: str) -> dict:
    response = httpx.get(f"{server}/docs.json")  # no token: the document describes, it exposes no data
    assert response.status_code == 200
    return response.json()


def test_the_document_is_leadscores_not_bentomls(document: dict) -> None:
    info = document["info"]
    assert info["title"] == "leadscore" and info["version"] == serving.openapi.package_version() != "None"
    assert "BentoML" not in info["description"] and "contact" not in info
    assert {t["name"] for t in document["tags"]} == {"scoring", "model", "health"}
    assert set(document["paths"]) == {"/score", "/card", "/leads/{lead_id}/scores", "/model", "/livez", "/readyz",
                                      "/metrics"}


def test_every_data_route_needs_the_bearer_token_and_documents_every_error(document: dict) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "The service's API token."}
    for path in ("/score", "/card", "/model"):
        for operation in document["paths"][path].values():
            assert operation["security"] == [{"bearerAuth": []}]
            codes = set(operation["responses"])
            assert codes >= ({"401", "404", "503"} if path == "/model" else ERROR_CODES), path
            for code in codes - {"200"}:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    assert "Retry-After" in document["paths"]["/score"]["post"]["responses"]["503"]["headers"]


def test_a_lead_and_an_activity_are_typed_described_and_exemplified(document: dict) -> None:
    schemas = document["components"]["schemas"]
    lead, activity = schemas["Lead"]["properties"], schemas["Activity"]["properties"]
    contract = {"lead_id", "created_at", "lead_source", "email", "company", "industry", "employee_count",
                "annual_revenue", "country", "job_title", "activities"}
    assert contract <= set(lead) and {"occurred_at", "activity_type"} <= set(activity)
    for field in [*lead.values(), *activity.values()]:
        assert field["description"] and field["examples"] and "anyOf" in field
    # an amount may come as a number or as German/English text; the rulebook (features/values/) reads it
    assert {t.get("type") for t in lead["employee_count"]["anyOf"]} == {"integer", "number", "string", "null"}
    body = document["paths"]["/score"]["post"]["requestBody"]["content"]["application/json"]
    assert body["example"]["leads"][0]["annual_revenue"] == "12.500.000,00 €"


def test_the_swagger_page_health_and_metrics_need_no_token(server: str) -> None:
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assert httpx.get(f"{server}/livez").json() == {"status": "alive"}
    ready = httpx.get(f"{server}/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert httpx.get(f"{server}/metrics").status_code == 200
    assert httpx.get(f"{server}/model").status_code == 401


def test_the_example_request_of_the_document_is_scored(server: str, document: dict, auth: dict) -> None:
    example = document["paths"]["/score"]["post"]["requestBody"]["content"]["application/json"]["example"]
    body = httpx.post(f"{server}/score", json=example, headers=auth, timeout=30).json()
    assert body["scored"] == 1 and body["results"][0]["lead_id"] == "L-000123"
    # the German amount was read by the rulebook, not rejected by the schema: no warning about it
    assert body["results"][0]["warnings"] == []


def test_a_wrong_type_in_a_lead_is_a_400_naming_the_field(server: str, leads: list[dict], auth: dict) -> None:
    bad = [leads[0], {**leads[1], "employee_count": True}]
    response = httpx.post(f"{server}/score", json={"leads": bad}, headers=auth, timeout=30)
    assert response.status_code == 400
    body = response.json()
    assert body["error"].startswith("the request does not match the schema")
    assert {tuple(d["loc"][:4]) for d in body["detail"]} == {("body", "leads", 1, "employee_count")}


def test_a_card_for_an_unreadable_lead_is_a_422_json_naming_the_field(server: str, leads: list[dict],
                                                                       auth: dict) -> None:
    response = httpx.post(f"{server}/card", json={"leads": [{**leads[0], "created_at": "31.02.2025"}]},
                          headers=auth, timeout=30)
    assert response.status_code == 422 and response.headers["content-type"] == "application/json"
    assert response.json()["detail"][0]["loc"] == ["body", "leads", 0, "created_at"]
