"""The built-in vendor vocabularies, as plain data: which Salesforce and HubSpot export columns feed which
contract column, and how their picklist values translate into the contract's (:mod:`features.mappings` applies
them; a user's own CRM gets the same shape as a TOML file)."""

from __future__ import annotations

from features.contract import ACTIVITY_TYPE, CONVERTED_AT, CREATED_AT, LEAD_ID, OCCURRED_AT

#: Name under which a mapping delivers the leads export's own "this lead converted" flag; the loader
#: reads it (with :data:`CONVERTED_AT`) to derive conversions and never keeps it as a lead column.
CONVERSION_FLAG = "is_converted"

#: Per contract table: ``{"columns": {contract column: (vendor column, ...)}, "values": {contract column:
#: {snake-case vendor value: contract value}}}`` and optionally ``"ranges"`` / ``"salesforce_ids"``: contract
#: columns read by :func:`employee_range` / :func:`salesforce_id18` first.
SALESFORCE: dict[str, dict[str, dict]] = {
    "leads": {
        "columns": {
            LEAD_ID: ("Id",),
            CREATED_AT: ("CreatedDate",),
            "lead_source": ("LeadSource",),
            "email": ("Email",),
            "company": ("Company",),
            "industry": ("Industry",),
            "employee_count": ("NumberOfEmployees",),
            "annual_revenue": ("AnnualRevenue",),
            "country": ("CountryCode", "Country"),
            "job_title": ("Title",),
            CONVERTED_AT: ("ConvertedDate",),
            CONVERSION_FLAG: ("IsConverted",),
        },
        "values": {
            "lead_source": {
                "web": "web_form",
                "partner_referral": "partner",
                "purchased_list": "outbound",
                "employee_referral": "referral",
                "external_referral": "referral",
                "word_of_mouth": "referral",
            },
        },
        "salesforce_ids": (LEAD_ID,),
    },
    "activities": {
        "columns": {
            LEAD_ID: ("WhoId",),
            OCCURRED_AT: ("CompletedDateTime", "ActivityDateTime", "CreatedDate", "ActivityDate"),
            ACTIVITY_TYPE: ("Type", "TaskSubtype", "EventSubtype"),
        },
        "values": {
            ACTIVITY_TYPE: {
                "meeting": "meeting_held",
                "call": "sales_call",
                "email": "sales_email",
                "listemail": "sales_email",
                "cadence": "sales_cadence",
                "linkedin": "sales_linkedin",
                "task": "sales_task",
                "event": "sales_event",
            },
        },
        "salesforce_ids": (LEAD_ID,),
    },
}

HUBSPOT: dict[str, dict[str, dict]] = {
    "leads": {
        "columns": {
            LEAD_ID: ("Record ID", "Contact ID", "hs_object_id"),
            CREATED_AT: ("Create Date", "createdate"),
            "lead_source": ("Original Source", "Original Traffic Source", "hs_analytics_source"),
            "email": ("Email",),
            "company": ("Company Name",),
            "industry": ("Industry",),
            "employee_count": ("Number of Employees", "numemployees"),
            "annual_revenue": ("Annual Revenue", "annualrevenue"),
            "country": ("Country/Region", "Country"),
            "job_title": ("Job Title", "jobtitle"),
            CONVERTED_AT: (
                "Became an Opportunity Date",
                'Date entered "Opportunity (Lifecycle Stage Pipeline)"',
                "hs_lifecyclestage_opportunity_date",
            ),
        },
        "values": {
            "lead_source": {
                "organic_search": "organic_search",
                "paid_search": "paid_search",
                "social_media": "social",
                "organic_social": "social",
                "paid_social": "social",
                "email_marketing": "email_campaign",
                "referrals": "referral",
                "direct_traffic": "web_form",
                "other_campaigns": "other",
                "offline": "offline",
                "offline_sources": "offline",
                "ai_referrals": "ai_referrals",
            },
        },
        "ranges": ("employee_count",),
    },
    "activities": {
        "columns": {
            LEAD_ID: ("Associated Contact ID", "contact_id", "contactId", "Contact ID"),
            OCCURRED_AT: ("hs_timestamp", "Activity date", "timestamp"),
            ACTIVITY_TYPE: ("hs_engagement_type", "Activity type", "type", "Engagement type"),
        },
        "values": {
            ACTIVITY_TYPE: {
                "meeting": "meeting_held",
                "call": "sales_call",
                "email": "sales_email",
                "forwarded_email": "sales_email",
                "incoming_email": "email_reply",
                "note": "sales_note",
                "task": "sales_task",
                "linkedin_message": "sales_linkedin",
                "sms": "sales_message",
                "whats_app": "sales_message",
                "postal_mail": "sales_mail",
            },
        },
    },
}

#: Every mapping by the name the loader and the CLI accept (``mapping="salesforce"``).
MAPPINGS: dict[str, dict[str, dict[str, dict]]] = {"salesforce": SALESFORCE, "hubspot": HUBSPOT}
