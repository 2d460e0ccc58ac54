"""Local stand-ins for the Salesforce and HubSpot APIs: real HTTP servers on 127.0.0.1 that check what the
real ones check (path and API version, method, bearer token, JSON content type, batch limits, field names,
picklist values, lengths, record ids) and answer in their documented shapes.

Each records every update it applied (:attr:`FakeCrm.applied` counts per record id) and every request it
saw, and plays scripted faults on the n-th update request: ``429`` (with ``Retry-After``), ``503``, a
connection dropped before or after applying, or a response held back (after applying, or before dropping)
until the test releases it, so a test can kill the client while a batch is in flight.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crm.stages import DEFAULT_RULES

SF_FIELDS = {"Lead_Score__c", "Lead_Tier__c", "Lead_Grade__c", "Lead_Score_Reasons__c", "Lead_Score_Model__c",
             "Lead_Scored_At__c", "Lead_Stage_Suggested__c"}
HS_PROPERTIES = {"leadscore_score", "leadscore_tier", "leadscore_grade", "leadscore_reasons", "leadscore_model",
                 "leadscore_scored_at", "leadscore_stage"}
TIERS, GRADES = {"hot", "warm", "cold"}, {"A", "B", "C", "D"}
SF_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class Fault:
    """What the fake does to one update request: ``429`` / ``503`` (answered, nothing applied),
    ``cut`` (the connection closed halfway through reading the request),
    ``drop_before`` / ``drop_after`` (connection closed without an answer, before / after applying),
    ``hold_after`` (applied, answer held until released), ``hold_drop`` (held unapplied, then dropped)."""

    kind: str
    retry_after: str | None = None


@dataclass
class Seen:
    at: float
    kind: str  # "update" or "read"
    items: int
    status: int | str
    wall: float = field(default_factory=time.time)


@dataclass
class FakeCrm:
    crm: str
    token: str
    ids: set[str]
    faults: dict[int, Fault] = field(default_factory=dict)
    stages: frozenset[str] = frozenset(DEFAULT_RULES.names)
    hubspot_missing_as_400: bool = False
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    applied: Counter = field(default_factory=Counter)
    seen: list[Seen] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    update_requests: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, as from a real server

            def do_POST(self) -> None:
                fake._handle(self)

            def do_PATCH(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def requests_of(self, kind: str) -> list[Seen]:
        return [s for s in self.seen if s.kind == kind]

    def __enter__(self) -> FakeCrm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- request handling -------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        route = self._route(h.command, h.path)
        authorised = h.headers.get("Authorization") == f"Bearer {self.token}"
        fault = None
        if route == "update" and authorised:
            with self._lock:
                self.update_requests += 1
                fault = self.faults.get(self.update_requests)
        if fault and fault.kind == "cut":
            h.rfile.read(length // 2)  # half the request arrived, then the connection broke
            return self._drop(h, route)
        raw = h.rfile.read(length) if length else b""
        if not authorised:
            return self._answer(h, 401, self._auth_error(), "auth")
        if route is None:
            return self._answer(h, 404, self._error("NOT_FOUND", f"no route {h.command} {h.path}"), "unknown")
        if not (h.headers.get("Content-Type") or "").startswith("application/json"):
            self.violations.append(f"content type {h.headers.get('Content-Type')!r}")
            return self._answer(h, 415, self._error("UNSUPPORTED_MEDIA_TYPE", "send application/json"), route)
        try:
            body = json.loads(raw)
        except ValueError:
            self.violations.append("body is not JSON")
            return self._answer(h, 400, self._error("JSON_PARSER_ERROR", "not JSON"), route)
        if route == "read":
            return self._read(h, body)
        if fault and fault.kind in ("429", "503"):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self._answer(h, int(fault.kind), self._error("RATE_LIMIT" if fault.kind == "429" else
                                                                "SERVER_ERROR", "try again"), route, headers)
        if fault and fault.kind in ("drop_before", "hold_drop"):
            if fault.kind == "hold_drop":
                self.held.set()
                self.release.wait(30)
            return self._drop(h, route)
        status, answer = self._update(body)
        if fault and fault.kind == "drop_after":
            return self._drop(h, route)
        if fault and fault.kind == "hold_after":
            self.held.set()
            self.release.wait(30)
        with contextlib.suppress(OSError):  # the client may be gone
            self._answer(h, status, answer, route)

    def _route(self, method: str, path: str) -> str | None:
        if self.crm == "hubspot":
            return {("POST", "/crm/v3/objects/contacts/batch/update"): "update",
                    ("POST", "/crm/v3/objects/contacts/batch/read"): "read"}.get((method, path))
        match = re.fullmatch(r"/services/data/v(\d+)\.(\d+)/composite/sobjects(/Lead)?", path)
        if not match or int(match.group(1)) < 42:  # sObject Collections exist from v42.0
            return None
        if match.group(3) and method == "POST":
            return "read"
        return "update" if not match.group(3) and method == "PATCH" else None

    def _answer(self, h: BaseHTTPRequestHandler, status: int, body: Any, kind: str,
                headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        items = len(body) if isinstance(body, list) else len(body.get("results", [])) if isinstance(body, dict) else 0
        self.seen.append(Seen(time.monotonic(), kind, items, status))
        h.send_response(status)
        h.send_header("Content-Type", "application/json;charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(data)

    def _drop(self, h: BaseHTTPRequestHandler, kind: str) -> None:
        self.seen.append(Seen(time.monotonic(), kind, 0, "dropped"))
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.shutdown(socket.SHUT_RDWR)

    def _error(self, code: str, message: str) -> Any:
        if self.crm == "salesforce":
            return [{"message": message, "errorCode": code}]
        return {"status": "error", "message": message, "category": code, "correlationId": "fake"}

    def _auth_error(self) -> Any:
        if self.crm == "salesforce":
            return [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        return {"status": "error", "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION", "correlationId": "fake"}

    def _reject(self, message: str) -> tuple[int, Any]:
        self.violations.append(message)
        return 400, self._error("INVALID_REQUEST" if self.crm == "salesforce" else "VALIDATION_ERROR", message)

    def _apply(self, record_id: str, values: dict[str, Any]) -> None:
        with self._lock:
            self.records.setdefault(record_id, {}).update(values)
            self.applied[record_id] += 1

    # --- Salesforce sObject Collections -----------------------------------------------------------------

    def _update(self, body: Any) -> tuple[int, Any]:
        return self._sf_update(body) if self.crm == "salesforce" else self._hs_update(body)

    def _sf_update(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or set(body) - {"allOrNone", "records"} or body.get("allOrNone") is not False:
            return self._reject(f"body must be {{allOrNone: false, records}}, got keys {sorted(body)}")
        records = body.get("records")
        if not isinstance(records, list) or not records:
            return self._reject("records must be a non-empty list")
        if len(records) > 200:
            self.violations.append(f"{len(records)} records in one call")
            return 400, [{"message": "The number of records exceeds the limit of 200",
                          "errorCode": "EXCEEDED_ID_LIMIT"}]
        results = []
        for record in records:
            if not isinstance(record, dict) or record.get("attributes") != {"type": "Lead"} or "id" not in record:
                return self._reject(f"a record needs attributes {{type: Lead}} and id: {record!r:.200}")
            problem = self._sf_problem(record)
            if problem:
                results.append({"success": False, "errors": [{"statusCode": problem[0], "message": problem[1],
                                                              "fields": []}]})
                continue
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            self._apply(record["id"], values)
            results.append({"id": record["id"], "success": True, "errors": []})
        return 200, results

    def _sf_problem(self, record: dict[str, Any]) -> tuple[str, str] | None:
        record_id = record["id"]
        if not (isinstance(record_id, str) and record_id.isalnum() and len(record_id) in (15, 18)):
            return "MALFORMED_ID", f"malformed id {record_id}"
        if record_id not in self.ids:
            return "ENTITY_IS_DELETED", "entity is deleted"
        unknown = set(record) - SF_FIELDS - {"attributes", "id"}
        if unknown:
            return "INVALID_FIELD", f"No such column '{sorted(unknown)[0]}' on sobject of type Lead"
        score = record.get("Lead_Score__c")
        if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 999:
            return "NUMBER_OUTSIDE_VALID_RANGE", f"Lead Score: value outside of valid range on numeric field: {score}"
        for name, allowed in (("Lead_Tier__c", TIERS), ("Lead_Grade__c", GRADES | {None}),  # null clears it
                              ("Lead_Stage_Suggested__c", self.stages)):
            if record.get(name) not in allowed:
                return "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"bad value for restricted picklist field: {name}"
        for name, limit in (("Lead_Score_Reasons__c", 255), ("Lead_Score_Model__c", 80)):
            value = record.get(name)
            if not isinstance(value, str) or len(value) > limit:
                return "STRING_TOO_LONG", f"{name}: data value too large (max length={limit})"
        if not SF_DATETIME.match(str(record.get("Lead_Scored_At__c"))):
            return "INVALID_TYPE_ON_FIELD_IN_RECORD", "Lead_Scored_At__c: value not of required type"
        return None

    def _read(self, h: BaseHTTPRequestHandler, body: Any) -> None:
        status, answer = self._sf_read(body) if self.crm == "salesforce" else self._hs_read(body)
        self._answer(h, status, answer, "read")

    def _sf_read(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("ids"), list) or len(body["ids"]) > 2000:
            return self._reject("read needs {ids: [...at most 2000], fields: [...]}")
        fields = body.get("fields")
        if not isinstance(fields, list) or set(fields) - SF_FIELDS - {"Id"}:
            return 400, [{"message": f"No such column on entity 'Lead': {fields}", "errorCode": "INVALID_FIELD"}]
        out = []
        for record_id in body["ids"]:
            if record_id not in self.ids:
                out.append(None)
                continue
            values = self.records.get(record_id, {})
            record: dict[str, Any] = {"attributes": {"type": "Lead", "url": f"/services/data/v62.0/sobjects/Lead/"
                                                                           f"{record_id}"}}
            for name in fields:
                value = record_id if name == "Id" else values.get(name)
                if name == "Lead_Scored_At__c" and value:  # Salesforce answers +0000 with milliseconds
                    value = datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
                if name == "Lead_Score__c" and value is not None:
                    value = float(value)
                record[name] = value
            out.append(record)
        return 200, out

    # --- HubSpot CRM v3 ---------------------------------------------------------------------------------

    def _hs_update(self, body: Any) -> tuple[int, Any]:
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs or set(body) != {"inputs"}:
            return self._reject("body must be {inputs: [...]}")
        if len(inputs) > 100:
            self.violations.append(f"{len(inputs)} inputs in one call")
            return 400, {"status": "error", "message": f"Batch input size {len(inputs)} exceeds the limit of 100",
                         "category": "VALIDATION_ERROR", "correlationId": "fake"}
        for item in inputs:
            if not isinstance(item, dict) or set(item) != {"id", "properties"} or not isinstance(item["id"], str):
                return self._reject(f"an input must be {{id, properties}}: {item!r:.200}")
            problem = self._hs_problem(item["properties"])
            if problem:  # HubSpot refuses the whole batch for an invalid property value
                return self._reject(f"Property values were not valid: {problem}")
        missing = [item["id"] for item in inputs if item["id"] not in self.ids]
        not_found = {"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": missing},
                     "message": "Could not get some CONTACT objects, they may be deleted or not exist."}
        if missing and self.hubspot_missing_as_400:
            return 400, {**not_found, "correlationId": "fake"}
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        results = []
        for item in inputs:
            if item["id"] in self.ids:
                self._apply(item["id"], item["properties"])
                results.append({"id": item["id"], "properties": dict(item["properties"]), "createdAt": now,
                                "updatedAt": now, "archived": False})
        answer = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
        if missing:
            return 207, {**answer, "numErrors": 1, "errors": [not_found]}
        return 200, answer

    def _hs_problem(self, properties: Any) -> str | None:
        if not isinstance(properties, dict):
            return "properties must be an object"
        unknown = set(properties) - HS_PROPERTIES
        if unknown:
            return f"Property \"{sorted(unknown)[0]}\" does not exist"
        if any(not isinstance(v, str) for v in properties.values()):
            return "property values must be strings"
        # an empty string clears a property (HubSpot's documented way): a lead without a grade
        checks = {"leadscore_tier": TIERS, "leadscore_grade": GRADES | {""}, "leadscore_stage": self.stages}
        for name, allowed in checks.items():
            if name in properties and properties[name] not in allowed:
                return f"{properties[name]!r} is not a valid option for {name}"
        if "leadscore_score" in properties and not re.fullmatch(r"-?\d+(\.\d+)?", properties["leadscore_score"]):
            return "leadscore_score is not a number"
        if "leadscore_scored_at" in properties and not properties["leadscore_scored_at"].isdigit():
            return "leadscore_scored_at is not a millisecond timestamp"
        return None

    def _hs_read(self, body: Any) -> tuple[int, Any]:
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or len(inputs) > 100 or not isinstance(body.get("properties"), list):
            return self._reject("read needs {properties: [...], inputs: [...at most 100]}")
        results, missing = [], []
        for item in inputs:
            record_id = item.get("id") if isinstance(item, dict) else None
            if record_id not in self.ids:
                missing.append(record_id)
                continue
            values = self.records.get(record_id, {})
            props = {}
            for name in body["properties"]:
                value = values.get(name)
                if name == "leadscore_scored_at" and value:  # HubSpot answers date-times in ISO 8601
                    value = datetime.fromtimestamp(int(value) / 1000, UTC).isoformat().replace("+00:00", "Z")
                props[name] = value
            results.append({"id": record_id, "properties": props, "archived": False})
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if missing:
            answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": missing},
                                 "message": "Could not get some CONTACT objects"}]
            return 207, answer
        return 200, answer


def lead_ids(crm: str, n: int, start: int = 0) -> list[str]:
    """``n`` record ids as the CRM has them: 18-character Lead Ids or HubSpot Record IDs."""
    from crm.fields import salesforce_id18

    if crm == "salesforce":
        return [salesforce_id18(f"00Q5e{start + i:010d}") or "" for i in range(n)]
    return [str(300_000 + start + i) for i in range(n)]


def score_frame(ids: list[str], errors_every: int = 0) -> Any:
    """A score file's rows for ``ids`` as ``leadscore score`` writes them (every ``errors_every``-th row an error)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(len(ids))
    n = len(ids)
    p = rng.uniform(0, 0.8, n)
    frame = pd.DataFrame({"row": np.arange(1, n + 1), "lead_id": ids, "probability": p,
                          "score": np.round(100 * p).astype(int), "tier": np.where(p > 0.6, "hot",
                                                                                   np.where(p > 0.3, "warm", "cold")),
                          "grade": rng.choice(list("ABCD"), n), "error": None,
                          "reason_1": [f"Besuchte die Preisseite {k % 7 + 1}-mal (+{k % 9 + 1})" for k in range(n)],
                          "reason_2": "Größe passt (+3)", "reason_3": None, "model_version": "7"})
    if errors_every:
        bad = frame.index[::errors_every]
        frame.loc[bad, ["probability", "score", "tier", "grade", "reason_1", "reason_2"]] = None
        frame.loc[bad, "error"] = "created_at: lead created after as_of 2026-06-30T00:00:00+00:00"
        frame.loc[bad, "model_version"] = None
    return frame
