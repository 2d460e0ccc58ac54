"""The CRM webhooks on the real BentoML server, called over HTTP as HubSpot and Salesforce call them: signed,
timed and replayed HubSpot requests; Salesforce Outbound Messages from the right org, the wrong one, and again."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from crm.inbound import OUTBOUND, SCORES_NAMESPACE, SOAP_ENV, hubspot_signature
from serving.server import running_server

TOKEN = "hooks-token-1"
SECRET = "hubspot-client-secret-3b1e"
ORG_ID = "00D5g000004ABCDEA4"  # a valid 18-character Id (its checksum fits its case)


@pytest.fixture(scope="module")
def server(trained, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cache = tmp_path_factory.mktemp("models")
    env = {"LEADSCORE_API_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": trained.tracking_uri,
           "LEADSCORE_MODEL_CACHE": str(cache), "LEADSCORE_HUBSPOT_CLIENT_SECRET": SECRET,
           "LEADSCORE_SALESFORCE_ORG_ID": ORG_ID[:15],  # the admin copied the 15-character form
           "LEADSCORE_HOME": str(cache)}  # its own project folder: the webhook keys it has seen start empty
    with running_server(env, log_path=cache / "server.log") as url:
        yield url


def contact(lead: dict) -> dict:
    """A world lead as a HubSpot workflow sends it: internal property names, employee range, epoch millis."""
    created_ms = int(datetime.fromisoformat(lead["created_at"]).timestamp() * 1000)
    properties = {"hs_object_id": lead["lead_id"], "createdate": str(created_ms), "firstname": "Anna",
                  "email": lead.get("email"), "company": lead.get("company"), "jobtitle": lead.get("job_title"),
                  "industry": lead.get("industry"), "country": lead.get("country"),
                  "hs_analytics_source": lead.get("lead_source"), "annualrevenue": lead.get("annual_revenue"),
                  "numemployees": f"{lead['employee_count']:.0f}" if "employee_count" in lead else None}
    return {"properties": {k: {"value": v} for k, v in properties.items() if v is not None}}


def post_hubspot(url: str, body: bytes, *, secret: str = SECRET, age_ms: int = 0, signature: str | None = None,
                 timestamp: str | None = None) -> httpx.Response:
    uri = f"{url}/hooks/hubspot?portalId=62515"
    timestamp = timestamp or str(int(time.time() * 1000) - age_ms)
    signature = signature or hubspot_signature(secret, "POST", uri, body, timestamp)
    return httpx.post(uri, content=body, timeout=30, headers={
        "Content-Type": "application/json", "X-HubSpot-Signature-v3": signature,
        "X-HubSpot-Request-Timestamp": timestamp})


def test_a_signed_hubspot_contact_is_scored_like_the_same_lead_sent_to_score(server, crm_leads):
    lead = next(lead for lead in crm_leads if lead.get("company") and lead.get("lead_source"))
    response = post_hubspot(server, json.dumps(contact(lead)).encode())

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["lead_id"] == lead["lead_id"] and answer["status"] == "ok"
    assert answer["tier"] in {"hot", "warm", "cold"} and answer["grade"] in {"A", "B", "C", "D"}
    assert answer["stage"] in {"sql_ready", "mql", "nurture", "lead"} and answer["reasons"]
    # the same lead in the contract's words (no activities: a contact webhook carries none)
    plain = {k: v for k, v in lead.items() if k != "activities"}
    direct = httpx.post(f"{server}/score", json={"leads": [plain]}, timeout=30,
                        headers={"Authorization": f"Bearer {TOKEN}"}).json()["results"][0]
    assert answer["probability"] == pytest.approx(direct["probability"], abs=1e-4)
    assert answer["score"] == direct["score"]


def test_hubspot_refusals_are_401_with_the_header_named_never_500(server, crm_leads):
    body = json.dumps(contact(crm_leads[1])).encode()
    cases = {
        "wrong secret": post_hubspot(server, body, secret="not-the-secret"),
        "tampered body": post_hubspot(server, body, signature=post_hubspot_signature(server, b"{}")),
        "six minutes old": post_hubspot(server, body, age_ms=6 * 60 * 1000),
        "no timestamp": post_hubspot(server, body, timestamp="soon"),
    }
    for case, response in cases.items():
        assert response.status_code == 401, (case, response.text)
        [detail] = response.json()["detail"]
        assert detail["loc"][0] == "header" and detail["loc"][1].startswith("X-HubSpot-"), case


def post_hubspot_signature(url: str, body: bytes) -> str:
    timestamp = str(int(time.time() * 1000))
    return hubspot_signature(SECRET, "POST", f"{url}/hooks/hubspot?portalId=62515", body, timestamp)


def test_a_replayed_hubspot_request_is_refused_and_a_four_minute_old_one_accepted(server, crm_leads):
    body = json.dumps(contact(crm_leads[2])).encode()
    timestamp = str(int(time.time() * 1000) - 4 * 60 * 1000)
    first = post_hubspot(server, body, timestamp=timestamp)
    again = post_hubspot(server, body, timestamp=timestamp)
    assert first.status_code == 200, first.text
    assert again.status_code == 401 and "replayed" in again.json()["error"]


def test_a_hubspot_contact_that_cannot_be_scored_is_422_naming_the_field(server):
    response = post_hubspot(server, json.dumps({"properties": {"hs_object_id": "77", "email": "x@y.de"}}).encode())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "created_at"
    assert post_hubspot(server, b"[1, 2]").status_code == 422
    # what /score's schema refuses a contact property refuses too, in the one error body, naming the property
    for value in ('{"a": [1, 2]}', '["a", "b"]', "NaN"):
        body = f'{{"properties": {{"hs_object_id": "78", "createdate": "1709287200000", "industry": {value}}}}}'
        refused = post_hubspot(server, body.encode())
        assert refused.status_code == 422, (value, refused.text)
        assert "property 'industry'" in refused.json()["detail"][0]["msg"]
        assert set(refused.json()) == {"error", "detail"} and set(refused.json()["detail"][0]) == {"loc", "msg", "type"}
    wrong = [httpx.get(f"{server}/hooks/hubspot", timeout=30), httpx.post(f"{server}/hooks/nope", timeout=30)]
    assert [r.status_code for r in wrong] == [405, 404]
    assert [r.json() for r in wrong] == [{"error": "Method Not Allowed", "detail": []},
                                         {"error": "Not Found", "detail": []}]


def test_a_converted_hubspot_contact_is_left_unscored_as_in_a_score_file(server, crm_leads):
    """A customer is no lead to call: a contact whose opportunity date has passed gets the score file's error,
    naming HubSpot's property; one whose date is still ahead is scored."""
    lead = crm_leads[6]
    body = contact(lead)
    body["properties"]["hs_lifecyclestage_opportunity_date"] = {"value": "1709303400000"}  # 2024-03-01 14:30 UTC
    converted = post_hubspot(server, json.dumps(body).encode())
    assert converted.status_code == 422
    assert converted.json() == {"lead_id": lead["lead_id"], "status": "error", "errors": [
        {"field": "hs_lifecyclestage_opportunity_date",
         "message": "lead converted at 2024-03-01T14:30:00+00:00, by as_of: not scored"}]}
    body["properties"]["hs_lifecyclestage_opportunity_date"] = {"value": str(int(time.time() * 1000) + 86_400_000)}
    assert post_hubspot(server, json.dumps(body).encode()).status_code == 200


def outbound_message(org: str, notifications: list[tuple[str, dict]]) -> bytes:
    items = "".join(
        f"<Notification><Id>{nid}</Id><sObject xsi:type=\"sf:Lead\" "
        f"xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\">"
        + "".join(f"<sf:{k}>{v}</sf:{k}>" for k, v in fields.items())
        + "<sf:Phone xsi:nil=\"true\"/></sObject></Notification>"
        for nid, fields in notifications)
    return (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" '
            f'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<soapenv:Body><notifications xmlns="{OUTBOUND}"><OrganizationId>{org}</OrganizationId>'
            f'<ActionId>04k5g000000ABCDAA0</ActionId><SessionId xsi:nil="true"/>'
            f'<EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/60.0/00D5g000004ABCD</EnterpriseUrl>'
            f'{items}</notifications></soapenv:Body></soapenv:Envelope>').encode()


def sf_lead(lead: dict) -> dict:
    """A world lead as an Outbound Message's Lead fields (15-character-looking world ids are kept as they are)."""
    fields = {"Id": lead["lead_id"], "CreatedDate": lead["created_at"].replace("+00:00", ".000Z"),
              "Company": lead.get("company"), "Title": lead.get("job_title"), "Email": lead.get("email"),
              "Industry": lead.get("industry"), "CountryCode": lead.get("country"),
              "LeadSource": lead.get("lead_source"), "AnnualRevenue": lead.get("annual_revenue"),
              "IsConverted": "false"}
    return {k: v for k, v in fields.items() if v is not None}


def post_salesforce(url: str, body: bytes) -> httpx.Response:
    return httpx.post(f"{url}/hooks/salesforce", content=body, timeout=30,
                      headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})


def acked_scores(response: httpx.Response) -> list[dict]:
    root = ET.fromstring(response.content)
    assert root.findtext(f"{{{SOAP_ENV}}}Body/{{{OUTBOUND}}}notificationsResponse/{{{OUTBOUND}}}Ack") == "true"
    return [dict(lead.attrib) for lead in root.iter(f"{{{SCORES_NAMESPACE}}}lead")]


def test_an_outbound_message_is_acked_scored_and_a_repeated_notification_not_scored_again(server, crm_leads):
    leads = [crm_leads[3], crm_leads[4]]
    body = outbound_message(ORG_ID, [("04l5g0000001AAA", sf_lead(leads[0])), ("04l5g0000001AAB", sf_lead(leads[1]))])

    first = post_salesforce(server, body)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/xml")
    scored = acked_scores(first)
    assert [s["lead_id"] for s in scored] == [lead["lead_id"] for lead in leads]
    assert all(s["status"] == "ok" and 0 <= int(s["score"]) <= 100 and s["stage"] for s in scored)

    retry = post_salesforce(server, body)  # Salesforce did not see the Ack and sends the same notifications
    assert retry.status_code == 200
    assert acked_scores(retry) == [{"notification": "04l5g0000001AAA", "status": "duplicate"},
                                   {"notification": "04l5g0000001AAB", "status": "duplicate"}]


def test_a_converted_salesforce_lead_is_acked_unscored_beside_one_that_is_scored(server, crm_leads):
    converted = {**sf_lead(crm_leads[7]), "IsConverted": "true", "ConvertedDate": "2024-03-01"}
    body = outbound_message(ORG_ID, [("04l5g0000001CCA", converted), ("04l5g0000001CCB", sf_lead(crm_leads[8]))])

    response = post_salesforce(server, body)
    scored = acked_scores(response)

    assert [s["lead_id"] for s in scored] == [crm_leads[7]["lead_id"], crm_leads[8]["lead_id"]]
    assert scored[0]["status"] == "error" and "score" not in scored[0]
    errors = [e.text for e in ET.fromstring(response.content).iter(f"{{{SCORES_NAMESPACE}}}error")]
    assert errors == ["ConvertedDate: lead converted at 2024-03-01T00:00:00+00:00, by as_of: not scored"]
    assert scored[1]["status"] == "ok" and 0 <= int(scored[1]["score"]) <= 100


def test_an_outbound_message_from_another_org_is_a_403_soap_fault(server, crm_leads):
    body = outbound_message("00D5g000009ZZZZEAA", [("04l5g0000001ZZZ", sf_lead(crm_leads[5]))])
    response = post_salesforce(server, body)
    assert response.status_code == 403
    fault = ET.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault.findtext("faultcode") == "soapenv:Client" and "OrganizationId" in fault.findtext("faultstring")


def test_a_body_that_is_not_an_outbound_message_is_a_400_soap_fault(server):
    for body in (b"<not-closed", b"<a/>", b'{"json": true}'):
        response = post_salesforce(server, body)
        assert response.status_code == 400, response.text
        assert b"faultstring" in response.content


def test_the_bearer_token_still_guards_everything_else(server):
    assert httpx.post(f"{server}/score", json={"leads": []}, timeout=10).status_code == 401
