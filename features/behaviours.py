"""What a reason is about: the catalogue's signals grouped the way sales thinks of a lead, declared once.

A salesperson reads "Requested a demo yesterday", not five columns of window counts, a recency and a share of
a decayed score. So the signals that describe one behaviour (every window count of one activity type, and its
part of the shared signals) form one *reason group*, and so do the signals of one fact about who the lead is
(seniority, department and decision-making role are the *role*). SHAP values are additive (Lundberg & Lee
2017), so a group's points are the exact sum of its members' points and the groups still add up to the score.

Signals shared by several behaviours are apportioned per lead (:mod:`scoring.reasons`): the decayed engagement
score in proportion to each activity type's part of it, the days since the last (high-intent) action to the type
of that action, the active days and the days with high-intent actions by each type's 30-day count, the trend by
each type's count over the trend window. What a lead that did nothing gets from them is the reason "No activity
yet".

Each group also names its **BANT** dimension (budget ← company size and revenue, authority ← role, need ← the
content and products the lead showed interest in, timing ← recency and bursts of buying intent) and its
**level** (organisation, stakeholder, opportunity), the two qualification frames sales teams use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from features.catalogue import Catalogue, Group
from features.config import ENGAGEMENT_TYPES, FeatureConfig
from features.contract import HIGH_INTENT_ACTIVITIES

Dimension = Literal["budget", "authority", "need", "timing"]
Level = Literal["organisation", "stakeholder", "opportunity"]
DIMENSIONS: tuple[Dimension, ...] = ("budget", "authority", "need", "timing")
LEVELS: tuple[Level, ...] = ("organisation", "stakeholder", "opportunity")

#: The activity behaviours that tell *when* a lead is buying (the rest tell what it needs).
TIMING_TYPES = frozenset({*HIGH_INTENT_ACTIVITIES})
#: Behaviours a salesperson can ask a lead for, whose effect on the score is worth showing ("what would raise
#: this score").
ACTIONABLE = ("demo_request", "meeting_held", "trial_signup", "webinar_attendance", "pricing_page_view")
#: Behaviours whose occurrence is bad news; all others are shown only when they raise the score.
NEGATIVE_TYPES = frozenset({"email_unsubscribe", "email_bounce"})


@dataclass(frozen=True)
class ReasonGroup:
    """One reason: its key, whether it is about who the lead is (fit) or what it did (engagement), the
    catalogue signals it owns outright, its qualification dimension and level, and for an activity behaviour
    its type."""

    key: str
    group: Group
    members: tuple[str, ...]
    dimension: Dimension
    level: Level
    activity: str | None = None


_FIT_GROUPS: tuple[tuple[str, tuple[str, ...], Dimension, Level], ...] = (
    ("role", ("seniority", "department", "is_decision_maker"), "authority", "stakeholder"),
    ("company_size", ("employee_count_log", "annual_revenue_log"), "budget", "organisation"),
    ("industry", ("industry",), "need", "organisation"),
    ("location", ("country", "region"), "need", "organisation"),
    ("email", ("email_domain_kind",), "authority", "stakeholder"),
    ("source", ("lead_source",), "need", "opportunity"),
)


def reason_groups(catalogue: Catalogue, config: FeatureConfig | None = None) -> tuple[ReasonGroup, ...]:
    """The reason groups of an event-mode catalogue: every catalogue signal belongs to exactly one group or
    is apportioned among the activity groups (see the module docstring)."""
    config = config or FeatureConfig()
    names = set(catalogue.names)
    groups: list[ReasonGroup] = []
    for activity in ENGAGEMENT_TYPES:
        members = tuple(f"n_{activity}_{w}d" for w in config.windows_days if f"n_{activity}_{w}d" in names)
        if activity == "email_click":
            members += (f"email_click_rate_{config.click_rate_days}d",)
        if activity == "email_unsubscribe":
            members += ("unsubscribed",)
        if activity == "email_bounce":
            members += ("bounced",)
        dimension: Dimension = "timing" if activity in TIMING_TYPES else "need"
        groups.append(ReasonGroup(activity, "engagement", members, dimension, "opportunity", activity))
    first, last = config.earlier_evaluation_days
    groups += [
        ReasonGroup("recent_activity", "engagement", (), "timing", "opportunity"),
        ReasonGroup("earlier_evaluation", "engagement", (f"n_high_intent_{first}_{last}d",), "timing", "opportunity"),
        ReasonGroup("lead_age", "engagement", ("lead_age_days",), "timing", "opportunity"),
    ]
    groups += [ReasonGroup(key, "fit", members, dimension, level) for key, members, dimension, level in _FIT_GROUPS]
    for name in config.extra_columns:
        groups.append(ReasonGroup(name, "fit", (name,), "need", "organisation"))
    owned = {m for g in groups for m in g.members}
    shared = set(shared_signals(config))
    missing = names - owned - shared
    if missing:
        raise ValueError(f"catalogue signals without a reason group: {', '.join(sorted(missing))}")
    return tuple(groups)


def shared_signals(config: FeatureConfig | None = None) -> tuple[str, ...]:
    """The signals apportioned among activity groups per lead (the rest belong to one group each)."""
    config = config or FeatureConfig()
    return ("engagement_score", "days_since_last_high_intent", f"high_intent_days_{config.high_intent_days_window}d",
            "days_since_last_activity", f"active_days_{config.active_days_window}d",
            f"activity_trend_{config.trend_days}d")


def column_groups(catalogue: Catalogue) -> tuple[ReasonGroup, ...]:
    """For a flat-mode catalogue: one group per column, named after it."""
    return tuple(ReasonGroup(f.name, f.group, (f.name,), "need", "opportunity" if f.group == "engagement"
                             else "organisation") for f in catalogue)
