"""Salesforce and HubSpot exports of a generated world, written as each vendor writes them.

The world (:mod:`leadscore.synthetic`) speaks the data contract; a CRM does not. These writers put the same
leads, activities and conversions into the vendors' own files, with their column names, picklist values and
formats, so the ``--mapping`` path is tested on what a user actually has:

* **Salesforce** (Data Loader export of ``Lead``, a "Tasks and Events" report of the activities):
  ``Lead.csv`` keyed by the 18-character ``Id``; ``LeadSource`` in the standard picklist; ``IsConverted`` /
  ``ConvertedDate`` (a date) from the world's conversions; ``CreatedDate`` as ``2024-03-01T10:00:00.000+0000``.
  ``Activity.csv`` is a report, so its ``WhoId`` is the **15-character** Id (the loader must match it).
* **HubSpot** (contacts index export, engagement export of the CRM v3 engagement objects):
  ``contacts.csv`` with ``Record ID``, ``Original Source`` labels, ``Number of Employees`` as HubSpot's
  range dropdown (``25-50``, ``1,000+``), ``Became an Opportunity Date``; ``engagements.csv`` with
  ``hs_engagement_type``, ``hs_timestamp`` and ``Associated Contact ID``.

Which activities a CRM holds: the lead's own web and e-mail behaviour lives in the marketing tools, not in
these objects. What sales logs does: a ``meeting_held`` is a Meeting (Salesforce Event, HubSpot MEETING), a
``call_logged`` a Call; a ``demo_request`` or ``trial_signup`` makes the CRM create a follow-up Task at that
moment (the usual assignment rule or workflow), and a ``form_submit`` a logged follow-up e-mail. So the exports
carry real signal, and only the part of it a CRM would see. Deterministic: the same world gives the same files.

``python tests/crm/vendor_exports.py OUT_DIR`` writes both vendors' files for the tests' small world.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from features.mappings import salesforce_id18
from leadscore.synthetic import World

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

SF_LEAD_SOURCE = {"web_form": "Web", "partner": "Partner Referral", "outbound": "Purchased List",
                  "referral": "Employee Referral", "trade_show": "Trade Show", "paid_search": "Advertisement",
                  "organic_search": "Web", "webinar": "Seminar - Internal", "social": "Social Media",
                  "email_campaign": "Email", "other": "Other"}
HS_SOURCE = {"organic_search": "Organic Search", "paid_search": "Paid Search", "social": "Organic Social",
             "email_campaign": "Email Marketing", "referral": "Referrals", "web_form": "Direct Traffic",
             "trade_show": "Offline Sources", "outbound": "Offline Sources", "partner": "Offline Sources",
             "webinar": "Offline Sources", "other": "Other Campaigns"}
#: HubSpot's "Number of Employees" dropdown: (upper bound, label), the last one open upwards.
HS_EMPLOYEE_RANGES = ((5, "1-5"), (25, "5-25"), (50, "25-50"), (100, "50-100"), (500, "100-500"),
                      (1000, "500-1000"), (np.inf, "1,000+"))

#: world activity type → (Salesforce object, Type, subtype, Subject); HubSpot type alongside
SF_ACTIVITY = {"meeting_held": ("Event", "Meeting", "Event", "Discovery meeting"),
               "call_logged": ("Task", "Call", "Call", "Call"),
               "demo_request": ("Task", "Other", "Task", "Follow up: demo request"),
               "trial_signup": ("Task", "Other", "Task", "Follow up: trial"),
               "form_submit": ("Task", "Email", "Email", "Email: Thanks for your interest")}
HS_ACTIVITY = {"meeting_held": "MEETING", "call_logged": "CALL", "demo_request": "TASK", "trial_signup": "TASK",
               "form_submit": "EMAIL"}


def salesforce_lead_id(position: int) -> str:
    """A Lead Id (``00Q`` prefix) for the world's ``position``-th lead, in the 15-character form."""
    digits = ""
    for _ in range(5):
        position, rest = divmod(position, 62)
        digits = _BASE62[rest] + digits
    return f"00Q5g00000{digits}"


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "")


def _amount(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")


def salesforce_exports(world: World, out_dir: Path) -> dict[str, Path]:
    """``Lead.csv`` and ``Activity.csv`` of the world, as Salesforce writes them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    leads = world.leads
    short = {lead: salesforce_lead_id(i) for i, lead in enumerate(leads["lead_id"])}
    converted = world.conversions.groupby("lead_id")["converted_at"].min()
    converted_at = leads["lead_id"].map(converted)
    frame = pd.DataFrame({
        "Id": leads["lead_id"].map(lambda lead: salesforce_id18(short[lead])),
        "Company": _text(leads["company"]),
        "Title": _text(leads["job_title"]),
        "Email": _text(leads["email"]),
        "LeadSource": leads["lead_source"].map(SF_LEAD_SOURCE).fillna(_text(leads["lead_source"])),
        "Industry": _text(leads["industry"]),
        "NumberOfEmployees": _amount(leads["employee_count"]),
        "AnnualRevenue": _amount(leads["annual_revenue"]),
        "Country": "",
        "CountryCode": _text(leads["country"]),
        "Status": np.where(converted_at.notna(), "Qualified", "Open"),
        "IsConverted": np.where(converted_at.notna(), "true", "false"),
        "ConvertedDate": converted_at.dt.strftime("%Y-%m-%d").fillna(""),
        "CreatedDate": leads["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "OwnerId": "0055g00000AbCdEAAV",
    })
    acts = world.activities[world.activities["activity_type"].isin(list(SF_ACTIVITY))].reset_index(drop=True)
    kinds = acts["activity_type"].map(SF_ACTIVITY)
    moment = acts["occurred_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    is_event = kinds.str[0] == "Event"
    activity = pd.DataFrame({
        "Id": [f"{'00U' if e else '00T'}5g0000{i:09d}" for i, e in enumerate(is_event)],
        "WhoId": acts["lead_id"].map(short),
        "Subject": kinds.str[3],
        "Type": kinds.str[1],
        "TaskSubtype": np.where(is_event, "", kinds.str[2]),
        "EventSubtype": np.where(is_event, kinds.str[2], ""),
        "Status": np.where(is_event, "", "Completed"),
        "ActivityDate": acts["occurred_at"].dt.strftime("%Y-%m-%d"),
        "ActivityDateTime": np.where(is_event, moment, ""),
        "CompletedDateTime": np.where(is_event, "", moment),
        "CreatedDate": moment,
    })
    paths = {"leads": out_dir / "Lead.csv", "activities": out_dir / "Activity.csv"}
    frame.to_csv(paths["leads"], index=False)
    activity.to_csv(paths["activities"], index=False)
    return paths


def _employee_range(count: float) -> str:
    if pd.isna(count):
        return ""
    return next(label for bound, label in HS_EMPLOYEE_RANGES if count <= bound)


def hubspot_exports(world: World, out_dir: Path) -> dict[str, Path]:
    """``contacts.csv`` and ``engagements.csv`` of the world, as HubSpot writes them (portal time zone UTC)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    leads = world.leads
    record = {lead: str(2001 + i * 3) for i, lead in enumerate(leads["lead_id"])}
    converted_at = leads["lead_id"].map(world.conversions.groupby("lead_id")["converted_at"].min())
    contacts = pd.DataFrame({
        "Record ID": leads["lead_id"].map(record),
        "Email": _text(leads["email"]),
        "Company Name": _text(leads["company"]),
        "Job Title": _text(leads["job_title"]),
        "Industry": _text(leads["industry"]),
        "Number of Employees": leads["employee_count"].map(_employee_range),
        "Annual Revenue": _amount(leads["annual_revenue"]),
        "Country/Region": _text(leads["country"]),
        "Original Source": leads["lead_source"].map(HS_SOURCE).fillna(_text(leads["lead_source"])),
        "Lifecycle Stage": np.where(converted_at.notna(), "Opportunity", "Lead"),
        "Create Date": leads["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
        "Became an Opportunity Date": converted_at.dt.strftime("%Y-%m-%d %H:%M").fillna(""),
    })
    acts = world.activities[world.activities["activity_type"].isin(list(HS_ACTIVITY))].reset_index(drop=True)
    engagements = pd.DataFrame({
        "Activity ID": [str(40_000_000 + i) for i in range(len(acts))],
        "hs_engagement_type": acts["activity_type"].map(HS_ACTIVITY),
        "hs_timestamp": acts["occurred_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "Associated Contact ID": acts["lead_id"].map(record),
    })
    paths = {"leads": out_dir / "contacts.csv", "activities": out_dir / "engagements.csv"}
    contacts.to_csv(paths["leads"], index=False)
    engagements.to_csv(paths["activities"], index=False)
    return paths


if __name__ == "__main__":
    from leadscore.synthetic import WorldConfig, generate_world

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "vendor_exports")
    world = generate_world(WorldConfig(n_leads=6_000, seed=3))
    for name, paths in (("salesforce", salesforce_exports(world, target / "salesforce")),
                        ("hubspot", hubspot_exports(world, target / "hubspot"))):
        print(name, {k: str(v) for k, v in paths.items()})
