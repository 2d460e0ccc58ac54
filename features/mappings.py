"""Vendor vocabularies (Salesforce, HubSpot) mapped onto the data contract (``../shared/DATA_CONTRACT.md``).

A mapping is plain data: for each contract table, which vendor columns feed which contract column (in
order of preference), and how vendor picklist values translate into the contract's vocabulary.
:func:`apply_mapping` applies one to a raw table before the loader validates it, so a vendor export is
checked by exactly the same rules as a file that already speaks the contract.

Headers in other words
----------------------
With or without a vendor mapping, a header that names a contract column in other words is read as that
column (:func:`contract_renames`): case, spaces, hyphens and underscores do not matter, so ``Lead ID``,
``LeadId``, ``lead-id``, ``Created At`` and ``E-Mail`` are ``lead_id``, ``created_at`` and ``email``.
Messages name the header the file has.

Your own CRM's mapping
----------------------
``--mapping my_crm.toml`` reads any other export with a mapping written as a TOML file in the same shape
(:func:`mapping_spec` checks it and says what is wrong, naming the line's table and column):

    timezone = "Europe/Berlin"             # times written without an offset are Berlin's, not UTC (first line)
    [leads.columns]
    lead_id = ["Lead-Nr."]
    created_at = ["Erstellt am"]
    lead_source = ["Quelle", "Kanal"]      # the first with a value wins, row by row
    converted_at = ["Opportunity am"]      # conversions from the leads export itself
    [leads.values.lead_source]
    "Empfehlung" = "referral"
    [activities.columns]
    lead_id = ["Lead-Nr."]
    occurred_at = ["Datum"]
    activity_type = ["Aktivität"]
    [activities.values.activity_type]
    "Rückruf erbeten" = "demo_request"

A marketing tool's activity log names the page or the form apart from the type, and may key its rows (and a
CRM's deals) by the person's e-mail address instead of a lead id:

    [activities.columns]
    activity_type = "Activity Type"
    activity_detail = "Primary Attribute Value"   # "Visit Webpage" of …/pricing is a pricing page view
    email = "Person - Email"                      # no lead id: each row finds the lead with this address
    [conversions.columns]
    email = "Person - Email"

Value keys are compared as :func:`features.values.snake` forms, as the built-in mappings' are.

How a mapping is applied
------------------------
* ``columns``: ``contract column -> (vendor column, ...)``. The vendor columns present in the file are
  merged **per row**: the first one with a value wins (``CountryCode`` before ``Country``, so a row with
  only a country name still has a country). The vendor columns used are removed; every other column keeps
  its vendor name and is reported as ignored (or kept, when declared as an extra column).
* If the file already has a column with the contract name, it wins and the vendor columns are left
  alone (they then show up as ignored columns in the report).
* ``values``: ``contract column -> {vendor value -> contract value}``. Keys are compared after
  :func:`features.values.snake` (``"Organic search"``, ``"ORGANIC_SEARCH"`` and ``"organic search"`` are the same
  key). A value without an entry is kept as it is; the contract allows unknown values.
* A mapping may describe how the *leads* export itself records conversions (columns :data:`CONVERTED_AT`
  and :data:`CONVERSION_FLAG`). The loader derives the conversions table from them when no conversions
  file is given, and never keeps them as lead columns (they are the outcome, not a feature).
* ``ranges`` (HubSpot's employee ranges) and ``salesforce_ids`` name contract columns whose values are
  read by a vendor rule (:func:`employee_range`, :func:`salesforce_id18`) before the contract's rules.
* Tables without an entry (any vendor's conversions file) must already follow the contract.

Salesforce (Data Loader / report export of the standard Lead, Task and Event objects)
------------------------------------------------------------------------------------
* Leads: ``Id``→lead_id, ``CreatedDate``→created_at, ``LeadSource``→lead_source, ``Email``, ``Company``,
  ``Industry``, ``NumberOfEmployees``→employee_count, ``AnnualRevenue``→annual_revenue (Salesforce stores
  it in the org's currency; the contract means EUR, so convert first if the org currency differs),
  ``CountryCode`` then ``Country``→country, ``Title``→job_title.
* Conversions from the leads export: ``ConvertedDate`` (a date; midnight UTC) of leads with
  ``IsConverted`` true. Salesforce's "converted" means the lead was turned into an account/contact and
  usually an opportunity, which is the contract's "accepted by sales".
* ``LeadSource`` values: the standard picklist ``Web``→web_form, ``Partner Referral``→partner,
  ``Purchased List``→outbound (a bought list is cold outreach), ``Employee Referral`` / ``External
  Referral`` / ``Word of mouth``→referral. Other values (``Trade Show``, ``Phone Inquiry``, custom
  ones) are kept as written; :mod:`features.profile` recognises the spellings of contract channels.
* Activities (Task and Event export): ``WhoId``→lead_id. occurred_at is the first of
  ``CompletedDateTime`` (when a task was done), ``ActivityDateTime`` (when an event took place),
  ``CreatedDate`` (when the activity was recorded), ``ActivityDate``. ``ActivityDate`` comes last on
  purpose: for a task it is the *due date* (Salesforce's own definition), date-only, and may lie after
  the moment the task was recorded; using it first would date activities wrongly.
  activity_type is the first of ``Type``, ``TaskSubtype``, ``EventSubtype`` (``Type`` first because
  ``TaskSubtype`` is often just ``Task``).
* Activity values: ``Meeting``→meeting_held (the lead took part in a meeting with sales). Calls and
  e-mails logged in Salesforce are things the **sales rep** did, not the lead: a logged ``Email`` is an
  e-mail sent, not an ``email_open``; a logged ``Call`` includes unanswered dials, so it is not a
  ``meeting_held``. Mapping them onto the lead's own intent signals would inflate intent and let the
  rep's judgement (reps call the leads they already believe in) leak into the score. They are therefore
  kept under explicit non-contract names ``sales_call``, ``sales_email`` (also ``ListEmail``),
  ``sales_cadence``, ``sales_linkedin``, ``sales_task`` (``Task``), ``sales_event`` (``Event``); the
  report lists them as unknown activity types and features count them as ``other``.
* Salesforce Ids (``Id``, ``WhoId``) are read in their 18-character form (:func:`salesforce_id18`): a
  report exports the case-sensitive 15-character Id, Data Loader and the APIs the 18-character one whose last
  three characters are a checksum of the first fifteen's upper-case letters. A 15-character Id gets its
  checksum computed; an 18-character Id whose case was lost (a spreadsheet upper-cased it) gets its case
  back from the checksum. So a Task export with 15-character ``WhoId`` s matches a Lead export with
  18-character ``Id`` s, and write-back files are keyed by the 18-character Id. A value of another length is
  kept as written. A Task whose ``WhoId`` is a Contact (``003…``, e.g. after conversion) is an activity of
  an unknown lead and is reported and skipped.

HubSpot (contacts export from the contacts index page, engagement export, workflow webhooks)
------------------------------------------------------------------------------------------
* ``Record ID``→lead_id (older exports: ``Contact ID``), ``Create Date``→created_at, ``Original
  Source``→lead_source (renamed ``Original Traffic Source`` in newer portals; both accepted), ``Email``,
  ``Company Name``→company, ``Industry``, ``Number of Employees``→employee_count, ``Annual
  Revenue``→annual_revenue, ``Country/Region`` (older: ``Country``)→country, ``Job Title``→job_title.
  Each column also accepts the property's internal name (``hs_object_id``, ``createdate``,
  ``hs_analytics_source``, ``email``, ``company``, ``industry``, ``numemployees``, ``annualrevenue``,
  ``country``, ``jobtitle``), the names an API export and a workflow webhook (:mod:`serving.hooks`) use.
* ``Number of Employees`` is a dropdown of ranges in HubSpot (``1-5``, ``5-25``, ``25-50``, ``50-100``,
  ``100-500``, ``500-1000``, ``1,000+``; :func:`employee_range`): a range ``a-b`` becomes its midpoint
  ``(a+b)/2`` (``25-50`` → 37.5) and an open range ``a+`` its lower bound (``1,000+`` → 1000: nothing says
  how far above, and the lower bound is the one number the value states). Plain numbers are read as
  numbers; the bounds follow the amount rules of :mod:`features.values` (``1.000`` and ``1,000`` alike).
* Conversions from the contacts export: ``Became an Opportunity Date`` (the lifecycle-stage date
  ``hs_lifecyclestage_opportunity_date``; newer portals label it ``Date entered "Opportunity (Lifecycle
  Stage Pipeline)"``). A contact with that date became a sales opportunity then.
* Activities (an engagement export: CRM v3 engagement objects or the engagements report, one row per
  engagement and associated contact): ``Associated Contact ID`` (also ``contact_id``, ``contactId``,
  ``Contact ID``)→lead_id; ``hs_timestamp`` (labelled ``Activity date``; also ``timestamp``)→occurred_at,
  the moment the engagement took place; ``hs_engagement_type`` (labelled ``Activity type``; also ``type``,
  ``Engagement type``)→activity_type.
* Engagement types, by the same reasoning as Salesforce's: ``MEETING``→meeting_held (the contact met
  sales); what a rep did stays under non-contract names counted as ``other``: ``CALL``→sales_call,
  ``EMAIL`` and ``FORWARDED_EMAIL``→sales_email (an e-mail logged or sent by sales), ``NOTE``→sales_note,
  ``TASK``→sales_task, ``LINKEDIN_MESSAGE``→sales_linkedin, ``SMS``/``WHATS_APP``→sales_message,
  ``POSTAL_MAIL``→sales_mail. ``INCOMING_EMAIL`` is the contact writing to sales, kept as
  ``email_reply`` (not a contract type either, so also counted as ``other``).
* HubSpot writes dates in the portal's time zone without an offset; the contract reads a timestamp
  without an offset as UTC, so set the export (or portal) time zone to UTC, or accept an error of a few
  hours.
* ``Original Source`` values (API names and labels both accepted): organic search→organic_search, paid
  search→paid_search, organic social / social media→social, paid social→social (the channel is social;
  that it was paid is not a separate contract channel), email marketing→email_campaign,
  referrals→referral (HubSpot means *referring websites*, the closest contract channel), direct
  traffic→web_form (a visitor who came straight to the site and became a contact did so through the
  site, almost always a form), other campaigns→other. ``Offline sources`` is **not** mapped to
  trade_show: HubSpot uses it for imports, manual entry by sales and integrations, of which trade-show
  lists are only one kind; it is kept as ``offline`` (an unknown channel, allowed by the contract).
  ``AI referrals`` stays ``ai_referrals``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from features import values
from features.contract import (
    ACTIVITY_COLUMNS,
    ACTIVITY_DETAIL,
    CONVERSION_COLUMNS,
    CONVERTED_AT,
    EMAIL,
    LEAD_COLUMNS,
    LEAD_ID,
)
from features.vendors import CONVERSION_FLAG, MAPPINGS

#: A mapping as the loaders take it: a vendor's name, a mapping file's path, the mapping a model recorded
#: (:func:`recorded_mapping`), or None for files that already follow the contract.
MappingRef = str | Mapping[str, object] | None


def _is_blank(series: pd.Series) -> pd.Series:
    """True where a cell is missing or holds one of the contract's "nobody answered" markers."""
    return values.text_column(series).isna()


def _translate(series: pd.Series, table: Mapping[str, str]) -> pd.Series:
    """:func:`translate_value` of a column, once per distinct value."""
    lookup = {value: translate_value(value, table) for value in series.dropna().unique()}
    lookup = {value: mapped for value, mapped in lookup.items() if mapped is not value}
    if not lookup:
        return series
    return series.map(lambda value: lookup.get(value, value) if isinstance(value, str) else value)


_SALESFORCE_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SALESFORCE_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?", re.ASCII)


def salesforce_id18(value: object) -> object:
    """A Salesforce record Id in its 18-character form; any other value as it is.

    The 18-character Id is the 15-character one plus three checksum characters, one per block of five:
    bit ``i`` of a block's number is set when the block's ``i``-th character is an upper-case letter, and
    the number (0–31) picks a character of ``A…Z0…5``. A 15-character Id gets the checksum appended; an
    18-character one is given the case its checksum records (so an upper-cased copy is restored; one whose
    checksum does not fit its characters is kept as written)."""
    if not isinstance(value, str) or not _SALESFORCE_ID.fullmatch(value := value.strip()):
        return value
    head = value[:15]
    if len(value) == 15:
        return head + "".join(
            _SALESFORCE_CHECKSUM[sum(1 << i for i, char in enumerate(head[block:block + 5]) if "A" <= char <= "Z")]
            for block in (0, 5, 10))
    restored = []
    for block, check in zip((0, 5, 10), value[15:].upper(), strict=True):
        bits = _SALESFORCE_CHECKSUM.find(check)
        for i, char in enumerate(head[block:block + 5]):
            upper = bool(bits >> i & 1)
            if upper and not char.isalpha():
                return value  # the checksum names a digit as an upper-case letter: not an Id we can restore
            restored.append(char.upper() if upper else char.lower())
    return "".join(restored) + value[15:].upper()


def employee_range(value: object) -> object:
    """A HubSpot "Number of Employees" value as a number by the contract's range rule
    (:func:`features.values.range_amount`: ``a-b`` its midpoint, ``a+`` its lower bound), so a mapped record
    holds the number; anything else (a plain number, a missing value, text) as it is, for the amount rule."""
    if not isinstance(value, str):
        return value
    read = values.range_amount(value)
    return read if read is not None else value


#: What a mapping file may map, per table: the contract's columns (and, for leads, the conversion columns).
_MAPPABLE = {"leads": (*LEAD_COLUMNS, CONVERTED_AT, CONVERSION_FLAG),
             "activities": (*ACTIVITY_COLUMNS, ACTIVITY_DETAIL, EMAIL), "conversions": (*CONVERSION_COLUMNS, EMAIL)}


def mapping_spec(mapping: MappingRef) -> Mapping[str, Any] | None:
    """The mapping ``mapping`` names: ``None``, a built-in vendor (:data:`MAPPINGS`), a TOML file of the
    user's own (see the module docstring) or a model's recorded mapping (as it is). ValueError, naming the
    problem, for anything else."""
    if isinstance(mapping, Mapping):
        return mapping  # type: ignore[return-value]
    if mapping is None or mapping in MAPPINGS:
        return MAPPINGS.get(mapping) if mapping else None
    if not mapping.lower().endswith(".toml"):
        raise ValueError(f"unknown mapping {mapping!r}; give {', '.join(sorted(MAPPINGS))} or a .toml file of your "
                         "own (README: Data)")
    return _mapping_file(str(Path(mapping).resolve()))


def mapping_name(mapping: MappingRef) -> str | None:
    """How messages and the model's contract name a mapping: the vendor, the mapping file's name, or the name
    a model recorded."""
    if isinstance(mapping, Mapping):
        return str(mapping.get("name") or "recorded")
    return mapping if mapping is None or mapping in MAPPINGS else Path(mapping).name


def recorded_mapping(mapping: MappingRef) -> dict[str, object] | None:
    """The mapping as a model keeps it (its name and tables, in JSON's types): the model reads later exports
    and API values as it read its training files, also where the mapping file is not at hand."""
    spec = mapping_spec(mapping)
    return None if spec is None else {**json.loads(json.dumps(spec)), "name": mapping_name(mapping)}


def translate_value(value: object, table: Mapping[str, str]) -> object:
    """A vendor value found in ``table`` (compared after :func:`features.values.snake`) as the contract's
    value; any other value as it is."""
    if not table or not isinstance(value, str):  # no mapping: nothing to fold (a request's every activity)
        return value
    key = values.snake(value)
    return table.get(key, value) if key else value


@lru_cache(maxsize=16)
def _mapping_file(path: str) -> dict[str, Any]:
    try:
        given = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the mapping file ({exc})") from exc
    spec: dict[str, Any] = {}
    for table, entry in given.items():
        if table == "timezone":
            spec["timezone"] = _zone_name(entry, path)
            continue
        if table not in _MAPPABLE or not isinstance(entry, dict):
            raise ValueError(f"{path}: [{table}] is not a table leadscore reads; use [leads…], [activities…] or "
                             "[conversions…]")
        columns, value_maps = entry.get("columns", {}), entry.get("values", {})
        for column in (*columns, *value_maps):
            if column not in _MAPPABLE[table]:
                raise ValueError(f"{path}: [{table}] {column!r} is not a contract column; the {table} table has "
                                 f"{', '.join(_MAPPABLE[table])}")
        spec[table] = {
            "columns": {column: (names,) if isinstance(names, str) else tuple(map(str, names))
                        for column, names in columns.items()},
            "values": {column: {values.snake(key) or key: str(value) for key, value in table_values.items()}
                       for column, table_values in value_maps.items()},
        }
    return spec


def _zone_name(zone: object, path: str) -> str:
    """A mapping file's ``timezone``: an IANA name the system knows (``Europe/Berlin``), else ValueError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{path}: timezone {zone!r} is not a time zone name; give one such as \"Europe/Berlin\" "
                         "(the zone the export writes its local times in)") from exc
    return str(zone)


def time_zone(mapping: MappingRef) -> str | None:
    """The zone a mapped export writes its times without offset in (the mapping's ``timezone``), else None:
    such times are UTC."""
    zone = (mapping_spec(mapping) or {}).get("timezone")
    return str(zone) if zone else None


def lead_key(mapping: MappingRef, lead_id: str) -> str:
    """A lead id as the user typed it (``leadscore explain --lead-id``) in the form the mapped leads table
    holds it (a 15-character Salesforce Id becomes the 18-character one)."""
    spec = (mapping_spec(mapping) or {}).get("leads", {})
    if LEAD_ID in spec.get("salesforce_ids", ()):
        return str(salesforce_id18(lead_id))
    return lead_id


def apply_mapping(
    frame: pd.DataFrame, mapping: MappingRef, table: str
) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    """Rename a vendor export's columns (and translate picklist values) onto the contract.

    ``mapping`` is a key of :data:`MAPPINGS`, a mapping file, a model's recorded mapping (:func:`mapping_spec`)
    or ``None`` (the file already follows the contract);
    ``table`` is ``"leads"``, ``"activities"`` or ``"conversions"``. Returns the mapped frame (a new
    one; columns the mapping does not mention keep their vendor names) and, per contract column that
    was filled from vendor columns, the vendor columns it came from, so messages can name the column
    the user actually has in the file.
    """
    spec = (mapping_spec(mapping) or {}).get(table)
    if spec is None:
        renames = contract_renames(frame.columns, table)
        return (frame.rename(columns=renames), {c: (h,) for h, c in renames.items()}) if renames else (frame, {})
    result = frame.copy()
    sources: dict[str, tuple[str, ...]] = {}
    for target, candidates in spec["columns"].items():
        if target in frame.columns:
            continue
        present = [name for name in candidates if name in frame.columns]
        if not present:
            continue
        merged = frame[present[0]]
        for name in present[1:]:
            merged = merged.where(~_is_blank(merged), frame[name])
        result = result.drop(columns=present)
        result[target] = merged
        sources[target] = tuple(present)
    for target, value_map in spec.get("values", {}).items():
        if target in result.columns:
            result[target] = _translate(result[target], value_map)
    for target in spec.get("ranges", ()):
        if target in result.columns:
            result[target] = pd.Series(values.map_distinct(result[target], employee_range), index=result.index)
    for target in spec.get("salesforce_ids", ()):
        if target in result.columns:
            result[target] = pd.Series(values.map_distinct(result[target], salesforce_id18), index=result.index)
    renames = contract_renames(result.columns, table)
    return result.rename(columns=renames), {**sources, **{c: (h,) for h, c in renames.items()}}


#: Each table's contract columns, by the underscore-free folded form a header is compared in.
_CONTRACT_KEYS = {table: {column.replace("_", ""): column for column in columns} for table, columns in
                  (("leads", LEAD_COLUMNS), ("activities", ACTIVITY_COLUMNS), ("conversions", CONVERSION_COLUMNS))}
_LEAD_KEYS = ("contactid", "kontaktid", "prospectid", "mqlid", "leadnr", "leadnummer")  # Lead-Nr.: German CRMs
#: Headers CRM exports (English and German) give a contract column, in :func:`header_key` form, in the order
#: they are preferred when a file has several. Only names that mean the column in that table: an activities
#: file's ``Id`` is the activity's, a leads file's is the lead's.
HEADER_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "leads": {
        # HubSpot's Record ID is "Datensatz-ID" in a German portal's export (of a leads file only: an activities
        # file's record is the activity); Dynamics 365's Excel export keys a lead by "(Do Not Modify) Lead"
        "lead_id": ("id", "recordid", "datensatzid", "donotmodifylead", *_LEAD_KEYS),
        "created_at": ("createddate", "createdon", "createdate", "createdtime", "datecreated", "creationdate",
                       "created", "firstcontactdate", "erstelltam", "angelegtam", "erstelldatum", "erstellungsdatum",
                       "anlagedatum"),
        "lead_source": ("source", "originalsource", "origin", "channel", "leadquelle", "quelle", "herkunft", "kanal"),
        "company": ("companyname", "accountname", "organization", "organisation", "firma", "firmenname",
                    "unternehmen"),
        "job_title": ("title", "jobtitel", "position", "funktion", "berufsbezeichnung"),
        "industry": ("branche", "sector", "sektor"),
        # not a bare "Mitarbeiter": in a German CRM that is as often the sales rep the lead is assigned to
        "employee_count": ("employees", "numberofemployees", "noofemployees", "companysize", "mitarbeiterzahl",
                           "anzahlmitarbeiter", "unternehmensgroesse", "firmengroesse"),
        "annual_revenue": ("revenue", "jahresumsatz", "umsatz"),
        "country": ("countryregion", "land"),
        "email": ("emailaddress", "emailadresse", "mail"),
        # the moment a lead converted, when the leads export records it (read only when no conversions file
        # is given); not "Close Date", which a CRM also uses for a deal's expected, future close
        "converted_at": ("convertedat", "converteddate", "conversiondate", "wondate", "datewon",
                         "becameacustomerdate", "customersince", "konvertiertam", "gewonnenam", "kundeseit"),
    },
    "activities": {
        "lead_id": _LEAD_KEYS,
        "activity_type": ("type", "activity", "eventtype", "event", "aktivitaetstyp", "aktivitaet", "typ"),
        "occurred_at": ("activitydate", "eventdate", "timestamp", "date", "createddate", "datum", "zeitpunkt"),
    },
    "conversions": {
        "lead_id": _LEAD_KEYS,
        "converted_at": ("converteddate", "conversiondate", "wondate", "datewon", "closedate", "konvertiertam",
                         "gewonnenam", "abschlussdatum", "date", "datum"),
    },
}


def header_key(header: str) -> str:
    """A header as it is compared with a name: folded, without spaces, hyphens or underscores (``E-Mail``,
    ``e_mail`` and ``EMail`` are ``email``)."""
    return (values.snake(header) or "").replace("_", "")


def contract_renames(headers: Iterable[object], table: str) -> dict[str, str]:
    """The headers that name one of ``table``'s contract columns in other words, each with the column it
    names: the contract's name written otherwise (``Lead ID``, ``LeadId``, ``lead-id``, ``E-Mail``: compared
    folded, without spaces, hyphens or underscores), else a name CRM exports give it (:data:`HEADER_SYNONYMS`:
    ``Created Date``, ``Firma``, ``Won Date``). None where the contract's own name is present; where several
    headers name one column, the contract's name written otherwise, then the synonym listed first, then the
    first such header."""
    headers = [h for h in headers if isinstance(h, str)]
    keys = _CONTRACT_KEYS.get(table, {})
    taken = set(headers) & set(keys.values())
    renames: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for header in headers:
        key = header_key(header)
        by_key.setdefault(key, header)
        column = keys.get(key)
        if column is not None and header != column and column not in taken:
            renames[header] = column
            taken.add(column)
    for column, synonyms in HEADER_SYNONYMS.get(table, {}).items():
        if column in headers:  # the column under its own name (a leads file's converted_at is no lead column)
            continue
        header = next((by_key[key] for key in synonyms if key in by_key and by_key[key] not in renames), None)
        if column not in taken and header is not None and header not in keys.values():
            renames[header] = column
            taken.add(column)
    return renames


def map_records(records: list[Mapping[str, object]], mapping: str, table: str = "leads") -> list[dict[str, object]]:
    """Vendor records (a webhook's contact properties, an outbound message's Lead fields) in the contract's
    names and values, by the same :func:`apply_mapping` a file goes through: one record per input record,
    missing values left out. A conversion date or flag is dropped (it is the outcome, not a feature; see
    :func:`split_conversions`)."""
    return split_conversions(records, mapping, table)[0]


def split_conversions(records: list[Mapping[str, object]], mapping: str, table: str = "leads",
                      ) -> tuple[list[dict[str, object]], list[tuple[str, object] | None]]:
    """:func:`map_records`' records, and per record the conversion date it carries as (its vendor field, its
    raw value), or None: what a file's leads export says in its conversion column, so that a hook leaves a
    converted lead unscored as a score file does."""
    if not records:
        return [], []
    frame = pd.DataFrame([{key: value for key, value in record.items()} for record in records], dtype=object)
    mapped, sources = apply_mapping(frame, mapping, table)
    field = (sources.get(CONVERTED_AT) or (CONVERTED_AT,))[0]
    rows = [{key: value for key, value in row.items() if not _missing(value)}
            for row in mapped.to_dict(orient="records")]
    leads = [{key: value for key, value in row.items() if key not in (CONVERTED_AT, CONVERSION_FLAG)} for row in rows]
    return leads, [(field, row[CONVERTED_AT]) if CONVERTED_AT in row else None for row in rows]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
