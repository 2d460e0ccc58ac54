"""Feature configuration: the few numbers that define what the engagement signals mean.

Everything tunable about the signals lives here, typed, so that a trained model records exactly the
configuration its features were computed with (the scoring bundle stores this object).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from features.contract import ACTIVITY_TYPES, HIGH_INTENT_ACTIVITIES, OTHER_ACTIVITY

#: Every activity type a count is kept for: the contract's vocabulary plus ``other`` for anything else.
ENGAGEMENT_TYPES: tuple[str, ...] = (*ACTIVITY_TYPES, OTHER_ACTIVITY)

NEVER_DAYS = 3650.0
"""What the model sees for "days since …" when the thing never happened: ten years, longer ago than any
lead's history, so that "never" sorts after "long ago" and recency can be constrained monotone."""

DAY_US = 86_400_000_000
"""One day in microseconds, the unit all timestamps are handled in (integers, so windows are exact)."""


def _default_half_lives() -> dict[str, float]:
    # Intent fades at different speeds: a demo request is still meaningful a month later, a page view
    # after a week hardly is. Half-lives in days.
    return {
        "page_view": 7.0,
        "pricing_page_view": 14.0,
        "email_open": 7.0,
        "email_click": 10.0,
        "form_submit": 21.0,
        "content_download": 14.0,
        "webinar_registration": 14.0,
        "webinar_attendance": 21.0,
        "demo_request": 30.0,
        "trial_signup": 30.0,
        "meeting_held": 30.0,
        "email_unsubscribe": 60.0,
        "email_bounce": 60.0,
        OTHER_ACTIVITY: 7.0,
    }


def _default_weights() -> dict[str, float]:
    # How much one activity says about buying intent, relative to a page view (= 1). Negative signals
    # (unsubscribe, bounce) pull the decayed score down.
    return {
        "page_view": 1.0,
        "pricing_page_view": 5.0,
        "email_open": 0.5,
        "email_click": 2.0,
        "form_submit": 4.0,
        "content_download": 3.0,
        "webinar_registration": 2.0,
        "webinar_attendance": 6.0,
        "demo_request": 15.0,
        "trial_signup": 12.0,
        "meeting_held": 10.0,
        "email_unsubscribe": -5.0,
        "email_bounce": -3.0,
        OTHER_ACTIVITY: 0.5,
    }


@dataclass(frozen=True)
class FeatureConfig:
    """What the engagement signals look at.

    * ``windows_days``: count windows. 7 days is "this week's burst", 14 days "this sprint", 30 days "the
      current buying phase" (B2B evaluations typically run a few weeks), 90 days "this quarter" (matches the default
      label horizon, so the model sees as much past as it predicts future).
    * ``trend_days``: the trend compares the last 14 days with the 14 before: rising interest is a
      stronger signal than a stable level.
    * ``active_days_window``: distinct days with any activity in the last 30 days; one visit a day for
      a week means more than seven page views in one sitting.
    * ``high_intent_days_window``: distinct days with a high-intent action in the last 30 days.
    * ``earlier_evaluation_days``: high-intent actions between 90 and 365 days ago are an earlier
      evaluation; if it did not end in a purchase the lead often said "not now".
    * ``click_rate_days``: e-mail clicks per e-mail opened are counted over the last 90 days.
    * ``half_lives`` / ``weights``: the decayed engagement score, a single number of recent intent.
    * ``extra_columns``: user-declared extra lead columns passed through as fit features;
      ``extra_categorical`` names those among them whose values are labels, not numbers.
    """

    windows_days: tuple[int, ...] = (7, 14, 30, 90)
    trend_days: int = 14
    active_days_window: int = 30
    high_intent_days_window: int = 30
    earlier_evaluation_days: tuple[int, int] = (90, 365)
    click_rate_days: int = 90
    high_intent: tuple[str, ...] = HIGH_INTENT_ACTIVITIES
    half_lives: dict[str, float] = field(default_factory=_default_half_lives)
    weights: dict[str, float] = field(default_factory=_default_weights)
    extra_columns: tuple[str, ...] = ()
    extra_categorical: tuple[str, ...] = ()
