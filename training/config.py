"""Training configuration in one typed place: what a run did is exactly this object, logged as params."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from features.config import FeatureConfig
from features.contract import DEFAULT_HORIZON_DAYS

PromotePolicy = Literal["gate", "always", "never"]


@dataclass(frozen=True)
class BoosterParams:
    """LightGBM settings. The defaults are the first candidate of the settings search, not a final answer:
    each training chooses among :data:`SEARCH_GRID` on the user's own latest validation window
    (:mod:`training.procedure`). Leaves hold at least ``min_child_share`` of the fitting rows (and at least
    ``min_child_samples_floor``), so the same setting means the same thing for 1,000 leads and 1,000,000.
    ``deterministic`` + ``force_row_wise`` make the same data and seed give identical models."""

    n_estimators: int = 2000
    learning_rate: float = 0.1
    num_leaves: int = 4
    min_child_share: float = 0.002
    min_child_samples_floor: int = 20
    min_child_samples: int = 200  # set from min_child_share for each fit
    subsample: float = 0.8
    subsample_freq: int = 1
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0
    early_stopping_rounds: int = 50
    n_jobs: int = 2

    def searched(self) -> dict[str, float]:
        """The settings the search varies, as logged in its table."""
        return {"num_leaves": float(self.num_leaves), "min_child_share": self.min_child_share,
                "learning_rate": self.learning_rate, "colsample_bytree": self.colsample_bytree}

    def describe(self) -> str:
        return (f"{self.num_leaves} leaves, leaves ≥ {self.min_child_share:.2%} of rows, learning rate "
                f"{self.learning_rate}, {self.colsample_bytree:.0%} of features per tree")


#: The settings search: shallow and additive first (the observable signal of lead data is mostly additive in
#: log-odds), then deeper trees for interactions (fit × intent, size × industry), smaller leaves, fewer
#: features per tree. Tried in this order until the time budget is spent; monotone directions always hold.
SEARCH_GRID: tuple[dict[str, float], ...] = (
    {},
    {"num_leaves": 2, "min_child_share": 0.001, "colsample_bytree": 1.0},  # stumps: an additive model
    {"num_leaves": 8, "min_child_share": 0.001},
    {"num_leaves": 4, "min_child_share": 0.0005, "colsample_bytree": 1.0},
    {"num_leaves": 16, "min_child_share": 0.002, "colsample_bytree": 0.6},
    {"num_leaves": 8, "min_child_share": 0.01, "colsample_bytree": 0.5},
    {"num_leaves": 31, "min_child_share": 0.004, "colsample_bytree": 0.6},
)


@dataclass(frozen=True)
class TierPolicy:
    """How leads are cut into tiers. By share (default): the top 10 % are *hot* (call today), the next
    30 % *warm* (nurture, call this week), the rest *cold* (marketing's job). Shares are applied to the
    calibration window's scores, so the cut-offs are probabilities fixed at training time; or give the
    probabilities directly."""

    hot_share: float = 0.10
    warm_share: float = 0.30
    hot_probability: float | None = None
    warm_probability: float | None = None


@dataclass(frozen=True)
class TrainConfig:
    """A training run (:mod:`training.train`). Examples are monthly snapshots (``snapshot_every_days``) with a
    ``horizon_days`` label. The procedure is judged by a rolling-origin backtest over the latest
    ``backtest_origins`` snapshots whose horizon has elapsed, then refitted on everything labelled; the
    calibrator learns from the latest ``calibration_snapshots`` (out of time). Fewer than
    ``min_conversions_learned`` conversions: a points model from ``rules_file`` (default: the shipped rules)
    instead of a learned one. The settings ``search`` spends at most ``search_seconds`` per fit."""

    horizon_days: int = DEFAULT_HORIZON_DAYS
    snapshot_every_days: int = 30
    calibration_snapshots: int = 2
    backtest_origins: int = 3
    min_conversions_learned: int = 40
    #: a points model with no elapsed horizon to be judged on is checked forward over this many days: fitted on
    #: what was known that long before the end of the data, judged on the leads open then
    forward_check_days: int = 28
    search: bool = True
    search_seconds: float = 30.0
    #: try exactly this many settings of the grid in every fit, however long they take: the same model on any
    #: machine (a time budget tries fewer on a busy one); None: as many as ``search_seconds`` allows
    search_count: int | None = None
    search_rows: int = 100_000
    seed: int = 42
    model_name: str | None = None  #: registered model; default by mode (:func:`registered_name`)
    experiment: str = "lead-scoring"
    promote: PromotePolicy = "gate"
    gate_min_conversions: int = 100  #: the gate compares models only on windows with this many conversions
    gate_resamples: int = 1000  #: bootstrap resamples for the gate's intervals
    max_fit_rows: int = 400_000
    #: ``--engine spark``: at most this many examples reach the driver; beyond it, leads are sampled with all
    #: their snapshots (:mod:`engines.spark_examples`). ~2 GB of examples at ~40 features.
    max_examples: int = 2_000_000
    features: FeatureConfig = field(default_factory=FeatureConfig)
    booster: BoosterParams = field(default_factory=BoosterParams)
    tiers: TierPolicy = field(default_factory=TierPolicy)
    rare_category_min_count: int = 30
    rules_file: str | None = None
    keep: tuple[str, ...] = ()  #: columns the leakage screen flags that the user knows are filled in before the outcome
    #: rows dated after this moment (ISO 8601) are typos, not history, and are rejected by the loader; None: a
    #: day after the run starts (:meth:`latest_moment`)
    not_after: str | None = None

    def __post_init__(self) -> None:
        if self.horizon_days < 1:
            raise ValueError(f"the horizon is at least one day, not {self.horizon_days}: converting within "
                             "0 days means nothing")
        if self.search_seconds < 0:
            raise ValueError(f"the search takes 0 seconds or more, not {self.search_seconds}")
        if self.search_count is not None and not 1 <= self.search_count <= len(SEARCH_GRID):
            raise ValueError(f"the search tries 1 to {len(SEARCH_GRID)} settings, not {self.search_count}")

    def latest_moment(self) -> datetime:
        """The latest moment a row of the history may carry: ``not_after``, else a day after now (a day for the
        exports' time zones). A Spark run fixes it on the driver, so that every bucket reads by the same moment."""
        if self.not_after is None:
            return datetime.now(UTC) + timedelta(days=1)
        moment = datetime.fromisoformat(self.not_after)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def search_done(self, tried: int, seconds: float) -> bool:
        """Whether a settings search that has tried ``tried`` settings in ``seconds`` stops (one is always tried):
        after ``search_count`` settings when given, else when ``search_seconds`` are spent."""
        if tried == 0:
            return False
        return tried >= self.search_count if self.search_count is not None else seconds > self.search_seconds

    def search_candidates(self) -> list[BoosterParams]:
        """The booster settings to try, in order (only the configured ones when the search is off)."""
        grid = SEARCH_GRID if self.search else ({},)
        return [replace(self.booster, **changes) for changes in grid]  # type: ignore[arg-type]

    def registered_name(self, mode: str) -> str:
        """Where a model of ``mode`` is registered: ``model_name`` if given, else event and flat models apart
        (:data:`scoring.settings.MODEL_NAME`, :data:`scoring.settings.FLAT_MODEL_NAME`)."""
        from scoring.settings import FLAT_MODEL_NAME, MODEL_NAME

        return self.model_name or (FLAT_MODEL_NAME if mode == "flat" else MODEL_NAME)

    def as_params(self, mode: str = "event") -> dict[str, object]:
        """Flat ``section.key`` params for MLflow: the settings that apply to ``mode`` (a flat table has no
        snapshots, horizon, event features or point rules)."""
        flat: dict[str, object] = {}

        def walk(prefix: str, value: object) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), inner)
            else:
                flat[prefix] = value

        walk("", asdict(self))
        if mode == "flat":
            event_only = ("features.", "horizon_days", "snapshot_every_days", "calibration_snapshots",
                          "backtest_origins", "min_conversions_learned", "rules_file")
            flat = {k: v for k, v in flat.items() if not k.startswith(event_only)}
        flat["model_name"] = self.registered_name(mode)
        return flat
