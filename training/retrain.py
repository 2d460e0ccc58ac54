"""``leadscore retrain``: the scheduled retraining. Train → gate → shadow scoring → promote or keep.

1. **Train** in event mode on the current export (:func:`training.run.train_from_files`): a new MLflow run,
   a new registered version with the alias ``challenger``.
2. **Gate** (:func:`training.tracking.log_and_register`, ``promote="gate"``): the challenger against the
   champion on the same leads and outcomes, with bootstrap intervals.
3. **Shadow scoring** (:func:`shadow_score`): the challenger scores the requests the score log recorded in
   the last ``shadow_days`` days, each lead rebuilt from the export as of the moment it was scored, as if
   it had been serving then. Any error there (an exception, a probability that is not a number) blocks
   the promotion: a model that cannot score what production sends is not promoted, however well it did
   on the evaluation window. The PSI between the champion's served scores and the challenger's, and how
   often both put a lead in the same tier, go into the run as metrics (``shadow_*``) and ``shadow.json``.
4. **Promote or keep**: the decision is the run's ``promotion`` tag and the command's output. The champion
   alias is the very last thing moved, so a retraining that fails anywhere, or loses, never moves it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from features.batch import LeadBatch
from features.contract import LEAD_ID
from monitoring.drift import SCORE, profile_feature, psi
from scoring.bundle import ScoringBundle
from scoring.registry import alias_version, configure
from scoring.settings import CHAMPION
from training.config import TrainConfig
from training.monitor import load_files, logged_features
from training.run import train_from_files
from training.tracking import LoggedRun

Progress = Callable[[str], None]
DEFAULT_SHADOW_DAYS = 7.0
#: The run artifact with the shadow scoring's figures and errors.
SHADOW_FILE = "shadow.json"


@dataclass
class ShadowResult:
    """How the challenger did on the logged requests of the last days."""

    days: float
    requests: int  #: logged scores in the window
    scored: int  #: rebuilt from the export and scored by the challenger
    not_in_export: int  #: logged leads the export does not hold (or holds as created after the logged moment)
    compared: int  #: scored requests whose served score came from the champion (the PSI and agreement rows)
    champion_version: str | None
    psi: float | None = None  #: champion's served scores vs the challenger's, on the served scores' deciles
    tier_agreement: float | None = None  #: share of compared requests both models put in the same tier
    mean_served: float | None = None
    mean_challenger: float | None = None
    errors: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        values = {"shadow_requests": self.requests, "shadow_scored": self.scored,
                  "shadow_not_in_export": self.not_in_export, "shadow_compared": self.compared,
                  "shadow_errors": len(self.errors), "shadow_psi": self.psi,
                  "shadow_tier_agreement": self.tier_agreement,
                  "shadow_mean_served": self.mean_served, "shadow_mean_challenger": self.mean_challenger}
        return {k: float(v) for k, v in values.items() if v is not None and np.isfinite(v)}

    def text(self) -> str:
        if not self.requests:
            return f"shadow: no logged requests in the last {self.days:g} days to score"
        out = f"shadow: {self.scored:,} of {self.requests:,} logged requests scored"
        if self.psi is not None:
            out += (f", score PSI vs champion v{self.champion_version} {self.psi:.3f}, same tier for "
                    f"{self.tier_agreement:.1%}")
        if self.errors:
            out += f", {len(self.errors)} error(s): {self.errors[0]}"
        return out


def shadow_score(bundle: ScoringBundle, logged: pd.DataFrame, batch: LeadBatch, champion_version: str | None,
                 days: float) -> ShadowResult:
    """Score the logged requests with ``bundle`` (see the module docstring, step 3)."""
    result = ShadowResult(days, len(logged), 0, 0, 0, champion_version)
    if logged.empty:
        return result
    logged = logged.reset_index(drop=True)
    try:
        features, built = logged_features(bundle, batch, logged[LEAD_ID].to_numpy(), logged["as_of"])
        probability = bundle.probability(features) if len(features) else np.zeros(0)
        tiers = bundle.tiers.assign(probability)
    except Exception as exc:  # the challenger cannot score what production sent: reported, and it blocks
        result.errors.append(f"{type(exc).__name__}: {exc}"[:500])
        return result
    result.scored, result.not_in_export = int(built.sum()), int((~built).sum())
    bad = ~np.isfinite(probability)
    if bad.any():
        ids = logged.loc[built, LEAD_ID].to_numpy()[bad]
        result.errors.append(f"no probability for {int(bad.sum())} logged request(s), e.g. lead {ids[0]}")
    served = logged.loc[built].reset_index(drop=True)
    mine = (served["model_version"].astype(str) == str(champion_version)).to_numpy() if champion_version else \
        np.zeros(len(served), dtype=bool)
    result.compared = int(mine.sum())
    if mine.any() and not bad.any():
        reference = profile_feature(SCORE, served.loc[mine, "probability"].to_numpy(dtype=np.float64))
        counts = reference.counts(probability[mine])
        result.psi = psi(np.asarray(reference.shares), counts / counts.sum())
        result.tier_agreement = float(np.mean(tiers[mine] == served.loc[mine, "tier"].astype(str).to_numpy()))
        result.mean_served = float(served.loc[mine, "probability"].mean())
        result.mean_challenger = float(probability[mine].mean())
    return result


@dataclass
class RetrainResult:
    logged: LoggedRun
    champion_before: str | None
    champion_after: str | None
    shadow: ShadowResult | None
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The JSON line the CLI prints last."""
        return {"run_id": self.logged.run_id, "model_version": self.logged.model_version,
                "promoted": self.logged.promoted, "decision": self.logged.decision,
                "champion_before": self.champion_before, "champion_after": self.champion_after,
                "shadow": None if self.shadow is None else {k: v for k, v in asdict(self.shadow).items()},
                "seconds": round(self.seconds, 1)}


def retrain(leads: str | Path, activities: str | Path | None, conversions: str | Path | None,
            config: TrainConfig, *, shadow_days: float = DEFAULT_SHADOW_DAYS, score_db: str | None = None,
            mapping: str | None = None, truth: str | Path | None = None, tracking_uri: str | None = None,
            now: pd.Timestamp | None = None, progress: Progress = print) -> RetrainResult:
    """Train → gate → shadow scoring → promote or keep (see the module docstring)."""
    from monitoring.scorelog import ScoreLog

    started = time.perf_counter()
    configure(tracking_uri)
    name = config.registered_name("event")
    before = alias_version(name, CHAMPION)
    until = now if now is not None else pd.Timestamp.now(tz="UTC")
    since = until - pd.Timedelta(days=shadow_days)
    shadows: list[ShadowResult] = []

    def review(bundle: ScoringBundle, promoted: bool, decision: str) -> tuple[bool, str]:
        progress(f"gate: {decision}")
        mlflow.set_tag("retrain", "train → gate → shadow → promote or keep")
        if before is None:
            return promoted, decision + "; shadow: skipped (no champion served yet)"
        progress(f"shadow scoring the requests logged since {since.isoformat()}")
        try:
            log = ScoreLog(score_db)
            try:
                logged = log.recent(since.to_pydatetime(), until.to_pydatetime())
            finally:
                log.close()
            data = load_files(bundle, Path(leads), Path(activities) if activities else None, None, mapping)
            batch = LeadBatch.from_frames(data.leads, data.activities, data.activity_rows)
        except Exception as exc:  # no score log, no shadow evidence: never promote blind
            mlflow.set_tag("shadow_error", str(exc)[:500])
            return False, f"kept champion v{before}: shadow scoring impossible ({type(exc).__name__}: {exc})"
        shadow = shadow_score(bundle, logged, batch, before, shadow_days)
        shadows.append(shadow)
        mlflow.log_metrics(shadow.metrics())
        mlflow.log_dict(asdict(shadow), SHADOW_FILE)
        progress(shadow.text())
        if shadow.errors and promoted:
            return False, f"kept champion v{before}: the gate passed but {shadow.text()}"
        return promoted, f"{decision}; {shadow.text()}"

    logged = train_from_files(leads, activities, conversions, config, mapping=mapping, truth=truth,
                              tracking_uri=tracking_uri, progress=progress, review=review)
    after = alias_version(name, CHAMPION)
    return RetrainResult(logged, before, after, shadows[0] if shadows else None, time.perf_counter() - started)
