"""The points model for a history too short to learn from: hand-written rules, calibrated on the user's data.

The rules (``training/rules.toml``, or the user's own file) give points for role, company size, channel and
actions, as marketing teams write them. Their points become a probability with a proportional-hazards model
fitted on every snapshot of the history, including those whose horizon has not elapsed (Cox 1972; a
piecewise-exponential model, a Poisson model with the exposure as offset: Friedman 1982): a lead open at ``t``
that has not converted by the end of the data counts for the days it was watched, never as a negative for days
nobody saw. The baseline hazard is constant within each lead-age band (:data:`scoring.rules.AGE_BANDS`), so
the model learns how fast leads convert as they age, and a lead is scored over its own ages through the horizon.
Points for what the lead did count by the days since the snapshot (:data:`scoring.rules.ELAPSED_BANDS`): in a
short history most windows are cut short by the end of the data, so a slope shared by every day of the horizon
learnt the first weeks after a demo and carried them over the whole horizon.

Three priors keep a short history honest. The slopes per point have a normal prior centred on 0, so with few
conversions the model shrinks to the observed base rate, and more points never lower the probability (slopes
≥ 0). From one band of days since the snapshot to the next, the engagement slope changes by a normal step
centred on 0 (:data:`FADE_SD`): what the lead did counts as long as the history does not show it fading. From
one age band to the next the log hazard changes by :data:`AGE_STEP_PRIOR`: leads go cold unless the
history shows otherwise. Where the history holds no lead of an age, this prior is all there is: a CRM started
three weeks ago has seen only young leads convert, and a constant hazard carried its young-lead rate over the
whole horizon (served 0.66 where 0.10 converted, on a world we did not write).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from features.batch import LeadBatch
from features.catalogue import Catalogue
from features.contract import CONVERTED_AT, CREATED_AT, LEAD_ID
from features.pipeline import snapshot_features
from scoring.encoding import FeatureEncoder
from scoring.rules import AGE_BANDS, ELAPSED_BANDS, HazardCalibrator, PointsModel, Rule, elapsed_band_days
from training.config import TrainConfig

DEFAULT_RULES = Path(__file__).with_name("rules.toml")
#: Prior standard deviation of the log-hazard change per point: 25 points doubling the conversion rate is one
#: standard deviation, a belief the data overrules once it holds a few dozen conversions.
PRIOR_SLOPE_SD = np.log(2) / 25
#: Prior of the change in log hazard from one age band to the next (mean, standard deviation): about 0.6× per
#: band. Chosen on two families of worlds, ours and a tester's (ECE over deciles against outcomes): a startup's
#: first 23 / 57 / 108 days 0.555 / 0.205 / 0.037 → 0.18 / 0.09 / 0.015; our twelve 3-month worlds 0.040 → 0.037.
AGE_STEP_PRIOR = (-0.5, 0.3)
#: Prior standard deviation of the change in the log hazard per engagement point from one band of days since
#: the snapshot to the next: what the lead did may count less a month on, if the history shows it does. Top
#: tenth of twelve of our 3-month worlds served 0.354 → 0.333 (truth 0.291), six young-CRM worlds of a tester's
#: simulator 0.215 → 0.195 (truth 0.190); half or twice this deviation changes either by less than 0.003.
FADE_SD = PRIOR_SLOPE_SD / 2
_LOG_FEATURES = {"employees": "employee_count_log", "revenue_eur": "annual_revenue_log"}


#: Why the points model cannot be fitted on a history of less than a week.
NO_MOMENT = "the history holds no snapshot moment: add leads from more than a week"


class RulesError(ValueError):
    """A rules file that cannot be used: unreadable, or a rule naming an unknown feature or no condition."""


@dataclass(frozen=True)
class CensoredExamples:
    """Open leads at snapshot moments with their watched days (at most the horizon) and whether they converted."""

    features: pd.DataFrame
    exposure_days: np.ndarray
    converted: np.ndarray
    moments: np.ndarray | None = None  #: each row's snapshot moment (microseconds since the epoch)


#: What a rule may say: the feature, its points, and one condition (see ``training/rules.toml``).
_CONDITIONS = ("in", "at_least", "at_most", *_LOG_FEATURES)
_KEYS = ("feature", "points", *_CONDITIONS)


def read_rules(path: str | Path | None = None) -> list[dict[str, object]]:
    """The rules of a TOML file (``[[rule]]`` tables), by default the shipped ones, each checked for what a typo
    would otherwise drop silently: an unknown key (``point = 20``), points that are not a number, a condition
    missing or of the wrong shape."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        given = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: cannot read the rules file ({exc})") from exc
    rules = given.get("rule", [])
    if other := [key for key in given if key != "rule"]:
        raise RulesError(f"{path}: {other[0]!r} is not part of a rules file; write each rule as a [[rule]] table")
    if not rules:
        raise RulesError(f"{path}: no [[rule]] tables found")
    for number, rule in enumerate(rules, start=1):
        _check_rule(rule, f"{path}: rule {number} ({rule.get('feature', 'no feature')})")
    return rules


def _check_rule(rule: dict[str, object], where: str) -> None:
    if unknown := [key for key in rule if key not in _KEYS]:
        raise RulesError(f"{where}: unknown key {unknown[0]!r}; a rule has {', '.join(_KEYS)}")
    points = rule.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float):
        raise RulesError(f"{where}: points must be a number, not {points!r}")
    conditions = [key for key in _CONDITIONS if key in rule]
    if not conditions:
        raise RulesError(f"{where}: give `in`, `at_least`, `at_most` or a unit range")
    if "in" in rule and (len(conditions) > 1 or not isinstance(rule["in"], list) or not rule["in"]):
        raise RulesError(f"{where}: `in` is a list of values, alone: in = [\"referral\", \"partner\"]")
    for key in ("at_least", "at_most"):
        if key in rule and (isinstance(rule[key], bool) or not isinstance(rule[key], int | float)):
            raise RulesError(f"{where}: {key} must be a number, not {rule[key]!r}")
    for unit in _LOG_FEATURES:
        span = rule.get(unit)
        if unit in rule and not (isinstance(span, list) and len(span) == 2
                                 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in span)):
            raise RulesError(f"{where}: {unit} is a range of two numbers: {unit} = [200, 1000]")


def compile_rules(spec: list[dict[str, object]], catalogue: Catalogue, encoder: FeatureEncoder,
                  warn: Callable[[str], None] = lambda _: None) -> tuple[Rule, ...]:
    """Rules on the model matrix: categories as the encoder's codes, plain head counts and euros as logs. A
    condition that does not fit its feature (``in`` on a number, ``at_least`` on a category) is an error; values
    of ``in`` the history never shows are said through ``warn`` (they may come later; a typo never will)."""
    names = catalogue.names
    out = []
    for number, rule in enumerate(spec, start=1):
        feature = str(rule.get("feature", ""))
        if feature not in names:
            raise RulesError(f"rule {number}: unknown feature {feature!r}; `leadscore features` lists them")
        points = float(rule.get("points", 0))  # type: ignore[arg-type]
        column = names.index(feature)
        categorical = catalogue[feature].categorical
        if categorical != ("in" in rule):
            raise RulesError(f"rule {number} ({feature}): {feature} is a {'category' if categorical else 'number'}: "
                             + ("give its values with `in`" if categorical else "give `at_least` or `at_most`"))
        if "in" in rule:
            vocabulary = encoder.vocabulary_.get(feature, {})
            given = [str(v) for v in rule["in"]]  # type: ignore[attr-defined]
            if unseen := [v for v in given if v not in vocabulary]:
                seen = ", ".join(sorted(map(str, vocabulary))[:8])
                warn(f"rule {number} ({feature}): {', '.join(map(repr, unseen))} never occurs in this history, so "
                     f"the rule cannot fire for it (values seen: {seen or 'none'})")
            codes = tuple(float(vocabulary[v]) for v in given if v in vocabulary)
            if codes:
                out.append(Rule(feature, column, points, codes=codes))
            continue
        unit = next((u for u, f in _LOG_FEATURES.items() if u in rule and f == feature), None)
        if any(u in rule for u in _LOG_FEATURES) and unit is None:
            raise RulesError(f"rule {number} ({feature}): "
                             + " / ".join(f"{u} is for {f}" for u, f in _LOG_FEATURES.items()))
        if unit:
            low, high = rule[unit]  # type: ignore[misc]
            out.append(Rule(feature, column, points, low=float(np.log1p(low)), high=float(np.log1p(high))))
        elif "at_least" in rule or "at_most" in rule:
            out.append(Rule(feature, column, points, low=float(rule.get("at_least", -np.inf)),  # type: ignore[arg-type]
                            high=float(rule.get("at_most", np.inf))))  # type: ignore[arg-type]
        else:
            raise RulesError(f"rule {number} ({feature}): give `in`, `at_least`, `at_most` or a unit range")
    return tuple(out)


def rules_encoder(catalogue: Catalogue, features: pd.DataFrame) -> FeatureEncoder:
    """The encoder the rules read categories through: every value seen is its own code (none grouped as rare)."""
    categorical = tuple(f.name for f in catalogue if f.categorical)
    missing_as = tuple((f.name, f.missing_as) for f in catalogue if f.missing_as is not None)
    return FeatureEncoder(tuple(catalogue.names), categorical, 1, missing_as).fit(features)


def total_points(rules: tuple[Rule, ...], X: np.ndarray) -> np.ndarray:
    """Each lead's points summed over the rules that fire for it (rows of the model matrix ``X``)."""
    return sum((rule.points * rule.fires(X) for rule in rules), np.zeros(len(X)))


def censored_moments(data_start: pd.Timestamp, data_end: pd.Timestamp, config: TrainConfig) -> list[pd.Timestamp]:
    """The points model's snapshot moments: weekly over a history shorter than half a year, else every
    ``snapshot_every_days``, from the day after the first lead to the day before the data end."""
    start = data_start.ceil("D")
    step = pd.Timedelta(days=7 if data_end - start < pd.Timedelta(days=180) else config.snapshot_every_days)
    return list(pd.date_range(start + step, data_end - pd.Timedelta(days=1), freq=step))


def censored_examples(leads: pd.DataFrame, activities: pd.DataFrame | None, conversions: pd.DataFrame,
                      data_end: pd.Timestamp, catalogue: Catalogue, config: TrainConfig,
                      data_start: pd.Timestamp | None = None) -> CensoredExamples:
    """Open leads at weekly (short history) or monthly snapshots, each watched until it converted, the horizon
    ended or the data ended, whichever came first. The snapshots start after ``data_start``, by default the
    first lead's creation (a part of the leads, e.g. a Spark bucket, passes the whole history's)."""
    moments = censored_moments(pd.Timestamp(leads[CREATED_AT].min() if data_start is None else data_start),
                               data_end, config)
    converted_at = conversions.set_index(LEAD_ID)[CONVERTED_AT]
    frames, exposure, event, at = [], [], [], []
    horizon = pd.Timedelta(days=config.horizon_days)
    batch = LeadBatch.from_frames(leads, activities)
    for moment, features in snapshot_features(batch, moments, config.features, catalogue):
        when = converted_at.reindex(features.index)
        still_open = (when.isna() | (when > moment)).to_numpy()
        features, when = features.loc[still_open], when[still_open]
        end = np.minimum(data_end, moment + horizon)
        hit = (when <= end).to_numpy()
        watched = np.where(hit, (when - moment).dt.total_seconds(), (end - moment).total_seconds()) / 86_400
        frames.append(features)
        exposure.append(np.maximum(watched, 1e-3))
        event.append(hit)
        at.append(np.full(len(features), moment.value // 1000, dtype=np.int64))
    if not frames:
        raise RulesError(NO_MOMENT)
    return CensoredExamples(pd.concat(frames), np.concatenate(exposure), np.concatenate(event), np.concatenate(at))


def fit_points_model(examples: CensoredExamples, rules: list[dict[str, object]], catalogue: Catalogue,
                     config: TrainConfig, progress: Callable[[str], None] = lambda _: None,
                     ) -> tuple[PointsModel, HazardCalibrator, FeatureEncoder]:
    """The rules' points and the lead's age turned into a conversion hazard on the user's own history (see
    :mod:`scoring.rules`).

    Maximum likelihood of the watched windows (a lead watched ``w`` days from a snapshot at age ``u``, converted
    or not: its days in each elapsed band and age band are that cell's exposure), with the priors of the module
    docstring. The cells are kept sparse: a window of a horizon touches a few of them."""
    encoder = rules_encoder(catalogue, examples.features)
    compiled = compile_rules(rules, catalogue, encoder, progress if config.rules_file else lambda _: None)  # own
    age_column = catalogue.names.index("lead_age_days")
    engaged_columns = tuple(i for i, f in enumerate(catalogue) if f.group == "engagement")
    X = encoder.transform(examples.features)
    unit = PointsModel(compiled, len(catalogue), 0.0, 0.0, np.zeros(len(catalogue)), age_column, 0.0,
                       engagement_columns=engaged_columns)
    points = unit.points(X)
    engaged = unit.engaged(points)
    fit_points = points.sum(axis=1) - engaged
    x = fit_points - fit_points.mean()
    age = np.nan_to_num(np.maximum(X[:, age_column], 0.0))
    watched, events = examples.exposure_days, examples.converted.astype(np.float64)
    bands, phases = len(AGE_BANDS) - 1, len(ELAPSED_BANDS) - 1
    fit_at, engaged_at, band, phase, days = _exposure_cells(x, engaged, age, watched)
    converted_band = np.minimum(np.searchsorted(AGE_BANDS, age + watched, side="right") - 1, bands - 1)
    converted_phase = np.minimum(np.searchsorted(ELAPSED_BANDS, watched, side="right") - 1, phases - 1)
    hit = events > 0
    events_in_band = np.bincount(converted_band[hit], minlength=bands).astype(np.float64)
    event_fit, event_engaged = float(events @ x), np.bincount(converted_phase[hit], engaged[hit], phases)
    step_mean, step_sd = AGE_STEP_PRIOR

    def negative_log_likelihood(params: np.ndarray) -> tuple[float, np.ndarray]:
        """The objective and its gradient (analytic: a numeric one costs a pass over the rows per parameter); the
        slopes in units of their prior's deviation, so that every parameter moves on a like scale."""
        b, slopes, hazard = params[0] * PRIOR_SLOPE_SD, params[1:1 + phases] * PRIOR_SLOPE_SD, params[1 + phases:]
        expected = np.exp(b * fit_at + slopes[phase] * engaged_at + hazard[band]) * days  # per cell
        per_band = np.bincount(band, expected, bands)
        steps, fades = (np.diff(hazard) - step_mean) / step_sd, np.diff(slopes) / FADE_SD
        value = (float(expected.sum() - b * event_fit - event_engaged @ slopes - events_in_band @ hazard)
                 + 0.5 * float((b / PRIOR_SLOPE_SD) ** 2 + (slopes[0] / PRIOR_SLOPE_SD) ** 2)
                 + 0.5 * float(steps @ steps + fades @ fades))
        pull, fade = steps / step_sd, fades / FADE_SD
        grad_hazard = per_band - events_in_band + np.r_[0.0, pull] - np.r_[pull, 0.0]
        grad_b = float(expected @ fit_at) - event_fit + b / PRIOR_SLOPE_SD ** 2
        grad_slopes = (np.bincount(phase, expected * engaged_at, phases) - event_engaged
                       + np.r_[slopes[0] / PRIOR_SLOPE_SD ** 2, np.zeros(phases - 1)]
                       + np.r_[0.0, fade] - np.r_[fade, 0.0])
        return value, np.r_[grad_b * PRIOR_SLOPE_SD, grad_slopes * PRIOR_SLOPE_SD, grad_hazard]

    base = np.log(max(events.sum(), 0.5) / watched.sum())
    fitted = minimize(negative_log_likelihood, np.r_[np.zeros(1 + phases), np.full(bands, base)], jac=True,
                      method="L-BFGS-B", bounds=[(0.0, None)] * (1 + phases) + [(None, None)] * bands,
                      options={"ftol": 1e-12, "gtol": 1e-8})
    b = float(fitted.x[0]) * PRIOR_SLOPE_SD
    slopes = tuple(float(v) * PRIOR_SLOPE_SD for v in fitted.x[1:1 + phases])
    hazard = tuple(float(v) for v in fitted.x[1 + phases:])
    oldest = float((age + watched).max()) if len(age) else 0.0
    shown = ", ".join(f"{_band_name(AGE_BANDS, i)} {np.exp(h) * 1000:.2f}" for i, h in enumerate(hazard)
                      if AGE_BANDS[i] < max(oldest, config.horizon_days))
    fading = ", ".join(f"{_band_name(ELAPSED_BANDS, i)} {np.exp(v):.4f}" for i, v in enumerate(slopes)
                       if ELAPSED_BANDS[i] < config.horizon_days)
    converted = examples.features.index[hit].nunique()
    progress(f"points model: {converted} conversions, seen {int(events.sum())} times in {len(events):,} overlapping "
             f"snapshot windows ({watched.sum():,.0f} lead-days watched; a conversion counts once in each window "
             f"that saw it); each point of fit multiplies the conversion rate by {np.exp(b):.4f}, each point of "
             "engagement by, in the "
             f"days after scoring, {fading}; conversions per 1,000 lead-days by lead age: {shown}"
             + (f" (the history's oldest lead was {oldest:.0f} days: older ages follow the prior that leads go cold)"
                if oldest < 365 else ""))
    unit = dataclasses.replace(unit, intercept=-b * float(fit_points.mean()), slope=b, age_log_hazard=hazard,
                               horizon_days=float(config.horizon_days), engagement_slopes=slopes)
    model = dataclasses.replace(unit, average=unit._parts(X).mean(axis=0))
    return model, HazardCalibrator(), encoder


def _exposure_cells(fit: np.ndarray, engaged: np.ndarray, age: np.ndarray, watched: np.ndarray,
                    ) -> tuple[np.ndarray, ...]:
    """The watched days summed by cell: fit points, engagement points, band of days since the snapshot, age band.
    Points take few values, so a few thousand cells hold what millions of windows hold, and the likelihood is a
    sum over cells: fit points, engagement points, age band, elapsed band, days."""
    fit_values, fit_code = np.unique(fit, return_inverse=True)
    engaged_values, engaged_code = np.unique(engaged, return_inverse=True)
    bands, phases = len(AGE_BANDS) - 1, len(ELAPSED_BANDS) - 1
    lead_code = fit_code.astype(np.int64) * len(engaged_values) + engaged_code
    codes, days = [], []
    for phase, in_band in enumerate(elapsed_band_days(age, watched)):
        row, band = np.nonzero(in_band)
        codes.append((lead_code[row] * phases + phase) * bands + band)
        days.append(in_band[row, band])
    cell, at = np.unique(np.concatenate(codes), return_inverse=True)
    summed = np.bincount(at, np.concatenate(days), len(cell))
    band, rest = cell % bands, cell // bands
    phase, rest = rest % phases, rest // phases
    return fit_values[rest // len(engaged_values)], engaged_values[rest % len(engaged_values)], band, phase, summed


def _band_name(edges: tuple[float, ...], index: int) -> str:
    low, high = edges[index], edges[index + 1]
    return f"{low:.0f}+ d" if high == float("inf") else f"{low:.0f}–{high:.0f} d"
