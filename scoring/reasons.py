"""From per-signal points to the reasons a salesperson reads: grouped, exact, and never about missing data.

Each lead's exact points per signal (:mod:`scoring.explain`) are summed into the reason groups of
:mod:`features.behaviours`; the signals several behaviours share are apportioned per lead by what the lead did
(the decayed score by each activity type's part of it, the latest high-intent action to its type, the days with
high-intent actions by each type's 30-day count). The groups' points are rounded by the largest-remainder method,
so ``base_score + Σ group points = score`` still holds exactly.

Which groups are shown: the ``top_k`` with the most points and the ``top_k`` with the fewest, except

* an unknown value (no industry, no role in the title, no address) is never a reason *for* a lead: its points
  stay in the total ("all other signals"); "Industry unknown" may be shown as a reason against;
* something a lead did is never a reason *against* it (an unsubscribe or a bounce excepted), and something it
  has not done ("No demo request yet") is never a reason *for* it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features import phrases
from features.behaviours import NEGATIVE_TYPES, ReasonGroup
from features.catalogue import Catalogue, Lang
from features.config import ENGAGEMENT_TYPES, FeatureConfig
from features.contract import HIGH_INTENT_ACTIVITIES
from features.values import FEW_VALUES
from scoring.explain import largest_remainder

Columns = pd.DataFrame | dict[str, np.ndarray]


@dataclass(frozen=True)
class GroupedPoints:
    """Per lead and reason group: exact points, whole points, and whether the group may be shown up / down."""

    exact: np.ndarray  # (n, G)
    points: np.ndarray  # (n, G) int
    may_raise: np.ndarray  # (n, G) bool
    may_lower: np.ndarray  # (n, G) bool


def _has(columns: Columns, name: str) -> bool:
    return name in (columns.columns if isinstance(columns, pd.DataFrame) else columns)


def _column(columns: Columns, name: str, n: int, default: float = np.nan) -> np.ndarray:
    if isinstance(columns, pd.DataFrame):
        return columns[name].to_numpy() if name in columns.columns else np.full(n, default)
    return np.asarray(columns[name]) if name in columns else np.full(n, default)


def group_points(points_exact: np.ndarray, totals: np.ndarray, columns: Columns, catalogue: Catalogue,
                 groups: tuple[ReasonGroup, ...], config: FeatureConfig) -> GroupedPoints:
    """Points per group (see the module docstring); ``totals`` are ``score − base_score`` per lead."""
    n = len(points_exact)
    plan = _plan(catalogue, groups, config.windows_days, config.high_intent_days_window, config.active_days_window,
                 config.trend_days)
    exact = np.zeros((n, len(groups)))
    for targets, members in plan.members:  # each group's members added in its order, as a sum over them would
        exact[:, targets] += points_exact[:, members]
    if plan.spreads:
        _apportion_shared(exact, points_exact, plan, columns, n)
    points = largest_remainder(exact, totals)
    may_raise, may_lower = _eligibility(groups, columns, n, f"active_days_{config.active_days_window}d",
                                        config.earlier_evaluation_days[0])
    return GroupedPoints(exact, points, may_raise, may_lower)


@dataclass(frozen=True)
class _Spread:
    """A shared signal apportioned over activity groups by weights read from the lead's columns."""

    signal: int  # the signal's catalogue index
    targets: np.ndarray  # the groups it is spread over
    weights: np.ndarray  # their weight columns, as positions in :attr:`_Plan.weight_names`
    kind: str  # "clip": weights below 0 count as 0; "latest": weight 1 for the group whose type is the column's
    codes: np.ndarray  # "latest": the activity type code of each target


@dataclass(frozen=True)
class _Plan:
    """Which catalogue signals make each group's points, worked out once per model, so that a lead's points
    are a few array operations whatever the number of groups (one lead per request is the API's usual case)."""

    members: tuple[tuple[np.ndarray, np.ndarray], ...]  # per member rank: (groups, catalogue indices)
    rest: int  # the "recent activity" group: what a lead that did nothing gets from the shared signals
    spreads: tuple[_Spread, ...]
    weight_names: tuple[str, ...]
    weight_defaults: np.ndarray


@functools.lru_cache(maxsize=16)
def _plan(catalogue: Catalogue, groups: tuple[ReasonGroup, ...], windows_days: tuple[int, ...],
          high_intent_days_window: int, active_days_window: int, trend_days: int) -> _Plan:
    index = {name: j for j, name in enumerate(catalogue.names)}
    position = {g.key: i for i, g in enumerate(groups)}
    owned = [[(i, index[m]) for m in g.members if m in index] for i, g in enumerate(groups)]
    members = tuple((np.array([o[rank][0] for o in owned if len(o) > rank], dtype=np.intp),
                     np.array([o[rank][1] for o in owned if len(o) > rank], dtype=np.intp))
                    for rank in range(max(map(len, owned), default=0)))
    if "recent_activity" not in position:
        return _Plan(members, -1, (), (), np.zeros(0))
    names: dict[str, float] = {}

    def columns_of(column_names: list[str], default: float) -> np.ndarray:
        for name in column_names:
            names.setdefault(name, default)
        return np.array([list(names).index(name) for name in column_names], dtype=np.intp)

    types = [t for t in ENGAGEMENT_TYPES if t in position]
    high = [t for t in HIGH_INTENT_ACTIVITIES if t in position]

    def counts(days: int, activities: list[str]) -> np.ndarray:
        window = min(windows_days, key=lambda w: abs(w - days))
        return columns_of([f"n_{t}_{window}d" for t in activities], 0.0)

    declared = [  # (signal, activities, weight columns, kind): the module docstring's apportioning, in order
        ("engagement_score", types, columns_of([f"_score_{t}" for t in types], 0.0), "clip"),
        ("days_since_last_high_intent", types, columns_of(["_last_high_intent_type"], -1.0), "latest"),
        ("days_since_last_activity", types, columns_of(["_last_activity_type"], -1.0), "latest"),
        (f"high_intent_days_{high_intent_days_window}d", high, counts(high_intent_days_window, high), "count"),
        (f"active_days_{active_days_window}d", types, counts(active_days_window, types), "count"),
        (f"activity_trend_{trend_days}d", types, counts(trend_days, types), "count"),
    ]
    spreads = tuple(_Spread(index[signal], np.array([position[a] for a in activities], dtype=np.intp), weights,
                            kind, np.array([ENGAGEMENT_TYPES.index(a) for a in activities], dtype=float))
                    for signal, activities, weights, kind in declared if signal in index)
    return _Plan(members, position["recent_activity"], spreads, tuple(names),
                 np.array(list(names.values()), dtype=float))


def _apportion_shared(exact: np.ndarray, points_exact: np.ndarray, plan: _Plan, columns: Columns, n: int) -> None:
    table = np.nan_to_num(_matrix(columns, plan.weight_names, n, plan.weight_defaults.tolist()))
    for spread in plan.spreads:
        if spread.kind == "latest":
            weights = (table[:, spread.weights] == spread.codes[None, :]).astype(float)
        else:
            weights = table[:, spread.weights]
            if spread.kind == "clip":
                weights = np.maximum(weights, 0.0)
        share = points_exact[:, spread.signal]
        total = weights.sum(axis=1)
        has = total > 0  # weights are never negative: a lead without any gives its share to "recent activity"
        exact[:, spread.targets] += share[:, None] * weights / np.where(has, total, 1.0)[:, None]
        exact[:, plan.rest] += np.where(has, 0.0, share)


def _eligibility(groups: tuple[ReasonGroup, ...], columns: Columns, n: int, active_days: str,
                 earlier_from_days: int) -> tuple[np.ndarray, np.ndarray]:
    may_raise = np.ones((n, len(groups)), dtype=bool)
    may_lower = np.ones((n, len(groups)), dtype=bool)
    acts = [i for i, group in enumerate(groups) if group.activity is not None]
    kinds = [groups[i].activity for i in acts]
    happened = ~np.isnan(_matrix(columns, [f"_days_since_{kind}" for kind in kinds], n))
    recorded = np.array([_has(columns, f"_days_since_{kind}") for kind in kinds], dtype=bool)
    if not recorded.all():  # columns without the explain-only ones: what the windows saw
        seen = np.nan_to_num(_matrix(columns, [f"n_{kind}_90d" for kind in kinds], n, 0.0)) > 0
        happened = np.where(recorded, happened, seen)
    bad_news = np.array([kind in NEGATIVE_TYPES for kind in kinds], dtype=bool)
    # bad news: shown only against a lead, only when it happened; done: only ever a reason for; not done: only
    # ever against
    may_raise[:, acts] = happened & ~bad_news
    may_lower[:, acts] = np.where(bad_news, happened, ~happened)
    for i, group in enumerate(groups):  # an unknown value is never a reason for: a fit group, a flat column
        if group.activity is None and (group.group == "fit" or group.members == (group.key,)):
            may_raise[:, i] = ~_unknown(group, columns, n)
    if any(g.key == "recent_activity" for g in groups):
        i = next(i for i, g in enumerate(groups) if g.key == "recent_activity")
        ever = happened.any(axis=1)
        may_raise[:, i] = ever | ~np.isnan(_column(columns, "days_since_last_activity", n).astype(float))
        # "Active on 5 days of the last 30" is something the lead did: never a reason against it; "Last active 5
        # months ago" (no active day in the window) may be
        may_lower[:, i] = ~(np.nan_to_num(_column(columns, active_days, n, 0.0).astype(float)) > 0)
    if any(g.key == "earlier_evaluation" for g in groups):
        # "No buying signals 3–12 months ago" says nothing of a lead that did not exist then: never a reason
        i = next(i for i, g in enumerate(groups) if g.key == "earlier_evaluation")
        young = ~(np.nan_to_num(_column(columns, "lead_age_days", n, 0.0).astype(float)) >= earlier_from_days)
        may_raise[young, i] = may_lower[young, i] = False
    return may_raise, may_lower


def _matrix(columns: Columns, names: list[str] | tuple[str, ...], n: int, default: float | list[float] = np.nan,
            ) -> np.ndarray:
    """The named columns as one float matrix (n × len(names)); an absent column is all ``default`` (one value,
    or one per name)."""
    defaults = default if isinstance(default, list) else [default] * len(names)
    present = set(columns.columns) if isinstance(columns, pd.DataFrame) else columns
    arrays = [np.asarray(columns[name]) if name in present else np.full(n, d)
              for name, d in zip(names, defaults, strict=True)]
    # one array call for all columns (a request's lead: one call instead of one per column), rows contiguous
    return np.ascontiguousarray(np.array(arrays, dtype=float).reshape(len(names), n).T)


def _unknown(group: ReasonGroup, columns: Columns, n: int) -> np.ndarray:
    """Whether a fit group says nothing known about the lead (every member missing or "unknown")."""
    unknown = np.ones(n, dtype=bool)
    for member in group.members:
        values = _column(columns, member, n)
        if values.dtype == object:
            known = np.array([v is not None and v == v and v not in ("unknown", "missing") for v in values.tolist()])
        else:
            known = ~np.isnan(values.astype(float))
            if member == "is_decision_maker":
                known = np.zeros(n, dtype=bool)  # a flag derived from the title: the role's other members tell
        unknown &= ~known
    return unknown


def shown(grouped: GroupedPoints, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Which groups each lead's reasons name, in reading order: up to ``top_k`` that raise the score (most
    first), then up to ``top_k`` that lower it (most first). Returns ``(groups, count)``: ``groups`` is
    n × (2·top_k or more) group indices, each row's shown reasons first and −1 after them; ``count`` is how
    many each row shows. The one definition of "which reasons are shown", for every way a result is read.

    When what is left ("all other signals") would outweigh every shown reason, further eligible reasons of its
    sign are shown until it does not or none is left: no reason hides behind "all other signals"."""
    n, g = grouped.points.shape
    k = max(0, min(top_k, g))
    up = np.where(grouped.may_raise & (grouped.points > 0), grouped.exact, -np.inf)
    down = np.where(grouped.may_lower & (grouped.points < 0), -grouped.exact, -np.inf)
    order_up = np.argsort(-up, axis=1, kind="stable")
    order_down = np.argsort(-down, axis=1, kind="stable")
    rows = np.arange(n)[:, None]
    keep_up = np.isfinite(up[rows, order_up])
    keep_down = np.isfinite(down[rows, order_down])
    take_up = np.minimum(keep_up.sum(axis=1), k)
    take_down = np.minimum(keep_down.sum(axis=1), k)
    if k:
        total = grouped.points.sum(axis=1)
        slots = np.arange(g)[None, :]
        points_up = grouped.points[rows, order_up] * (slots < take_up[:, None])
        points_down = grouped.points[rows, order_down] * (slots < take_down[:, None])
        other = total - points_up.sum(axis=1) - points_down.sum(axis=1)
        largest = np.maximum(np.abs(points_up).max(axis=1), np.abs(points_down).max(axis=1))
        for i in np.flatnonzero(np.abs(other) > largest):  # few leads: their remainder is the largest bar
            while True:
                chosen = [*order_up[i, :take_up[i]], *order_down[i, :take_down[i]]]
                shown_points = grouped.points[i, chosen]
                rest = total[i] - shown_points.sum()
                if not chosen or abs(rest) <= np.abs(shown_points).max():
                    break
                if rest > 0 and take_up[i] < keep_up[i].sum():
                    take_up[i] += 1
                elif rest < 0 and take_down[i] < keep_down[i].sum():
                    take_down[i] += 1
                else:
                    break
    width = max(int((take_up + take_down).max(initial=0)), 2 * k)
    features = np.full((n, width), -1, dtype=np.intp)
    lead, slot = np.nonzero(np.arange(g)[None, :] < take_up[:, None])
    features[lead, slot] = order_up[lead, slot]
    lead, slot = np.nonzero(np.arange(g)[None, :] < take_down[:, None])
    features[lead, take_up[lead] + slot] = order_down[lead, slot]
    return features, take_up + take_down


# --------------------------------------------------------------------------------------------------
# Sentences: each group's text depends on a few facts; rows with the same facts share one rendering


_WINDOWS = (7, 30, 90)


def calendar_days(days: np.ndarray, time_of_day: float | None) -> np.ndarray:
    """Days ago as a salesperson's calendar counts them, where a sentence says days: scored at 01:00, an e-mail
    opened at 23:00 was "yesterday", not "today" (an elapsed 0.1 days). ``time_of_day``: the scoring moment's
    share of its day on the reader's clock (the offset ``as_of`` was given with, else UTC); ``None`` leaves the
    elapsed days. Older moments keep their elapsed days ("5 weeks ago")."""
    d = np.asarray(days, dtype=float)
    if time_of_day is None:
        return d
    with np.errstate(invalid="ignore"):
        return np.where(d < phrases.DAYS_SAID, np.maximum(np.ceil(d - time_of_day), 0.0), d)


def _when_key(days: np.ndarray) -> np.ndarray:
    """An integer that determines :func:`features.phrases.when` (NaN: −1): whole days below 60 days, the month
    count below a year, one key beyond."""
    d = np.asarray(days, dtype=float)
    key = np.where(d < 60, np.floor(d), np.where(d < 365, 1000 + np.round(d / 30.44), 9999))
    return np.where(np.isnan(d), -1, key).astype(np.int64)


def _lead_age_key(days: np.ndarray) -> np.ndarray:
    """An integer that determines :func:`features.phrases.lead_age` (NaN: −1): whole days below 60 days, then
    the month count however old the lead is (the sentence names the months: "for 22 months"), so that two
    leads share a sentence only when they would each be given the same one, whatever else is in the batch."""
    d = np.asarray(days, dtype=float)
    key = np.where(d < 60, np.floor(d), 1000 + np.round(d / 30.44))
    return np.where(np.isnan(d), -1, key).astype(np.int64)


def group_texts(group: ReasonGroup, rows: np.ndarray, columns: Columns, lang: Lang, config: FeatureConfig,
                n: int, time_of_day: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The sentence and the shown value of ``group`` for the leads at ``rows``; days ago in the sentences are
    calendar days (:func:`calendar_days`), the shown values the elapsed days."""
    if group.activity is not None:
        elapsed = _column(columns, f"_days_since_{group.activity}", n).astype(float)[rows]
        days = calendar_days(elapsed, time_of_day)
        counts = {w: np.nan_to_num(_column(columns, f"n_{group.activity}_{w}d", n, 0.0).astype(float))[rows]
                  for w in _WINDOWS if _has(columns, f"n_{group.activity}_{w}d")}
        key = np.column_stack([_when_key(days), *(c.astype(np.int64) for c in counts.values())])
        return _render(key, lambda i: phrases.behaviour(group.activity, None if np.isnan(days[i]) else days[i],
                                                        {w: int(c[i]) for w, c in counts.items()}, lang),
                       np.round(elapsed, 1))
    if group.key == "recent_activity":
        elapsed = _column(columns, "days_since_last_activity", n).astype(float)[rows]
        days = calendar_days(elapsed, time_of_day)
        active = np.nan_to_num(_column(columns, f"active_days_{config.active_days_window}d", n, 0.0)
                               .astype(float))[rows]
        return _render(np.column_stack([_when_key(days), active.astype(np.int64)]),
                       lambda i: phrases.recent_activity(None if np.isnan(days[i]) else days[i], int(active[i]),
                                                         config.active_days_window, lang), np.round(elapsed, 1))
    if group.key == "earlier_evaluation":
        count = np.nan_to_num(_column(columns, group.members[0], n, 0.0).astype(float))[rows].astype(np.int64)
        return _render(count, lambda i: phrases.earlier_evaluation(int(count[i]), lang), count)
    if group.key == "lead_age":
        elapsed = _column(columns, "lead_age_days", n).astype(float)[rows]
        age = calendar_days(elapsed, time_of_day)
        return _render(_lead_age_key(age), lambda i: phrases.lead_age(age[i], lang), np.round(elapsed, 1))
    return _fit_texts(group, rows, columns, lang, n)


def _fit_texts(group: ReasonGroup, rows: np.ndarray, columns: Columns, lang: Lang, n: int,
               ) -> tuple[np.ndarray, np.ndarray]:
    values = {m: _column(columns, m, n)[rows] for m in group.members}
    if group.key == "role":
        first, second = values["seniority"], values["department"]
        render = lambda i: phrases.role(first[i], second[i], lang)  # noqa: E731
        shown_value = first
    elif group.key == "company_size":
        first, second = values["employee_count_log"].astype(float), values["annual_revenue_log"].astype(float)
        render = lambda i: phrases.company_size(first[i], second[i], lang)  # noqa: E731
        shown_value = np.round(np.expm1(first))
    elif group.key in ("industry", "location", "email", "source"):
        first = values[group.members[0]]
        function = {"industry": phrases.industry, "location": phrases.location, "email": phrases.email,
                    "source": phrases.source}[group.key]
        render = lambda i: function(first[i], lang)  # noqa: E731
        shown_value = first
    else:  # a declared extra column or a flat table's column
        first = values[group.members[0]]
        render = lambda i: phrases.column_value(group.key, first[i], lang)  # noqa: E731
        shown_value = first
    unknown_text = {"role": ("Role not given in the title", "Rolle nicht im Titel angegeben"),
                    "company_size": ("Company size unknown", "Unternehmensgröße unbekannt"),
                    "industry": ("Industry unknown", "Branche unbekannt"),
                    "location": ("Country unknown", "Land unbekannt"),
                    "email": ("No e-mail address", "Keine E-Mail-Adresse"),
                    "source": ("Lead source unknown", "Herkunft unbekannt")}.get(
        group.key, (f"{phrases.readable(group.key)}: not given", f"{phrases.readable(group.key)}: keine Angabe"))

    def text(i: int) -> str:
        return render(i) or unknown_text[0 if lang == "en" else 1]

    key = np.column_stack([_codes(v) for v in values.values()])
    return _render(key, text, _plain(np.asarray(shown_value)))


def _plain(values: np.ndarray) -> np.ndarray:
    """The values as plain Python objects, missing ones (``None``, NaN) as ``None``."""
    items = values.tolist()
    if len(items) > FEW_VALUES and (values.dtype != object or set(map(type, items)) <= {str, float, type(None)}):
        # column-wise where every missing value is a None or a float NaN (what pd.isna finds in such a column)
        plain = np.array(items, dtype=object) if values.dtype != object else values.copy()
        plain[pd.isna(values)] = None
        return plain
    return np.array([None if (v is None or (isinstance(v, float) and np.isnan(v))) else
                     (v.item() if isinstance(v, np.generic) else v) for v in items], dtype=object)


def _codes(values: np.ndarray) -> np.ndarray:
    """A code per value, equal for values that print alike."""
    if len(values) <= FEW_VALUES:  # a request's few leads: a dict costs less than hashing a column
        seen: dict[str, int] = {}
        return np.array([seen.setdefault(str(v), len(seen)) for v in np.asarray(values).tolist()], dtype=np.int64)
    if values.dtype.kind == "f":  # floats print alike when their bits are equal (every NaN prints "nan")
        return pd.factorize(np.where(np.isnan(values), np.nan, values).astype(np.float64).view(np.int64))[0]
    return pd.factorize(pd.Series(values, dtype=object).astype(str))[0]


def _render(key: np.ndarray, text: Callable[[int], str], shown_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sentence of every row, rendered once per distinct key (rows of one key, a row of ``key`` when it is a
    matrix, share a sentence)."""
    key = np.asarray(key).reshape(len(key), -1)
    array = np.asarray(shown_value)
    if len(key) <= FEW_VALUES:  # a request's few leads: a dict costs less than sorting the keys
        values = array.astype(object) if array.dtype == object else \
            np.array([None if np.isnan(v) else float(v) for v in array.astype(float).tolist()], dtype=object)
        sentences: dict[tuple[int, ...], str] = {}
        rendered = [sentences.setdefault(row, text(i)) if row not in sentences else sentences[row]
                    for i, row in enumerate(map(tuple, key.tolist()))]
        return np.array(rendered, dtype=object), values
    if array.dtype == object:
        values = array.astype(object)
    else:
        numbers = array.astype(float)
        values = numbers.astype(object)
        values[np.isnan(numbers)] = None
    codes, first = _distinct_rows(key)
    sentences_of = np.array([text(int(i)) for i in first], dtype=object)
    return sentences_of[codes], values


def _distinct_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct rows of the integer matrix ``key`` (in order of first appearance),
    and the first row of each."""
    codes = np.zeros(len(key), dtype=np.int64)
    for column in key.T:  # one column at a time: the pair (rows so far, this column) renumbered by hashing
        column_codes, distinct = pd.factorize(column)
        codes = pd.factorize(codes * len(distinct) + column_codes)[0]
    first = np.zeros(codes.max(initial=-1) + 1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return codes, first
