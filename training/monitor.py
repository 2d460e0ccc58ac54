"""``leadscore monitor``: does the champion still see the population it was trained for, and do its scores
come true?

Two sources of "the leads scored lately":

* **files** (``--leads/--activities --as-of T``): every lead open at ``T`` is scored by the champion through
  the one feature path (:class:`features.batch.LeadBatch` → :meth:`scoring.bundle.ScoringBundle.features`),
  as a nightly batch would score them;
* **the score log** (``--from-log --since DAYS``): the scores actually served in ``[T − DAYS, T)`` by the
  champion's version, the latest per lead; with files given, their features are rebuilt at each score's
  own ``as_of`` (:func:`logged_features`), else only the score is compared.

A flat-mode champion (trained on one row per lead) is checked on a table (``--table``): every row scored as
``leadscore score --table`` scores it, and, where the table's outcome column is filled in, the scores
checked against it (a later export of the leads scored before, or new leads whose outcome is known by now).
With ``--from-log`` too, the scores the champion served are checked instead, each logged lead's features and
outcome taken from its row of the table.

All are compared with the reference profile logged by the champion's training run
(:mod:`training.reference`): PSI per feature and on the score (:mod:`monitoring.drift`). With a
conversions file, the scores whose horizon has passed by the export are checked against the outcomes
(:mod:`monitoring.realised`): realised rate per tier, calibration. The HTML report is written, logged to
a ``monitoring`` MLflow run (tagged with the model and version). An alert is due when
:func:`monitoring.report.exceeds` finds drift, or when the realised conversions are off what the scores
promised (:meth:`monitoring.realised.RealisedReport.off`).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from features.batch import LeadBatch
from features.contract import LEAD_ID
from features.loading import EventData, conversion_moments
from features.mappings import MappingRef
from features.pipeline import to_frame
from monitoring.drift import DriftReport, ReferenceProfile, compare
from monitoring.realised import RealisedReport, outcome_report, realised
from monitoring.report import exceeds, write_report
from scoring.bundle import ScoringBundle
from scoring.exports import load_bundle_data, load_bundle_table
from training.dataset import data_end_of
from training.reference import load_reference_profile

Progress = Callable[[str], None]
DEFAULT_THRESHOLD = 0.25
#: ``leadscore monitor``'s exit code when a PSI reaches the threshold or the realised conversions are off the
#: served probabilities (1: failure, 2: bad input).
EXIT_DRIFT = 3


@dataclass
class Population:
    """The leads scored lately: one row each, with the champion's features (None: score only) and probability."""

    lead_ids: np.ndarray
    as_of: pd.Series  # each row's scoring moment (UTC)
    probability: np.ndarray
    tier: np.ndarray
    features: pd.DataFrame | None
    source: str  # "files" or "score log"
    notes: list[str] = field(default_factory=list)

    def scores(self) -> pd.DataFrame:
        """As :func:`monitoring.realised.realised` takes them."""
        return pd.DataFrame({LEAD_ID: self.lead_ids, "as_of": self.as_of.to_numpy(), "probability": self.probability,
                             "tier": self.tier})


@dataclass
class MonitorResult:
    model_name: str
    model_version: str
    drift: DriftReport
    realised: RealisedReport | None
    threshold: float
    exceeded: bool
    outcome_off: bool  # the realised conversions say the scores no longer come true
    report: Path
    run_id: str | None
    context: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """The JSON line the CLI prints last."""
        drift = self.drift
        out: dict[str, Any] = {
            "model": f"{self.model_name} v{self.model_version}", "rows": drift.rows_current,
            "psi_score": None if drift.score is None else round(drift.score.psi, 4),
            "max_psi": round(drift.max_psi, 4), "threshold": self.threshold, "exceeded": self.exceeded,
            "outcome_off": self.outcome_off,
            "flagged": {d.name: round(d.psi, 4) for d in drift.flagged[:10]},
            "report": str(self.report), "run_id": self.run_id}
        if self.realised is not None:
            r = self.realised
            surprise = r.surprise
            out["realised"] = {"evaluated": r.evaluated, "conversions": r.conversions,
                               "expected": None if r.expected_conversions is None else round(r.expected_conversions, 2),
                               "surprise": None if surprise is None else round(surprise, 2),
                               "ece": None if r.ece is None else round(r.ece, 4),
                               "roc_auc": None if r.roc_auc is None else round(r.roc_auc, 4),
                               "tiers": {t.tier: round(t.rate, 4) for t in r.tiers}}
        return out


def _utc(moment: datetime | str | pd.Timestamp) -> pd.Timestamp:
    t = pd.Timestamp(moment)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def load_files(bundle: ScoringBundle, leads: Path, activities: Path | None, conversions: Path | None,
               mapping: MappingRef = None) -> EventData:
    """The export read as the champion reads it (:func:`scoring.exports.load_bundle_data`: its extra columns,
    the vendor mapping it was trained through unless ``mapping`` names another, its date order)."""
    return load_bundle_data(bundle, leads, activities, mapping, conversions)[0]


def open_leads(bundle: ScoringBundle, data: EventData, as_of: pd.Timestamp) -> Population:
    """Every lead existing at ``as_of`` and, when conversions are known, not converted by then (the model's
    population: its reference is the open leads of an evaluation moment), scored by ``bundle``."""
    batch = LeadBatch.from_frames(data.leads, data.activities, data.activity_rows)
    features = bundle.features(batch, as_of)
    notes = []
    if data.conversions is not None and len(data.conversions):
        closed = (conversion_moments(features.index, data.conversions) <= as_of).to_numpy(dtype=bool, na_value=False)
        features = features.loc[~closed]
        notes.append(f"{int(closed.sum()):,} leads converted by {as_of.date()} left out (not open)")
    else:
        notes.append("no conversions (file or leads column): leads that had converted are not told apart from open "
                     "ones")
    if features.empty:
        raise ValueError(f"no lead in the leads file existed at {as_of.isoformat()}")
    probability = bundle.probability(features)
    return Population(features.index.to_numpy(dtype=object), pd.Series(as_of, index=range(len(features))),
                      probability, bundle.tiers.assign(probability), features, "files", notes)


def table_population(bundle: ScoringBundle, table: Path) -> tuple[Population, pd.Series | None]:
    """Every row of a flat table scored by a flat-mode ``bundle`` as ``score --table`` scores it; and, when the
    table holds the model's outcome column, each row's outcome by lead id (1.0, 0.0; NaN where not decided yet),
    read as training read it: the same status values count as converted and as not decided yet."""
    features, flat, report = load_bundle_table(bundle, table, with_outcome=True)
    if not len(features):
        raise ValueError(f"{table}: no row could be read ({len(report.rejected):,} rejected)")
    probability = bundle.probability(features)
    notes = [f"{len(report.rejected):,} rows rejected"] if report.rejected else []
    population = Population(features.index.to_numpy(dtype=object),
                            pd.Series(pd.Timestamp.now(tz="UTC"), index=range(len(features))), probability,
                            bundle.tiers.assign(probability), features, "table", notes)
    outcomes = None if flat.outcomes is None else pd.Series(flat.outcomes.to_numpy(), index=features.index)
    return population, outcomes


def table_outcomes(bundle: ScoringBundle, population: Population, outcomes: pd.Series) -> RealisedReport:
    """The population's scores (scored now, or served and logged) checked against a flat table's outcomes:
    leads whose outcome is decided count; undecided ones, and leads the table does not hold, are left out."""
    y = outcomes.reindex(pd.Index(population.lead_ids)).to_numpy(dtype=np.float64, na_value=np.nan)
    decided = ~np.isnan(y)
    return outcome_report(y[decided], population.probability[decided],
                          np.asarray(population.tier)[decided].astype(str), horizon_days=None,
                          observed_until=pd.Timestamp.now(tz="UTC").to_pydatetime(),
                          open_horizon=int((~decided).sum()), claimed_rates=bundle.tiers.conversion_rate or None)


def logged_table_features(population: Population, table_rows: Population) -> Population:
    """A flat model's logged population with each lead's features as the table holds them now (a flat row has no
    history to rebuild it at its scoring moment); leads the table does not hold are left out, with a note."""
    found = pd.Index(table_rows.lead_ids).get_indexer(population.lead_ids)
    kept = found >= 0
    if not kept.any():
        raise ValueError("none of the logged leads is in the table: cannot compare their features")
    notes = list(population.notes)
    if not kept.all():
        notes.append(f"{int((~kept).sum()):,} logged leads not in the table left out")
    assert table_rows.features is not None
    return Population(population.lead_ids[kept], population.as_of[kept].reset_index(drop=True),
                      population.probability[kept], np.asarray(population.tier)[kept],
                      table_rows.features.iloc[found[kept]], population.source, notes)


def logged_features(bundle: ScoringBundle, batch: LeadBatch, lead_ids: np.ndarray, as_ofs: pd.Series,
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """The features of logged scores rebuilt from an export: row ``i`` is lead ``lead_ids[i]`` as of
    ``as_ofs[i]`` (the moment it was scored at). Returns (features in the rows' order for the rows that
    could be rebuilt, a mask of those rows). A lead absent from the export, or created after its logged
    moment there, cannot be rebuilt."""
    lead_ids = np.asarray(lead_ids, dtype=object)
    moments = pd.to_datetime(pd.Series(as_ofs).reset_index(drop=True), utc=True)
    position = pd.Index(batch.lead_ids).get_indexer(lead_ids)
    found = position >= 0
    parts: list[pd.DataFrame] = []
    rows: list[np.ndarray] = []
    for moment, at in pd.Series(np.arange(len(lead_ids)))[found].groupby(moments[found].to_numpy()):
        chosen = at.to_numpy()
        mask = np.zeros(len(batch), dtype=bool)
        mask[position[chosen]] = True
        sub = batch.take(mask)
        moment = _utc(moment)
        frame = to_frame(bundle.batch_columns(sub, moment), sub.lead_ids)
        exists = sub.created_us <= moment.value // 1000
        frame = frame.loc[exists]
        wanted = lead_ids[chosen]
        keep = np.isin(wanted, frame.index.to_numpy())
        parts.append(frame.loc[wanted[keep]])
        rows.append(chosen[keep])
    if not parts:
        return pd.DataFrame(), np.zeros(len(lead_ids), dtype=bool)
    order = np.concatenate(rows)
    features = pd.concat(parts)
    sort = np.argsort(order, kind="stable")
    built = np.zeros(len(lead_ids), dtype=bool)
    built[order] = True
    return features.iloc[sort], built


def logged_population(bundle: ScoringBundle, version: str, logged: pd.DataFrame, data: EventData | None,
                      since: pd.Timestamp, until: pd.Timestamp) -> Population:
    """The scores the score log holds for ``version`` in ``[since, until)``, the latest per lead, with their
    features rebuilt from ``data`` when given (see :func:`logged_features`)."""
    window = f"{since.isoformat()} … {until.isoformat()}"
    if logged.empty:
        raise ValueError(f"the score log holds no score given in {window}")
    mine = logged[logged["model_version"].astype(str) == str(version)]
    notes = []
    if len(mine) < len(logged):
        notes.append(f"{len(logged) - len(mine):,} logged scores by other versions left out")
    if mine.empty:
        raise ValueError(f"the score log holds {len(logged):,} scores in {window} but none by v{version}")
    latest = mine.sort_values("scored_at", kind="stable").drop_duplicates(LEAD_ID, keep="last")
    notes.append(f"{len(mine):,} scores by v{version}, {len(latest):,} leads (the latest score of each)")
    features = None
    if data is not None:
        batch = LeadBatch.from_frames(data.leads, data.activities, data.activity_rows)
        features, built = logged_features(bundle, batch, latest[LEAD_ID].to_numpy(), latest["as_of"])
        if not built.any():
            raise ValueError("none of the logged leads is in the leads file: cannot rebuild their features")
        if not built.all():
            notes.append(f"{int((~built).sum()):,} logged leads not in the leads file: compared on the score only")
            latest = latest.loc[built]
    return Population(latest[LEAD_ID].to_numpy(dtype=object), latest["as_of"].reset_index(drop=True),
                      latest["probability"].to_numpy(dtype=np.float64), latest["tier"].astype(str).to_numpy(),
                      features, "score log", notes)


def drift_of(profile: ReferenceProfile, population: Population) -> DriftReport:
    """PSI per feature and on the score (score only when the population has no features)."""
    if population.features is None:
        score_only = dataclasses.replace(profile, features={})
        return compare(score_only, pd.DataFrame(index=range(len(population.probability))), population.probability)
    return compare(profile, population.features, population.probability)


def realised_of(bundle: ScoringBundle, population: Population, data: EventData) -> RealisedReport:
    """The outcomes of the population's scores, as far as the conversions export can tell (the export moment
    is the latest moment in the files, as training takes it)."""
    observed_until = data_end_of(data.leads, data.activities, data.conversions)
    return realised(population.scores(), data.conversions, bundle.horizon_days, observed_until,
                    claimed_rates=bundle.tiers.conversion_rate or None)


def log_monitoring_run(experiment: str, model_name: str, version: str, report: Path, drift: DriftReport,
                       outcome: RealisedReport | None, context: dict[str, Any], exceeded: bool,
                       outcome_off: bool = False) -> str:
    """A ``monitoring`` run in the experiment: the report, the drift and outcome tables, the headline
    metrics, tagged with the model and version so the tracking UI lists a version's monitoring."""
    from training.tracking import _use_experiment

    _use_experiment(experiment)
    with mlflow.start_run(run_name=f"monitoring {model_name} v{version}") as run:
        mlflow.set_tags({"kind": "monitoring", "model_name": model_name, "model_version": version,
                         "drift_exceeded": str(exceeded).lower(), "outcome_off": str(outcome_off).lower(),
                         **{f"context.{k}": str(v)[:500] for k, v in context.items()}})
        metrics = {"rows_current": drift.rows_current, "max_psi": drift.max_psi,
                   "features_moderate": sum(d.level == "moderate" for d in drift.features),
                   "features_significant": sum(d.level == "significant" for d in drift.features)}
        if drift.score is not None:
            metrics["psi_score"] = drift.score.psi
        if outcome is not None:
            metrics.update({"realised_evaluated": outcome.evaluated, "realised_conversions": outcome.conversions,
                            "realised_open_horizon": outcome.open_horizon})
            for key in ("ece", "brier", "roc_auc", "base_rate", "mean_probability", "expected_conversions",
                        "surprise"):
                if getattr(outcome, key) is not None:
                    metrics[f"realised_{key}"] = getattr(outcome, key)
            metrics.update({f"realised_rate_{t.tier}": t.rate for t in outcome.tiers})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if np.isfinite(v)})
        mlflow.log_artifact(str(report))
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "drift.json").write_text(json.dumps(drift.to_dict()))
            mlflow.log_artifact(str(Path(scratch) / "drift.json"))
            if outcome is not None:
                (Path(scratch) / "realised.json").write_text(json.dumps(outcome.to_dict(), default=str))
                mlflow.log_artifact(str(Path(scratch) / "realised.json"))
        return run.info.run_id


def run_monitor(bundle: ScoringBundle, model_name: str, version: str, report: Path, *,
                as_of: datetime | str | None = None, leads: Path | None = None, activities: Path | None = None,
                conversions: Path | None = None, mapping: MappingRef = None, from_log: bool = False,
                since_days: float = 7.0, table: Path | None = None,
                score_db: str | None = None, threshold: float = DEFAULT_THRESHOLD,
                experiment: str = "lead-scoring", progress: Progress = lambda _: None) -> MonitorResult:
    """The whole check (see the module docstring); raises ``ValueError`` on unusable input."""
    if threshold <= 0:
        raise ValueError(f"--threshold must be above 0, not {threshold}")
    if bundle.mode == "flat" and (leads is not None or conversions is not None or (table is None and not from_log)):
        raise ValueError("this model was trained on a flat table: check it with --table (its outcome column "
                         "filled in where known) and/or --from-log, not --leads or --conversions")
    if bundle.mode != "flat" and table is not None:
        raise ValueError("--table checks a flat-mode model; this one is event-mode: give --leads (and "
                         "--activities)")
    if bundle.mode != "flat" and not from_log and leads is None:
        raise ValueError("give --leads (and --activities) to score the leads now, or --from-log to use the score log")
    moment = _utc(as_of) if as_of is not None else pd.Timestamp.now(tz="UTC")
    profile = load_reference_profile(bundle.info.get("run_id"), version)
    data = load_files(bundle, leads, activities, conversions, mapping) if leads is not None else None
    outcome = outcomes = None
    if table is not None:
        population, outcomes = table_population(bundle, table)
        window = f"the rows of {table.name}, scored now"
    if from_log:
        from monitoring.scorelog import ScoreLog

        since = moment - pd.Timedelta(days=since_days)
        log = ScoreLog(score_db)
        try:
            logged = log.recent(since.to_pydatetime(), moment.to_pydatetime())
        finally:
            log.close()
        logged_scores = logged_population(bundle, version, logged, data, since, moment)
        population = logged_scores if table is None else logged_table_features(logged_scores, population)
        window = f"scores served {since.isoformat()} … {moment.isoformat()} (score log {log.url.split('@')[-1]})"
    elif table is None:
        assert data is not None
        population = open_leads(bundle, data, moment)
        window = f"the leads open at {moment.isoformat()}, scored now"
    progress("; ".join([f"{len(population.probability):,} leads from the {population.source}", *population.notes]))
    drift = drift_of(profile, population)
    if outcomes is not None:
        outcome = table_outcomes(bundle, population, outcomes)
        progress(f"outcomes: {outcome.evaluated:,} rows decided, {outcome.open_horizon:,} not decided yet")
    if conversions is not None:
        if data is None:
            raise ValueError("--conversions needs the --leads file too (the export moment is read from the files)")
        outcome = realised_of(bundle, population, data)
        progress(f"outcomes: {outcome.evaluated:,} scores checkable, {outcome.open_horizon:,} with the horizon still "
                 "open")
    exceeded = exceeds(drift, threshold)
    outcome_off = outcome is not None and outcome.off()
    reference = "held-out rows of the training run" if bundle.mode == "flat" else \
        "open leads of the training run's latest weeks"
    context = {"model": f"{model_name} v{version}", "population": window, "reference": f"{profile.rows:,} {reference}",
               "threshold": threshold, "notes": "; ".join(population.notes)}
    if conversions is not None:
        context["conversions"] = str(conversions)
    write_report(report, drift, outcome, title=f"Lead scoring monitor: {model_name} v{version}", context=context)
    run_id = log_monitoring_run(experiment, model_name, version, report, drift, outcome, context, exceeded,
                                outcome_off)
    return MonitorResult(model_name, version, drift, outcome, threshold, exceeded, outcome_off, report, run_id,
                         context)
