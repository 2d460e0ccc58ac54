"""The API's shapes (pydantic): what a CRM sends (a lead, its activities), what it gets back (scores, reasons)
and the one error body every 4xx/5xx carries. They type and document the JSON; what a value *means* (a date, a
German amount, a missing marker) is decided by the one rulebook, :mod:`features.values` and
:mod:`features.records`, per lead, so one bad lead never sinks a batch. A typed field therefore accepts every
raw form the rulebook reads (an amount as a number or as text such as ``"1.234,5"``), and ``null`` means
missing, as an empty cell does in a file."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    StrictFloat,
    StrictInt,
    StrictStr,
)
from typing_extensions import TypedDict

from features.contract import ACTIVITY_TYPES

_MOMENT = ("ISO 8601 (`2026-03-01T10:00:00Z`, `…+02:00`, `2026-03-01 10:00`, `2026-03-01`), a dotted day-first "
           "date as German exports write it (`01.03.2026`, `1.3.2026 14:30`), Unix time as text (`1772359200`: 10 "
           "digits are seconds, 13 milliseconds) or a spreadsheet's day number as text (`46082.4166667`: days "
           "since 1899-12-30, as Excel and Google Sheets hold dates); no offset means UTC, as does `UTC` or `GMT` "
           "after the moment. "
           "Slashed forms, two-digit years and other zone names are not guessed: such a value is reported as "
           "unparseable.")
_AMOUNT = ("A number, or text as CRM exports format it in German or English: `1.234.567,89`, `1,234,567.89`, "
           "`25 000`, `€ 1.500`, `10 Mio. €`, `$20M`; a range is read as its midpoint (`51-200`), an open one as "
           "its lower bound (`10,001+`). A negative value or text that is not a number is read as missing, with a "
           "warning naming the field.")

Moment = StrictStr
Amount = StrictInt | StrictFloat | StrictStr


class Activity(TypedDict, total=False):
    """One thing a lead did (a row of the contract's `activities` table, without its `lead_id`)."""

    __pydantic_config__ = ConfigDict(extra="allow", title="Activity")  # type: ignore[misc]

    occurred_at: NotRequired[Annotated[Moment | None, Field(
        description=f"When it happened; activities after the request's `as_of` are not used. {_MOMENT} "
                    "An activity without a readable moment is not used, with a warning.",
        examples=["2026-05-14T09:30:00Z"])]]
    activity_type: NotRequired[Annotated[StrictStr | None, Field(
        description="What happened: " + ", ".join(f"`{t}`" for t in ACTIVITY_TYPES) + ". Case, spaces and "
                    "hyphens do not matter (`Page View` is `page_view`); any other value is kept and counted "
                    "as `other`. An activity without a type is not used, with a warning.",
        examples=["pricing_page_view"])]]
    lead_id: NotRequired[Annotated[StrictStr | StrictInt | None, Field(
        description="Ignored: an activity belongs to the lead it is listed under.", examples=["L-000123"])]]


class Lead(TypedDict, total=False):
    """A lead as the CRM holds it (a row of the contract's `leads` table) with its activities.

    `lead_id` and `created_at` are required: a lead without them (or with an unreadable `created_at`) comes
    back with `status: "error"` and the field named, while the request's other leads are scored. Further
    fields only where the served model was trained on them (extra columns: `GET /model` lists them as
    `extra_fields`); any other field is refused with 400 naming it."""

    __pydantic_config__ = ConfigDict(extra="allow", title="Lead")  # type: ignore[misc]

    lead_id: NotRequired[Annotated[StrictStr | StrictInt | None, Field(
        description="Required. The CRM's id of the lead, unique within a request; returned with its result.",
        examples=["L-000123"])]]
    created_at: NotRequired[Annotated[Moment | None, Field(
        description=f"Required. When the lead entered the CRM; a lead created after `as_of` is an error. {_MOMENT}",
        examples=["2026-04-02T08:15:00Z"])]]
    lead_source: NotRequired[Annotated[StrictStr | None, Field(
        description="The channel: `web_form`, `webinar`, `trade_show`, `referral`, `paid_search`, "
                    "`organic_search`, `social`, `email_campaign`, `outbound`, `partner`, `other`; unknown "
                    "values are allowed.", examples=["webinar"])]]
    email: NotRequired[Annotated[StrictStr | None, Field(
        description="Only used to tell a corporate from a free-mail domain; never a feature itself, never logged.",
        examples=["anna.schmidt@example-gmbh.de"])]]
    company: NotRequired[Annotated[StrictStr | None, Field(
        description="An identifier, not a feature.", examples=["Example GmbH"])]]
    industry: NotRequired[Annotated[StrictStr | None, Field(
        description="Free text or a CRM picklist value.", examples=["Manufacturing"])]]
    employee_count: NotRequired[Annotated[Amount | None, Field(
        description=f"Employees of the lead's company. {_AMOUNT}", examples=[250, "1.200"])]]
    annual_revenue: NotRequired[Annotated[Amount | None, Field(
        description=f"The company's annual revenue in EUR. {_AMOUNT}", examples=[12500000, "12.500.000,00 €"])]]
    country: NotRequired[Annotated[StrictStr | None, Field(
        description="ISO 3166-1 alpha-2.", examples=["DE"])]]
    job_title: NotRequired[Annotated[StrictStr | None, Field(
        description="Free text, German or English.", examples=["Head of Marketing", "Geschäftsführer"])]]
    activities: NotRequired[Annotated[list[Activity] | None, Field(
        description="Everything the lead did; only those at or before `as_of` are used.",
        examples=[[{"occurred_at": "2026-05-14T09:30:00Z", "activity_type": "pricing_page_view"}]])]]


LEAD_EXAMPLE: dict[str, Any] = {
    "lead_id": "L-000123", "created_at": "2026-04-02T08:15:00Z", "lead_source": "webinar",
    "email": "anna.schmidt@example-gmbh.de", "company": "Example GmbH", "industry": "Manufacturing",
    "employee_count": 250, "annual_revenue": "12.500.000,00 €", "country": "DE", "job_title": "Head of Marketing",
    "activities": [{"occurred_at": "2026-05-14T09:30:00Z", "activity_type": "webinar_attendance"},
                   {"occurred_at": "2026-05-20T16:02:00Z", "activity_type": "pricing_page_view"}],
}

Leads = Annotated[list[Lead], Field(
    description="The leads to score, answered one result each in the same order. A lead that cannot be read "
                "is answered with `status: \"error\"` and its fields named; the others are still scored.",
    examples=[[LEAD_EXAMPLE]])]



def _iso_text(value: object) -> object:
    """A request's moment comes as ISO 8601 text (JSON has no other form of it); a number is refused, not read
    as a Unix timestamp."""
    if value is None or isinstance(value, str | datetime):
        return value
    raise ValueError("expected an ISO 8601 date-time text")


def _json_integer(value: object) -> object:
    """A JSON integer: ``5`` or ``5.0`` (the same number in JSON), not ``"5"`` or ``true``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    return value


AsOf = Annotated[datetime | None, BeforeValidator(_iso_text),
                 Field(description="The moment to score at (ISO 8601; without an offset, a local time of the zone the "
                                   "model's export wrote its times in, else UTC); default now.",
                       examples=["2026-06-30T00:00:00Z"])]
Lang = Annotated[Literal["en", "de"], Field(description="The language of reasons and texts.")]
TopK = Annotated[int, Field(ge=0, le=20, description="Reasons per lead (0: none)."), BeforeValidator(_json_integer)]
Suggest = Annotated[bool, Strict(), Field(description="Also the buying actions that would raise each score.")]


class ErrorDetail(BaseModel):
    """What was wrong, and where."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int] = Field(description="Where: `body`, then keys and list positions "
                                             "(`[\"body\", \"leads\", 0, \"created_at\"]`), or a header.",
                                 examples=[["body", "leads", 0, "created_at"]])
    msg: str = Field(description="What is wrong, for a person.", examples=["Input should be a valid string"])
    type: str = Field(description="A stable code for programs.", examples=["string_type"])


class ErrorBody(BaseModel):
    """Every error response (4xx and 5xx) carries this body."""

    error: str = Field(description="One line saying what went wrong and what to do.",
                       examples=["the request does not match the schema"])
    detail: list[ErrorDetail] = Field(default_factory=list, description="One entry per problem; may be empty.")


class Liveness(BaseModel):
    status: Literal["alive"] = "alive"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"


class CardRequest(BaseModel):
    """One lead to render as a score card."""

    leads: Annotated[list[Lead], Field(min_length=1, max_length=1, description="Exactly one lead.",
                                       examples=[[LEAD_EXAMPLE]])]
    as_of: AsOf = None
    lang: Annotated[Literal["en", "de"], Field(description="The card's language.")] = "en"
    top_k: Annotated[int, Field(ge=1, le=20, description="How many reasons to show."), BeforeValidator(_json_integer)
                     ] = 5


class FieldError(BaseModel):
    """A problem with one field of one lead (`activities.0.activity_type`: the first activity's type)."""

    field: str
    message: str


class Reason(BaseModel):
    reason: str
    group: Literal["fit", "engagement"]
    dimension: Literal["budget", "authority", "need", "timing"]
    value: Any = None
    points: int
    text: str


class Suggestion(BaseModel):
    """A buying action that would raise the score, and the score the lead would then have."""

    action: str
    score: int
    tier: Literal["hot", "warm", "cold"]
    gain: int
    text: str


class LeadScore(BaseModel):
    """A scored lead, or (``status == "error"``) the fields that kept it from being scored."""

    index: int
    lead_id: str | None
    status: Literal["ok", "error"]
    probability: float | None = None
    score: int | None = None
    tier: Literal["hot", "warm", "cold"] | None = None
    tier_conversion_rate: float | None = None
    grade: Literal["A", "B", "C", "D"] | None = None
    base_score: int | None = None
    fit_score: int | None = None
    engagement_score: int | None = None
    other_points: int | None = None
    bant_budget: int | None = None
    bant_authority: int | None = None
    bant_need: int | None = None
    bant_timing: int | None = None
    level_organisation: int | None = None
    level_stakeholder: int | None = None
    level_opportunity: int | None = None
    reasons: list[Reason] = Field(default_factory=list)
    suggestions: list[Suggestion] | None = None
    model_version: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    warnings: list[FieldError] = Field(default_factory=list)
    #: the lead as the rules read it (its batch's fingerprints, its row), for the score log; never sent
    _read_as: tuple[Any, int] | None = PrivateAttr(default=None)


class ScoreResponse(BaseModel):
    model_version: str
    as_of: datetime
    lang: Literal["en", "de"]
    scored: int
    failed: int
    results: list[LeadScore]
