"""The data contract (``../shared/DATA_CONTRACT.md``, v1) as constants every stage shares.

A CRM export that follows these names can be trained on and scored without code changes; the loader
maps other vocabularies (Salesforce, HubSpot) onto them.
"""

from __future__ import annotations

LEAD_ID = "lead_id"
CREATED_AT = "created_at"
OCCURRED_AT = "occurred_at"
ACTIVITY_TYPE = "activity_type"
CONVERTED_AT = "converted_at"

#: Columns of the ``leads`` table the contract names; any other column is an *extra* column, used as a
#: fit feature only when the user declares it.
LEAD_COLUMNS: tuple[str, ...] = (
    LEAD_ID,
    CREATED_AT,
    "lead_source",
    "email",
    "company",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "job_title",
)
REQUIRED_LEAD_COLUMNS: tuple[str, ...] = (LEAD_ID, CREATED_AT)
NUMERIC_LEAD_COLUMNS: tuple[str, ...] = ("employee_count", "annual_revenue")

ACTIVITY_COLUMNS: tuple[str, ...] = (LEAD_ID, OCCURRED_AT, ACTIVITY_TYPE)
CONVERSION_COLUMNS: tuple[str, ...] = (LEAD_ID, CONVERTED_AT)
#: Optional, through a mapping: what an activity was about (Marketo's "Primary Attribute Value": the page, the
#: form, the program), read with its type ("Visit Webpage" of ``…/pricing`` is a pricing page view).
ACTIVITY_DETAIL = "activity_detail"
#: Optional, through a mapping: the e-mail address an activities or conversions export is keyed by, joined to
#: the lead with that address when the export holds no lead id.
EMAIL = "email"

#: The activity vocabulary of the contract. Any other value is kept and counted as ``other``.
ACTIVITY_TYPES: tuple[str, ...] = (
    "page_view",
    "pricing_page_view",
    "email_open",
    "email_click",
    "form_submit",
    "content_download",
    "webinar_registration",
    "webinar_attendance",
    "demo_request",
    "trial_signup",
    "meeting_held",
    "email_unsubscribe",
    "email_bounce",
)
OTHER_ACTIVITY = "other"

#: Activities that show buying intent: someone who does these is evaluating a purchase, not just reading.
HIGH_INTENT_ACTIVITIES: tuple[str, ...] = (
    "pricing_page_view",
    "demo_request",
    "webinar_attendance",
    "trial_signup",
    "meeting_held",
)

#: Lead-source channels the contract lists; unknown values are allowed and kept.
LEAD_SOURCES: tuple[str, ...] = (
    "web_form",
    "webinar",
    "trade_show",
    "referral",
    "paid_search",
    "organic_search",
    "social",
    "email_campaign",
    "outbound",
    "partner",
    "other",
)

#: Values that CRM exports use for "nobody answered" (``Select`` is a picklist's unchosen default).
MISSING_MARKERS: frozenset[str] = frozenset(
    {"", "select", "na", "n/a", "nan", "none", "null", "-", "--", "unknown", "not provided", "not specified",
     "k.a.", "k. a.", "k.a", "n.a.", "n. a.", "keine angabe", "keine angaben", "nicht angegeben", "unbekannt",
     "#n/a", "#nv"}  # the last two: Excel's "no value" (#NV in German Excel), saved into a CSV
)

DEFAULT_HORIZON_DAYS = 90
