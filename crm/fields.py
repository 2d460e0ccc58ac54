"""The fields a score becomes in each CRM, and how each value is written.

:data:`FIELDS` holds, per CRM, every field (name, the type to create it with, its length, what it means)
and the function that writes a :class:`LeadUpdate`'s value into it. The import files
(:mod:`crm.writeback`) and the API calls (:mod:`crm.push`) write the same values from this one table.

Formats, as the vendors document them:

* **Salesforce** (Data Loader, Bulk API 2.0 CSV and the REST API alike): a DateTime as
  ``yyyy-MM-ddTHH:mm:ss.SSSZ`` in UTC (``2026-05-04T09:30:00.000Z``), numbers without thousands
  separators, picklists by value. Text fields count characters, not bytes: ``Lead_Score_Reasons__c`` is a
  Text(255), so the reasons are cut at a whole reason to stay within 255 (:func:`join_reasons`).
* **HubSpot** (contacts import and CRM v3 API): a date-and-time property as a UNIX timestamp in
  milliseconds (``1777887000000``): the import tool accepts it in CSV files whatever date format and time
  zone the import is set to, and the API accepts the same text. Dropdowns by internal value; a single-line
  text property holds up to 65,536 characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from features.mappings import salesforce_id18 as vendor_id18

Crm = Literal["salesforce", "hubspot"]
CRMS: tuple[Crm, ...] = ("salesforce", "hubspot")
SEPARATOR = "; "
ELLIPSIS = "…"


@dataclass(frozen=True)
class LeadUpdate:
    """What one scored lead writes into its CRM record.

    ``id`` is the record's key in that CRM (an 18-character Salesforce Lead Id or a HubSpot Record ID),
    ``reasons`` the top reasons already joined and cut to the CRM field's length, ``scored_at`` the moment
    of scoring in UTC, to the second. ``row`` is the score file's row the update came from."""

    id: str
    row: int
    score: int
    tier: str
    grade: str
    reasons: str
    model: str
    scored_at: datetime
    stage: str


@dataclass(frozen=True)
class Field:
    """One CRM field: ``name`` as the CRM spells it, ``type`` as its admin creates it, ``length`` where the
    type has one, ``meaning`` for the README, ``value`` the text written for an update."""

    name: str
    type: str
    length: int | None
    meaning: str
    value: Callable[[LeadUpdate], str]


def salesforce_datetime(moment: datetime) -> str:
    """``2026-05-04T09:30:00.000Z``: the UTC form Data Loader, Bulk API 2.0 and the REST API accept."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def hubspot_datetime(moment: datetime) -> str:
    """Milliseconds since 1970-01-01 UTC, as text: the form HubSpot's import and API both accept for a
    date-and-time property."""
    return str(round(moment.timestamp() * 1000))


def parse_crm_datetime(text: str) -> datetime | None:
    """A date-time as a CRM answers it (``2026-05-04T09:30:00.000+0000``, ``...Z``, or milliseconds since
    1970), in UTC; ``None`` when it is empty or not a date-time."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def text_length(text: str) -> int:
    """The length Salesforce checks a text field against: UTF-16 code units (Apex ``String.length()``).
    Equal to the number of characters for every letter of European languages (``ä`` and ``ß`` count one,
    not the two bytes of UTF-8); a character outside the Basic Multilingual Plane (an emoji) counts two,
    so the count is never less than what any CRM counts."""
    return len(text.encode("utf-16-le")) // 2


def clean_text(text: str) -> str:
    """One line of NFC-normalised text: combining accents composed (``u`` + ``◌̈`` → ``ü``, one character),
    line breaks and runs of spaces folded into one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cut_text(text: str, limit: int) -> str:
    """``text`` if it fits ``limit`` (see :func:`text_length`), else its longest head that fits with ``…``
    added, never splitting a character."""
    if text_length(text) <= limit:
        return text
    out, used = [], text_length(ELLIPSIS)
    for char in text:
        used += text_length(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out).rstrip() + ELLIPSIS


def join_reasons(reasons: Sequence[str], limit: int) -> str:
    """The reasons, strongest first, joined by ``"; "`` and cut after the last whole reason that fits ``limit``
    characters. A first reason longer than the limit on its own is cut with ``…`` (a lead with reasons
    never gets an empty field)."""
    kept: list[str] = []
    for reason in (clean_text(r) for r in reasons):
        if not reason:
            continue
        candidate = SEPARATOR.join([*kept, reason])
        if text_length(candidate) <= limit:
            kept.append(reason)
        elif not kept:
            return cut_text(reason, limit)
        else:
            break
    return SEPARATOR.join(kept)


def salesforce_id18(record_id: str) -> str | None:
    """The 18-character form of a Salesforce record Id (the loader's rule,
    :func:`features.mappings.salesforce_id18`: checksum added to a 15-character Id, case restored in an
    18-character one), or ``None`` when ``record_id`` is not an Id. Salesforce accepts both forms everywhere
    and answers with the 18."""
    if not record_id.isascii() or not record_id.isalnum() or len(record_id) not in (15, 18):
        return None
    return str(vendor_id18(record_id))


SALESFORCE_KEY = "Id"
SALESFORCE_LEAD_PREFIX = "00Q"
SALESFORCE_REASONS_LIMIT = 255
HUBSPOT_KEY = "Record ID"
HUBSPOT_TEXT_LIMIT = 65_536

FIELDS: dict[Crm, tuple[Field, ...]] = {
    "salesforce": (
        Field("Id", "Lead Id (standard)", 18, "The Lead's record Id: the key the upsert matches on "
              "(18-character form).", lambda u: u.id),
        Field("Lead_Score__c", "Number(3, 0)", 3, "Score 0–100: the lead's calibrated chance to convert in "
              "the model's horizon, in percent.", lambda u: str(u.score)),
        Field("Lead_Tier__c", "Picklist: hot, warm, cold", None, "When to call: hot (call today), warm, "
              "cold.", lambda u: u.tier),
        Field("Lead_Grade__c", "Picklist: A, B, C, D", None, "How well the account fits, whatever it did "
              "lately: A best.", lambda u: u.grade),
        Field("Lead_Score_Reasons__c", "Text(255)", SALESFORCE_REASONS_LIMIT, "The top reasons with their "
              "points, joined by '; ', cut after the last whole reason within 255 characters.",
              lambda u: u.reasons),
        Field("Lead_Score_Model__c", "Text(80)", 80, "The model version that gave the score.",
              lambda u: cut_text(u.model, 80)),
        Field("Lead_Scored_At__c", "Date/Time", None, "When the lead was scored (UTC).",
              lambda u: salesforce_datetime(u.scored_at)),
        Field("Lead_Stage_Suggested__c", "Picklist: the stage names", None, "The suggested funnel stage "
              "(sql_ready, mql, nurture, lead with the default rules).", lambda u: u.stage),
    ),
    "hubspot": (
        Field("Record ID", "Record ID (standard)", None, "The contact's Record ID: the key the import "
              "matches on.", lambda u: u.id),
        Field("leadscore_score", "Number", None, "Score 0–100: the lead's calibrated chance to convert in "
              "the model's horizon, in percent.", lambda u: str(u.score)),
        Field("leadscore_tier", "Dropdown select: hot, warm, cold", None, "When to call: hot (call today), "
              "warm, cold.", lambda u: u.tier),
        Field("leadscore_grade", "Dropdown select: A, B, C, D", None, "How well the account fits, whatever "
              "it did lately: A best.", lambda u: u.grade),
        Field("leadscore_reasons", "Multi-line text", HUBSPOT_TEXT_LIMIT, "The top reasons with their "
              "points, joined by '; '.", lambda u: u.reasons),
        Field("leadscore_model", "Single-line text", HUBSPOT_TEXT_LIMIT, "The model version that gave the "
              "score.", lambda u: u.model),
        Field("leadscore_scored_at", "Date and time picker", None, "When the lead was scored (written as "
              "UNIX milliseconds; HubSpot shows it in each user's time zone).",
              lambda u: hubspot_datetime(u.scored_at)),
        Field("leadscore_stage", "Dropdown select: the stage names", None, "The suggested funnel stage "
              "(sql_ready, mql, nurture, lead with the default rules).", lambda u: u.stage),
    ),
}
KEY: dict[Crm, str] = {"salesforce": SALESFORCE_KEY, "hubspot": HUBSPOT_KEY}
REASONS_LIMIT: dict[Crm, int] = {"salesforce": SALESFORCE_REASONS_LIMIT, "hubspot": HUBSPOT_TEXT_LIMIT}
#: the fields that show whether this push's update is already on a record: its score and its scored_at moment
SCORE_FIELD: dict[Crm, str] = {"salesforce": "Lead_Score__c", "hubspot": "leadscore_score"}
SCORED_AT_FIELD: dict[Crm, str] = {"salesforce": "Lead_Scored_At__c", "hubspot": "leadscore_scored_at"}


def record_values(update: LeadUpdate, crm: Crm) -> dict[str, str]:
    """The update as the CRM's import file row: field name → text (the key included)."""
    return {f.name: f.value(update) for f in FIELDS[crm]}


def fields_markdown(crm: Crm) -> str:
    """The fields table of ``crm`` as Markdown, for the README."""
    lines = ["| field | type | length | meaning |", "|---|---|---|---|"]
    lines += [f"| `{f.name}` | {f.type} | {f.length or ''} | {f.meaning} |" for f in FIELDS[crm]]
    return "\n".join(lines)
