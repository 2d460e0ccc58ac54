"""What HubSpot and Salesforce send us, read without a server: the v3 signature as HubSpot documents it, the
timestamp window, replays, a workflow's contact payload, an Outbound Message and the SOAP answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from crm.inbound import (
    OUTBOUND,
    SOAP_ENV,
    Refused,
    ReplayGuard,
    hubspot_properties,
    hubspot_signature,
    hubspot_uri,
    parse_outbound_message,
    soap_ack,
    soap_fault,
    verify_hubspot,
)
from features.mappings import map_records

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
URI = "https://scores.example.com/hooks/hubspot?portalId=62515"
BODY = b'{"properties":{"hs_object_id":"51"}}'
NOW = 1_764_950_400_000


def test_the_signature_is_base64_hmac_sha256_of_method_uri_body_and_timestamp():
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"POST" + URI.encode() + BODY + str(NOW).encode(),
                                         hashlib.sha256).digest()).decode()
    assert hubspot_signature(SECRET, "POST", URI, BODY, str(NOW)) == expected


def test_the_uri_is_signed_with_hubspots_escapes_decoded():
    assert hubspot_uri("https://x.io/hooks/hubspot?next=%2Fa%3Ab%40c%2cd%20e") == \
        "https://x.io/hooks/hubspot?next=/a:b@c,d%20e"  # %20 is not among the decoded escapes


def headers(signature: str, timestamp: int) -> dict[str, str]:
    return {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": str(timestamp)}


def test_a_genuine_request_within_five_minutes_passes():
    sent = NOW - 299_000
    signature = hubspot_signature(SECRET, "POST", URI, BODY, str(sent))
    assert verify_hubspot(SECRET, "POST", URI, BODY, headers(signature, sent), now_ms=NOW) == signature


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"body": b'{"properties":{"hs_object_id":"52"}}'}, "X-HubSpot-Signature-v3", "does not match"),
    ({"uri": URI.replace("62515", "1")}, "X-HubSpot-Signature-v3", "does not match"),
    ({"secret": "other"}, "X-HubSpot-Signature-v3", "does not match"),
    ({"sent": NOW - 301_000}, "X-HubSpot-Request-Timestamp", "301 s old"),
    ({"sent": NOW + 301_000}, "X-HubSpot-Request-Timestamp", "in the future"),
])
def test_a_changed_request_or_one_outside_the_window_is_401(change, field, says):
    sent = change.get("sent", NOW)
    signature = hubspot_signature(change.get("secret", SECRET), "POST", URI, BODY, str(sent))
    with pytest.raises(Refused) as refused:
        verify_hubspot(SECRET, "POST", change.get("uri", URI), change.get("body", BODY), headers(signature, sent),
                       now_ms=NOW)
    assert (refused.value.status, refused.value.field) == (401, field) and says in refused.value.message


def test_a_key_is_new_once_within_its_time_to_live(tmp_path):
    guard = ReplayGuard(tmp_path / "seen.db", ttl_s=600)
    assert guard.first_time("sig", now=0) and not guard.first_time("sig", now=599)
    assert guard.first_time("sig", now=1200)  # long forgotten: the timestamp check refuses such a request anyway


def test_guards_sharing_a_file_forget_only_their_own_keys(tmp_path):
    """HubSpot's guard forgets after 10 minutes, Salesforce's after 24 hours: in one table, HubSpot's clean-up
    forgot Salesforce's notifications, and a retry an hour later was scored again."""
    hubspot = ReplayGuard(tmp_path / "seen.db", ttl_s=600, name="hubspot")
    salesforce = ReplayGuard(tmp_path / "seen.db", ttl_s=24 * 3600, name="salesforce")
    assert salesforce.first_time("04l000000000001", now=0)
    assert hubspot.first_time("sig", now=3600)  # its clean-up runs an hour later
    assert not salesforce.first_time("04l000000000001", now=3600)  # still known: Salesforce's retry is acknowledged


def test_a_key_seen_by_one_worker_is_known_to_every_other_and_after_a_restart(tmp_path):
    """Each server worker process holds its own guard on the one file: a retry that reaches another worker, or
    comes after a redeploy (Salesforce retries for 24 hours), is acknowledged, not scored again. Claims race
    in real processes: exactly one of them wins each key."""
    import multiprocessing

    path = tmp_path / "seen.db"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        won = pool.starmap(_claim, [(str(path), f"04l{i % 25:012d}") for i in range(200)])
    assert sum(won) == 25  # 25 notifications, each sent 8 times across 4 processes: scored once each
    restarted = ReplayGuard(path, ttl_s=24 * 3600)
    assert not restarted.first_time("04l000000000003")
    restarted.forget(["04l000000000003"])  # its scoring failed: the retry is new again
    assert restarted.first_time("04l000000000003")


def _claim(path: str, key: str) -> bool:
    return ReplayGuard(Path(path), ttl_s=24 * 3600).first_time(key)


def test_a_legacy_workflow_payload_is_mapped_like_a_contacts_export():
    payload = {"vid": 51, "properties": {"createdate": {"value": "1709287200000"}, "numemployees": {"value": "25-50"},
                                         "hs_analytics_source": {"value": "PAID_SEARCH"}, "jobtitle": {"value": "CTO"}}}
    [lead] = map_records([hubspot_properties(payload)], "hubspot")
    assert lead == {"lead_id": "51", "created_at": "2024-03-01T10:00:00Z", "employee_count": 37.5,
                    "lead_source": "paid_search", "job_title": "CTO"}


def test_a_payload_that_is_no_contact_is_named():
    with pytest.raises(ValueError, match="one contact as a JSON object"):
        hubspot_properties([1, 2])


MESSAGE = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="{OUTBOUND}">
   <OrganizationId>00D5g000004ABCDEAU</OrganizationId>
   <ActionId>04k5g000000ABCDAA0</ActionId>
   <SessionId xsi:nil="true"/>
   <Notification>
    <Id>04l5g0000001AAA</Id>
    <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>00Q5g000001AAA1EAO</sf:Id>
     <sf:CreatedDate>2024-03-01T10:00:00.000Z</sf:CreatedDate>
     <sf:LeadSource>Purchased List</sf:LeadSource>
     <sf:NumberOfEmployees>120</sf:NumberOfEmployees>
     <sf:Phone xsi:nil="true"/>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>""".encode()


def test_an_outbound_message_gives_its_org_and_each_notifications_fields_mapped_like_a_lead_export():
    message = parse_outbound_message(MESSAGE)
    assert message.organization_id == "00D5g000004ABCDEAU"
    [(notification, fields)] = message.notifications
    assert notification == "04l5g0000001AAA" and "Phone" not in fields
    assert map_records([fields], "salesforce") == [{"lead_id": "00Q5g000001AAA1EAO",
                                                    "created_at": "2024-03-01T10:00:00.000Z",
                                                    "lead_source": "outbound", "employee_count": "120"}]


@pytest.mark.parametrize(("body", "says"), [(b"<oops", "not XML"), (b"<a/>", "notifications"),
                                            (MESSAGE.replace(b"00D5g000004ABCDEAU", b""), "OrganizationId")])
def test_what_is_not_an_outbound_message_is_named(body, says):
    with pytest.raises(ValueError, match=says):
        parse_outbound_message(body)


def test_the_ack_is_the_documented_envelope_and_a_fault_is_soap_1_1():
    root = ET.fromstring(soap_ack([{"lead_id": "00Q1", "score": 71, "reasons": ["Requested a demo <today>"]}]))
    assert root.findtext(f"{{{SOAP_ENV}}}Body/{{{OUTBOUND}}}notificationsResponse/{{{OUTBOUND}}}Ack") == "true"
    lead = next(root.iter("{urn:leadscore:hooks}lead"))
    assert lead.attrib == {"lead_id": "00Q1", "score": "71"} and lead[0].text == "Requested a demo <today>"
    fault = ET.fromstring(soap_fault("soapenv:Client", "wrong org")).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault.findtext("faultcode") == "soapenv:Client" and fault.findtext("faultstring") == "wrong org"
