"""The API's response shapes (pydantic). Leads are read per lead by :mod:`scoring.requests`, so one bad lead
never sinks a batch."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class FieldError(BaseModel):
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


class ScoreResponse(BaseModel):
    model_version: str
    as_of: datetime
    lang: Literal["en", "de"]
    scored: int
    failed: int
    results: list[LeadScore]
