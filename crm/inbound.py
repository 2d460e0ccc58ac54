"""What a CRM sends when it calls us, and what it expects back: HubSpot's signed workflow webhook and
Salesforce's Outbound Message (SOAP). Pure functions on bytes and text; the routes are :mod:`serving.hooks`.

**HubSpot request signature v3** (HubSpot's "Validating requests" page): HubSpot sends
``X-HubSpot-Signature-v3`` and ``X-HubSpot-Request-Timestamp`` (milliseconds since the epoch). The signature
is the base64 of HMAC-SHA256, keyed with the app's client secret, over the UTF-8 text
``method + URI + body + timestamp``, where the URI is the full URL HubSpot called (scheme, host, path and
query) with the percent-escapes HubSpot decodes (``%3A`` ``%2F`` ``%3F`` ``%40`` ``%21`` ``%24`` ``%27`` ``%28``
``%29`` ``%2A`` ``%2C`` ``%3B``) decoded. A timestamp more than :data:`MAX_AGE_MS` (5 minutes) old is refused,
as HubSpot recommends, and so is one that far in the future (a clock that wrong cannot be trusted either).
A signature already accepted within that window is a replay (:class:`ReplayGuard`).

**Salesforce Outbound Message** (SOAP 1.1, namespace ``http://soap.sforce.com/2005/09/outbound``): a
``notifications`` element with ``OrganizationId``, ``ActionId`` and up to 100 ``Notification`` s, each an
``Id`` (the notification's, the same on every retry) and an ``sObject`` whose child elements are the fields
the admin chose, in the ``urn:sobject.enterprise.soap.sforce.com`` namespace (``sf:Id``, ``sf:Company`` …).
Salesforce retries until it receives ``<Ack>true</Ack>`` in a ``notificationsResponse``; a notification
seen before is therefore acknowledged again but not scored again. XML is read with the standard library's
expat, which resolves no external entities and (expat ≥ 2.4.1) limits entity expansion.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import sqlite3
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

MAX_AGE_MS = 5 * 60 * 1000
HUBSPOT_SIGNATURE = "x-hubspot-signature-v3"
HUBSPOT_TIMESTAMP = "x-hubspot-request-timestamp"
_HUBSPOT_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
                    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCORES_NAMESPACE = "urn:leadscore:hooks"


class Refused(Exception):
    """A request that is not (or no longer) the CRM's: ``status`` 401 (not authentic) or 403 (authentic
    but not ours / not allowed), ``field`` the header or element at fault."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def hubspot_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the listed percent-escapes decoded (either case of hex digits)."""
    out, i = [], 0
    while i < len(uri):
        escape_ = uri[i:i + 3].upper()
        if escape_ in _HUBSPOT_DECODED:
            out.append(_HUBSPOT_DECODED[escape_])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def hubspot_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The ``X-HubSpot-Signature-v3`` value HubSpot sends for this request."""
    source = method.upper().encode() + hubspot_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def verify_hubspot(secret: str, method: str, uri: str, body: bytes, headers: dict[str, str],
                   now_ms: int | None = None) -> str:
    """Check a HubSpot request's v3 signature and age; returns the signature, raises :class:`Refused` (401)."""
    signature, timestamp = headers.get(HUBSPOT_SIGNATURE), headers.get(HUBSPOT_TIMESTAMP)
    if not signature:
        raise Refused(401, "X-HubSpot-Signature-v3", "missing request signature")
    if not timestamp or not timestamp.strip().isdigit():
        raise Refused(401, "X-HubSpot-Request-Timestamp", "missing or non-numeric request timestamp")
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    age = now_ms - int(timestamp)
    if abs(age) > MAX_AGE_MS:
        when = "old" if age > 0 else "far in the future"
        raise Refused(401, "X-HubSpot-Request-Timestamp",
                      f"request timestamp is {abs(age) // 1000} s {when}; at most {MAX_AGE_MS // 1000} s allowed")
    expected = hubspot_signature(secret, method, uri, body, timestamp.strip())
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise Refused(401, "X-HubSpot-Signature-v3", "signature does not match the request and client secret")
    return signature.strip()


class ReplayGuard:
    """Keys seen recently (a HubSpot signature within its 5 minutes, a Salesforce notification Id), kept in a
    SQLite file that every worker process of the server shares and that outlives a restart: a retry that
    reaches another worker, or comes after a redeploy (Salesforce retries for 24 hours), is still known. The
    claim is one ``INSERT OR IGNORE``, atomic across processes; a key whose scoring failed is forgotten, so the
    CRM's retry is scored. Each guard (``name``: one per CRM) keeps its keys in a table of its own, so that one
    forgetting after its time to live never forgets another's."""

    def __init__(self, path: Path, ttl_s: float, name: str = "seen") -> None:
        if not name.isidentifier():
            raise ValueError(f"a replay guard's name is a table name, not {name!r}")
        self.path, self.ttl_s, self.table = Path(path), ttl_s, name
        self._created = False

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)  # autocommit: one statement, one claim
        if not self._created:  # once per process: a claim is then one connection and two statements
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, at REAL NOT NULL)")
            self._created = True
        return db

    def first_time(self, key: str, now: float | None = None) -> bool:
        """Whether ``key`` is new (it is remembered from now on, by every process using the file)."""
        now = time.time() if now is None else now
        db = self._connect()
        try:
            db.execute(f"DELETE FROM {self.table} WHERE at < ?", (now - self.ttl_s,))
            return db.execute(f"INSERT OR IGNORE INTO {self.table} (key, at) VALUES (?, ?)", (key, now)).rowcount == 1
        finally:
            db.close()

    def forget(self, keys: Iterable[str]) -> None:
        """Unclaim ``keys`` (their scoring failed: the CRM's retry must be scored, not acknowledged as seen)."""
        db = self._connect()
        try:
            db.executemany(f"DELETE FROM {self.table} WHERE key = ?", [(key,) for key in keys])
        finally:
            db.close()


def hubspot_properties(payload: object) -> dict[str, object]:
    """A workflow webhook's contact as ``{property: value}``: the body is the contact's properties, flat
    (``{"hs_object_id": "51", "email": …}``) or under ``properties``, each value plain or, as legacy
    payloads have it, ``{"value": …}``; a top-level ``objectId``/``vid`` is the Record ID. Date-time
    properties sent as epoch milliseconds (``createdate``: ``"1709287200000"``) become ISO text.
    Raises ``ValueError`` naming what is wrong."""
    if not isinstance(payload, dict):
        raise ValueError("expected one contact as a JSON object")
    properties = payload.get("properties", payload)
    if not isinstance(properties, dict):
        raise ValueError("'properties' must be an object of contact properties")
    flat = {str(k): (v.get("value") if isinstance(v, dict) and "value" in v else v) for k, v in properties.items()}
    for key, value in flat.items():  # what /score's schema refuses, a contact property refuses too
        if not (value is None or isinstance(value, str | bool | int) or (isinstance(value, float)
                                                                         and math.isfinite(value))):
            raise ValueError(f"property {key!r}: expected text, a number or null, not {type(value).__name__} "
                             f"{str(value)[:40]!r}")
    for key in ("objectId", "vid"):
        if key in payload and "hs_object_id" not in flat:
            flat["hs_object_id"] = payload[key]
    for key in ("createdate", "hs_lifecyclestage_opportunity_date"):
        value = flat.get(key)
        if isinstance(value, int | str) and str(value).isdigit() and len(str(value)) >= 12:
            flat[key] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(value) / 1000)) + "Z"
    if flat.get("hs_object_id") is not None:
        flat["hs_object_id"] = str(flat["hs_object_id"])
    return flat


@dataclass
class OutboundMessage:
    """A parsed Salesforce Outbound Message: the sending org and each notification's Id and fields."""

    organization_id: str
    action_id: str | None
    notifications: list[tuple[str, dict[str, str]]] = field(default_factory=list)  #: (notification Id, fields)


def parse_outbound_message(body: bytes) -> OutboundMessage:
    """Read an Outbound Message; ``ValueError`` naming what is missing when it is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    notifications = root.find(f"{{{SOAP_ENV}}}Body/{{{OUTBOUND}}}notifications")
    if notifications is None:
        raise ValueError("no soapenv:Body/notifications element (namespace http://soap.sforce.com/2005/09/outbound)")
    organization = (notifications.findtext(f"{{{OUTBOUND}}}OrganizationId") or "").strip()
    if not organization:
        raise ValueError("notifications has no OrganizationId")
    message = OutboundMessage(organization, notifications.findtext(f"{{{OUTBOUND}}}ActionId"))
    for position, notification in enumerate(notifications.findall(f"{{{OUTBOUND}}}Notification"), start=1):
        notification_id = (notification.findtext(f"{{{OUTBOUND}}}Id") or "").strip()
        sobject = notification.find(f"{{{OUTBOUND}}}sObject")
        if not notification_id or sobject is None:
            raise ValueError(f"Notification {position} has no Id or no sObject")
        fields = {}
        for element in sobject:
            if element.get(f"{{{XSI}}}nil") == "true":
                continue
            fields[element.tag.rsplit("}", 1)[-1]] = (element.text or "").strip()
        message.notifications.append((notification_id, fields))
    if not message.notifications:
        raise ValueError("notifications holds no Notification")
    return message


def soap_ack(scores: list[dict[str, object]]) -> str:
    """The ``notificationsResponse`` with ``<Ack>true</Ack>`` Salesforce waits for. The scores ride in a SOAP
    header block (``urn:leadscore:hooks``) that Salesforce ignores and a caller or log can read."""
    leads = "".join(_score_element(score) for score in scores)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}">'
            f'<soapenv:Header><ls:scores xmlns:ls="{SCORES_NAMESPACE}">{leads}</ls:scores></soapenv:Header>'
            f'<soapenv:Body><notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
            '</soapenv:Body></soapenv:Envelope>')


def _score_element(score: dict[str, object]) -> str:
    attributes = "".join(f" {key}={quoteattr(str(value))}" for key, value in score.items()
                         if key not in ("reasons", "errors") and value is not None)
    reasons = "".join(f"<ls:reason>{escape(str(r))}</ls:reason>" for r in score.get("reasons") or [])
    errors = "".join(f"<ls:error>{escape(str(e))}</ls:error>" for e in score.get("errors") or [])
    return f"<ls:lead{attributes}>{reasons}{errors}</ls:lead>"


def soap_fault(code: str, message: str) -> str:
    """A SOAP 1.1 Fault (``code``: ``soapenv:Client`` for the sender's fault)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault>'
            f'<faultcode>{escape(code)}</faultcode><faultstring>{escape(message)}</faultstring>'
            '</soapenv:Fault></soapenv:Body></soapenv:Envelope>')
