"""The API's data shapes (pydantic), validated per lead so that one bad lead never sinks a batch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, field_validator
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12


class Activity(TypedDict):
    """One thing a lead did (contract: ``activities`` table, without the lead id); other keys are ignored.

    A validated activity stays a plain dict: a lead can carry thousands, and the feature pipeline reads
    them as mappings, so building (and dumping) a model object per activity would be pure overhead."""

    __pydantic_config__ = ConfigDict(extra="ignore")  # type: ignore[misc]
    occurred_at: datetime
    activity_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Lead(BaseModel):
    """A lead as the CRM sends it: the contract's lead fields, any extra columns, its activities."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    lead_id: str = Field(min_length=1, max_length=200)
    created_at: datetime
    lead_source: str | None = None
    email: str | None = Field(default=None, max_length=320)
    company: str | None = None
    industry: str | None = None
    employee_count: int | None = Field(default=None, ge=0)
    annual_revenue: float | None = Field(default=None, ge=0)
    country: str | None = None
    job_title: str | None = Field(default=None, max_length=300)
    activities: list[Activity] = Field(default_factory=list, max_length=100_000)

    @field_validator("lead_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


LEAD = TypeAdapter(Lead)


class FieldError(BaseModel):
    field: str
    message: str


class Reason(BaseModel):
    feature: str
    group: Literal["fit", "engagement"]
    value: Any = None
    points: int
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
    reasons: list[Reason] = Field(default_factory=list)
    model_version: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ScoreResponse(BaseModel):
    model_version: str
    as_of: datetime
    lang: Literal["en", "de"]
    scored: int
    failed: int
    results: list[LeadScore]


def validate_lead(raw: object) -> tuple[Lead | None, list[FieldError]]:
    """A lead, or the list of its field errors (``activities.3.occurred_at: invalid datetime``)."""
    try:
        return LEAD.validate_python(raw), []
    except ValidationError as exc:
        errors = [FieldError(field=".".join(str(p) for p in e["loc"]) or "lead", message=e["msg"])
                  for e in exc.errors(include_input=False)]
        return None, errors


def lead_id_of(raw: object) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("lead_id"), str | int):
        return str(raw["lead_id"])
    return None
