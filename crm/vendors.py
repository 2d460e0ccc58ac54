"""The two CRMs' batch APIs: the request that updates a batch, the request that reads it back, and what
their answers mean per record.

* **HubSpot** CRM v3: ``POST /crm/v3/objects/contacts/batch/update`` with
  ``{"inputs": [{"id": ..., "properties": {...}}]}``, at most 100 inputs; 200 when all were updated, 207
  (multi-status) with ``results`` and ``errors`` (each naming its ids in ``context.ids``) when some were
  not. Read back with ``POST /crm/v3/objects/contacts/batch/read``. Property values are text.
* **Salesforce** sObject Collections (REST API, v42.0+): ``PATCH /services/data/vXX.X/composite/sobjects``
  with ``{"allOrNone": false, "records": [{"attributes": {"type": "Lead"}, "id": ..., field: value}]}``,
  at most 200 records; 200 with one SaveResult per record, in request order (``success``, ``errors`` with
  ``statusCode`` and ``message``). Read back with ``POST /services/data/vXX.X/composite/sobjects/Lead``
  (``{"ids": [...], "fields": [...]}``, ``null`` for an Id it cannot return).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm.fields import KEY, SCORE_FIELD, SCORED_AT_FIELD, Crm, LeadUpdate, parse_crm_datetime, record_values

HUBSPOT_URL = "https://api.hubapi.com"
HUBSPOT_BATCH_LIMIT = 100
SALESFORCE_BATCH_LIMIT = 200


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any


@dataclass
class Outcome:
    """What an answer says of each id sent: updated, failed (with the CRM's message) or unsent (the request
    was refused as a whole, nothing applied). Ids in none of the three stay in flight (read back later)."""

    updated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    unsent: list[str] = field(default_factory=list)


class RejectedBatch(Exception):
    """The CRM refused the whole request for a reason that sending it again would not change."""


class Api:
    """One CRM's batch endpoints under ``instance_url``."""

    crm: Crm
    batch_limit: int

    def __init__(self, instance_url: str) -> None:
        self.instance_url = instance_url.rstrip("/")

    def url(self, path: str) -> str:
        return self.instance_url + path

    def payload(self, update: LeadUpdate) -> dict[str, Any]:
        """The update's fields as the API takes them (the key left out)."""
        values = record_values(update, self.crm)
        del values[KEY[self.crm]]
        return values

    def update_request(self, updates: Sequence[LeadUpdate]) -> Request:
        raise NotImplementedError

    def update_outcome(self, status: int, body: Any, ids: Sequence[str]) -> Outcome:
        raise NotImplementedError

    def read_request(self, ids: Sequence[str]) -> Request:
        raise NotImplementedError

    def read_values(self, body: Any, ids: Sequence[str]) -> dict[str, tuple[float | None, datetime | None]]:
        """Each id's (score, scored_at) as the CRM holds it; ids it did not return are left out."""
        raise NotImplementedError

    def error_text(self, body: Any) -> str:
        raise NotImplementedError


class HubSpotApi(Api):
    crm: Crm = "hubspot"
    batch_limit = HUBSPOT_BATCH_LIMIT
    update_path = "/crm/v3/objects/contacts/batch/update"
    read_path = "/crm/v3/objects/contacts/batch/read"

    def update_request(self, updates: Sequence[LeadUpdate]) -> Request:
        return Request("POST", self.update_path,
                       {"inputs": [{"id": u.id, "properties": self.payload(u)} for u in updates]})

    def update_outcome(self, status: int, body: Any, ids: Sequence[str]) -> Outcome:
        sent = set(ids)
        outcome = Outcome()
        if status in (200, 201, 207):
            results = body.get("results", []) if isinstance(body, dict) else []
            outcome.updated = [str(r.get("id")) for r in results if isinstance(r, dict) and str(r.get("id")) in sent]
            for error in (body.get("errors", []) if isinstance(body, dict) else []):
                for record_id in _error_ids(error):
                    if record_id in sent and record_id not in outcome.updated:
                        outcome.failed[record_id] = _hubspot_message(error)
            return outcome
        if status == 400:  # refused as a whole; when it names the inputs at fault, the others go again
            errors = body.get("errors") if isinstance(body, dict) and body.get("errors") else [body]
            for error in errors:
                for record_id in _error_ids(error):
                    if record_id in sent:
                        outcome.failed[record_id] = _hubspot_message(error)
            if outcome.failed:
                outcome.unsent = [i for i in ids if i not in outcome.failed]
                return outcome
        raise RejectedBatch(self.error_text(body))

    def read_request(self, ids: Sequence[str]) -> Request:
        return Request("POST", self.read_path, {"properties": [SCORE_FIELD["hubspot"], SCORED_AT_FIELD["hubspot"]],
                                                "inputs": [{"id": i} for i in ids]})

    def read_values(self, body: Any, ids: Sequence[str]) -> dict[str, tuple[float | None, datetime | None]]:
        out = {}
        for result in (body.get("results", []) if isinstance(body, dict) else []):
            props = result.get("properties") or {}
            out[str(result.get("id"))] = (_number(props.get(SCORE_FIELD["hubspot"])),
                                          parse_crm_datetime(str(props.get(SCORED_AT_FIELD["hubspot"]) or "")))
        return out

    def error_text(self, body: Any) -> str:
        if isinstance(body, dict):
            return " ".join(str(body[k]) for k in ("category", "message") if body.get(k)) or str(body)[:300]
        return str(body)[:300]


def _error_ids(error: Any) -> list[str]:
    if not isinstance(error, dict):
        return []
    context = error.get("context") or {}
    ids = context.get("ids") or context.get("id") or ([error["id"]] if error.get("id") else [])
    return [str(i) for i in (ids if isinstance(ids, list) else [ids])]


def _hubspot_message(error: dict[str, Any]) -> str:
    return " ".join(str(error[k]) for k in ("category", "message") if error.get(k)) or "error"


class SalesforceApi(Api):
    crm: Crm = "salesforce"
    batch_limit = SALESFORCE_BATCH_LIMIT

    def __init__(self, instance_url: str, api_version: str) -> None:
        super().__init__(instance_url)
        self.base = f"/services/data/v{api_version}"

    def payload(self, update: LeadUpdate) -> dict[str, Any]:
        values: dict[str, Any] = super().payload(update)
        values[SCORE_FIELD["salesforce"]] = update.score  # a Number field takes a JSON number
        if not update.grade:  # no grade (nothing known of the lead's fit): null clears the picklist
            values["Lead_Grade__c"] = None
        return values

    def update_request(self, updates: Sequence[LeadUpdate]) -> Request:
        records = [{"attributes": {"type": "Lead"}, "id": u.id, **self.payload(u)} for u in updates]
        return Request("PATCH", f"{self.base}/composite/sobjects", {"allOrNone": False, "records": records})

    def update_outcome(self, status: int, body: Any, ids: Sequence[str]) -> Outcome:
        if status != 200 or not isinstance(body, list):
            raise RejectedBatch(self.error_text(body))
        outcome = Outcome()
        for record_id, result in zip(ids, body, strict=False):  # SaveResults come in request order
            if isinstance(result, dict) and result.get("success") is True:
                outcome.updated.append(record_id)
            elif isinstance(result, dict):
                outcome.failed[record_id] = "; ".join(
                    f"{e.get('statusCode', 'ERROR')}: {e.get('message', '')}".strip()
                    for e in result.get("errors") or [{}])
        return outcome

    def read_request(self, ids: Sequence[str]) -> Request:
        return Request("POST", f"{self.base}/composite/sobjects/Lead",
                       {"ids": list(ids), "fields": ["Id", SCORE_FIELD["salesforce"], SCORED_AT_FIELD["salesforce"]]})

    def read_values(self, body: Any, ids: Sequence[str]) -> dict[str, tuple[float | None, datetime | None]]:
        out = {}
        for record_id, record in zip(ids, body if isinstance(body, list) else [], strict=False):
            if isinstance(record, dict):
                out[record_id] = (_number(record.get(SCORE_FIELD["salesforce"])),
                                  parse_crm_datetime(str(record.get(SCORED_AT_FIELD["salesforce"]) or "")))
        return out

    def error_text(self, body: Any) -> str:
        if isinstance(body, list) and body and isinstance(body[0], dict):
            return "; ".join(f"{e.get('errorCode', 'ERROR')}: {e.get('message', '')}" for e in body[:3])
        return str(body)[:300]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def make_api(crm: Crm, instance_url: str | None, salesforce_api_version: str) -> Api:
    """The API of ``crm``; HubSpot's instance defaults to ``https://api.hubapi.com``, Salesforce's is the
    org's My Domain URL (``https://example.my.salesforce.com``) and must be given."""
    if crm == "hubspot":
        return HubSpotApi(instance_url or HUBSPOT_URL)
    if not instance_url:
        raise ValueError("Salesforce needs --instance-url, the org's My Domain URL "
                         "(https://yourcompany.my.salesforce.com)")
    return SalesforceApi(instance_url, salesforce_api_version)

