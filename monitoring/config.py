"""Monitoring configuration in one typed place: where scores are logged, how the writer batches, and the
thresholds drift is judged by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scoring.settings import env_text
from scoring.settings import project_dir as settings_project_dir

SCORE_DB_ENV = "LEADSCORE_SCORE_DB"
SCORE_DB_FILE = "scores.db"


def default_score_db_url(project_dir: str | Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """``LEADSCORE_SCORE_DB`` if set, else an SQLite file ``scores.db`` in the project folder
    (``LEADSCORE_HOME``, else the working directory), the same folder that holds ``mlflow.db``."""
    url = env_text(SCORE_DB_ENV, env=env)
    if url:
        return url
    folder = Path(project_dir).resolve() if project_dir else settings_project_dir(env)
    return f"sqlite:///{folder / SCORE_DB_FILE}"


@dataclass(frozen=True)
class ScoreLogConfig:
    """* ``queue_size``: scores waiting for the writer at most; beyond it new scores are dropped and
      counted, so a slow or absent database costs a request nothing but memory for this many rows (a
      queued score holds its raw lead until the writer has fingerprinted it: mind leads with thousands
      of activities). At ~600 one-lead requests a second, 20,000 rows ride out a ~30 s outage.
    * ``batch_size``: rows written in one transaction at most; ``linger_s``: how long the writer waits
      for more rows after the first before it writes (fewer, larger transactions under load).
    * ``retry_initial_s`` / ``retry_max_s``: the writer's backoff while the database refuses writes
      (doubled after each failure up to the maximum).
    * ``close_timeout_s``: how long :meth:`~monitoring.scorelog.ScoreLog.close` keeps trying to flush.
    * ``frame_chunk``: rows per transaction when a batch run writes its score frame.
    * ``sqlite_busy_timeout_ms``: how long an SQLite writer waits for another process's write lock
      before the attempt fails (and is retried).
    * ``table`` / ``schema``: where the log lives (a schema only on PostgreSQL).
    * ``trend_days``: "since last week": the trend compares with the newest score at least this old."""

    queue_size: int = 20_000
    batch_size: int = 2_000
    linger_s: float = 0.05
    retry_initial_s: float = 0.05
    retry_max_s: float = 5.0
    close_timeout_s: float = 10.0
    frame_chunk: int = 50_000
    sqlite_busy_timeout_ms: int = 10_000
    table: str = "score_log"
    schema: str | None = None
    trend_days: int = 7

    def __post_init__(self) -> None:
        if self.queue_size < 1 or self.batch_size < 1 or self.frame_chunk < 1:
            raise ValueError("queue_size, batch_size and frame_chunk must be at least 1")


@dataclass(frozen=True)
class DriftThresholds:
    """PSI cut-offs in the usual reading (Siddiqi, *Credit Risk Scorecards*, 2006): below ``moderate``
    the population is stable, from ``moderate`` on it has shifted somewhat and deserves a look, from
    ``significant`` on it has shifted enough that the model's numbers may no longer hold."""

    moderate: float = 0.10
    significant: float = 0.25


@dataclass(frozen=True)
class OutcomeThresholds:
    """When the served scores no longer come true: the realised conversions lie at least ``z`` standard
    deviations from the number the served probabilities expect (calibrated scores land that far off about
    3 times in 1,000 checks at 3) **and** differ from it by at least the factor ``ratio`` (fewer than
    expected / ratio, or more than expected · ratio), so that a large population's small but significant
    miscalibration is not an alert, while a conversion rate that halves or doubles is. Below
    ``min_variance`` (Σ p(1 − p), roughly the conversions expected when they are rare) the normal
    approximation is too rough and too little has happened to judge: no verdict."""

    z: float = 3.0
    ratio: float = 1.5
    min_variance: float = 5.0


PSI_EPSILON = 1e-4
"""Share used in place of an empty bin's 0 (in either sample), so that ln(a/e) stays finite; a bin empty in
both contributes nothing. 1e-4 is what Evidently fills in too; it caps one empty bin's term at about
a · ln(a / 1e-4), e.g. ≈ 0.31 for a category that appears in 5 % of new leads and never before."""

NUMERIC_BINS = 10
"""Deciles of the reference as bin edges for numeric features and for the score."""

MAX_CATEGORIES = 50
"""Categories kept by name in a profile (the most frequent); rarer ones and unseen ones share "other"."""

UNSEEN_SHOWN = 5
"""Values of a categorical feature's "other" bin named in a drift report (the most frequent now)."""
