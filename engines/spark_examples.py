"""Training examples built on Apache Spark, by local training's own functions, collected to the driver.

The contract tables are read and bucketed as :mod:`engines.spark` does for features and scores; conversions
are keyed and bucketed by lead id too and travel with the activities (the cogroup's other side). Two passes
over the buckets (:mod:`engines.examples`):

1. **history**: each bucket loaded by the contract's rules reports its kept rows' earliest and latest
   moments; the driver takes ``data_start`` (the earliest lead) and ``data_end`` (the day after the latest
   moment anywhere), exactly :func:`training.dataset.data_end_of` on the loaded tables, and from them the
   snapshot moments (:func:`training.dataset.labelled_moments`).
2. **examples**: each bucket runs :func:`training.dataset.build_examples` at those moments. When there are
   more examples than ``TrainConfig.max_examples``, leads are sampled: a lead is kept when a hash of its id
   and the seed falls below the share ``max_examples / examples``, with *all* its snapshots (a lead is never
   split between kept and dropped, so the examples of a kept lead are the ones a full run has). Whether a
   lead is kept does not depend on its outcome, so the sample's conversion rate estimates the full one
   without bias. The examples (sampled or all) are collected to the driver in the order a local run builds
   them, where the booster is fitted (:func:`training.train.train_history`).

The points model (the regime of a history with too few conversions, and the comparison that serves it when
it beats the learned model) is fitted on the driver too: its rows (:func:`training.rules.censored_examples`,
open leads at weekly or monthly snapshots with the days they were watched) are built per bucket as known at
the cutoff, of the leads the examples kept, and collected in local order (:meth:`SparkTables.points`). Not
done here: the leakage screen of declared extra columns, which reads every lead's extra values and outcome on
one machine (refused, :data:`NOT_ON_SPARK`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from engines.examples import (
    CONVERSION_AT,
    CONVERSION_ID,
    HISTORY_SCHEMA,
    TABLE,
    censored_partition,
    censored_schema,
    examples_partition,
    examples_schema,
    history_partition,
    local_censored,
    local_examples,
    local_frame,
)
from engines.partition import BUCKET, KEY, ROW, load_partition
from engines.spark import _arrow_schema, _bucket, _bucketed_inputs, _keyed, _numbered
from features.catalogue import Catalogue
from features.config import FeatureConfig
from features.contract import CONVERSION_COLUMNS, CONVERTED_AT, LEAD_ID
from features.loading.ledger import require_columns
from features.loading.report import DataContractError
from scoring.bundle import ScoringBundle
from scoring.calibration import Calibrator
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL
from training.rules import NO_MOMENT, RulesError, censored_moments
from training.train import History, points_bundle

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

Progress = Callable[[str], None]
#: Resolution of the lead sampling hash: a lead is kept when its hash modulo this is below share × this.
HASH_STEPS = 1_000_000
#: Why the leakage screen of declared extra columns does not run on Spark.
NOT_ON_SPARK = ("with --engine spark the raw tables stay on the cluster; train with --engine local for the "
                "leakage screen of --extra columns")


@dataclass
class Sampling:
    """How many examples the buckets built and how many reached the driver: ``share`` is the configured
    share of leads kept (1: no sampling), ``leads_kept / leads_total`` the share measured."""

    examples_total: int = 0
    examples_kept: int = 0
    leads_total: int = 0
    leads_kept: int = 0
    share: float = 1.0

    @property
    def sampled(self) -> bool:
        return self.share < 1.0

    def metrics(self) -> dict[str, float]:
        return {"examples_total": float(self.examples_total), "examples_kept": float(self.examples_kept),
                "leads_total": float(self.leads_total), "leads_kept": float(self.leads_kept),
                "leads_sampled_fraction": self.leads_kept / self.leads_total if self.leads_total else 1.0}

    def text(self) -> str:
        if not self.sampled:
            return f"{self.examples_total:,} examples of {self.leads_total:,} leads, all collected to the driver"
        return (f"{self.examples_total:,} examples > max_examples: leads sampled by a hash of their id (share "
                f"{self.share:.4f}), {self.leads_kept:,} of {self.leads_total:,} leads with all their snapshots "
                f"→ {self.examples_kept:,} examples collected to the driver")


@dataclass
class SparkTables:
    """The contract tables on Spark, keyed and bucketed by lead id: leads on one side, activities and
    conversions on the other, each row numbered as in its input."""

    spark: SparkSession
    uris: tuple[str, str, str]
    leads: DataFrame
    others: DataFrame
    buckets: int
    report: dict[str, object] = field(default_factory=dict)
    sampling: Sampling = field(default_factory=Sampling)  #: of the examples
    _span: tuple[pd.Timestamp, pd.Timestamp] | None = None  #: data start and end, once :meth:`history` ran

    @classmethod
    def read(cls, spark: SparkSession, leads: str, activities: str | None, conversions: str,
             features: FeatureConfig, buckets: int | None = None) -> SparkTables:
        from pyspark.sql import functions as F

        lead_rows, activity_rows, n, *_ = _bucketed_inputs(spark, leads, activities, features, buckets)
        frame, _ = _numbered(spark, conversions, "conversions")
        require_columns(pd.DataFrame(columns=frame.columns), conversions, "conversions", CONVERSION_COLUMNS, None)
        conversion_rows = _bucket(_keyed(frame.select(LEAD_ID, CONVERTED_AT, ROW)), n)
        conversion_rows = conversion_rows.select(F.col(LEAD_ID).alias(CONVERSION_ID),
                                                 F.col(CONVERTED_AT).alias(CONVERSION_AT), ROW, KEY, BUCKET)
        others = (activity_rows.withColumn(TABLE, F.lit(0).cast("int"))
                  .unionByName(conversion_rows.withColumn(TABLE, F.lit(1).cast("int")), allowMissingColumns=True))
        return cls(spark, (leads, activities or "", conversions), lead_rows, others, n)

    def _cogrouped(self, per_bucket, schema: pa.Schema) -> DataFrame:
        from pyspark.sql.pandas.types import from_arrow_schema

        return (self.leads.groupBy(BUCKET).cogroup(self.others.groupBy(BUCKET))
                .applyInArrow(per_bucket, from_arrow_schema(schema)))

    def history(self, config: TrainConfig, progress: Progress) -> History:
        """Pass 1 (span and counts), and the :class:`~training.train.History` whose examples are pass 2."""
        names, features = self.uris, config

        def history_bucket(leads: pa.Table, others: pa.Table) -> pa.Table:
            return history_partition(leads, others, names, features)

        parts = _collect(self._cogrouped(history_bucket, HISTORY_SCHEMA), HISTORY_SCHEMA).to_pandas()
        counts = {k: int(parts[k].sum()) for k in ("leads_read", "leads_kept", "activities_read", "activities_kept",
                                                    "conversions_read", "conversions_kept")}
        self.report = {"engine": "spark", "buckets": self.buckets, "files": dict(zip(
            ("leads", "activities", "conversions"), self.uris, strict=True)), **counts}
        progress(f"Spark, {self.buckets} buckets: {counts['leads_kept']:,} of {counts['leads_read']:,} leads rows, "
                 f"{counts['activities_kept']:,} of {counts['activities_read']:,} activities, "
                 f"{counts['conversions_kept']:,} of {counts['conversions_read']:,} conversions kept")
        if counts["leads_kept"] == 0:
            raise DataContractError(f"{self.uris[0]}: no usable leads row")
        if counts["conversions_kept"] == 0:
            raise DataContractError(f"no conversions at all: cannot learn what converts ({self.uris[2]}: none of "
                                    f"its {counts['conversions_read']} rows is usable)")
        latest = [parts["last_created"].max()]
        for column in ("last_activity", "last_conversion"):
            if parts[column].notna().any():
                latest.append(parts[column].max())
        self._span = (pd.Timestamp(parts["first_created"].min()), pd.Timestamp(max(latest)).ceil("D"))
        return History(*self._span, self.examples, self.points, unavailable=NOT_ON_SPARK)

    def examples(self, moments: tuple[pd.Timestamp, ...], config: TrainConfig, catalogue: Catalogue,
                 progress: Progress) -> pd.DataFrame:
        """Pass 2: the examples at ``moments``, sampled by lead beyond ``config.max_examples``, on the driver."""

        schema = examples_schema(moments, config, _arrow_schema(self.leads))
        names = self.uris

        def examples_bucket(leads: pa.Table, others: pa.Table) -> pa.Table:
            return examples_partition(leads, others, moments, names, config, schema)

        table, sampling = self._sampled(self._cogrouped(examples_bucket, schema), schema, config)
        self.sampling = sampling
        progress(sampling.text())
        examples = local_examples(table, schema)
        for as_of, part in examples.groupby(AS_OF, sort=True):
            progress(f"snapshot {pd.Timestamp(as_of).date()}: {len(part):,} open leads, "
                     f"{int(part[LABEL].sum()):,} convert")
        return examples

    def _sampled(self, built: DataFrame, schema: pa.Schema, config: TrainConfig, share: float | None = None,
                 ) -> tuple[pa.Table, Sampling]:
        """``built``'s rows on the driver; beyond ``config.max_examples`` (or given a ``share`` below 1), only
        those of a hash-chosen share of the leads (:func:`lead_hash`), each kept lead with all its rows."""
        from pyspark.sql import functions as F

        built = built.cache()  # counted, maybe sampled, then collected
        try:
            total, leads = built.agg(F.count("*"), F.countDistinct(LEAD_ID)).first()
            sampling, kept = Sampling(total, total, leads, leads), built
            share = share if share is not None else min(1.0, config.max_examples / max(total, 1))
            if share < 1.0:
                kept = built.where(lead_hash(config.seed) < F.lit(int(share * HASH_STEPS)))
                kept_rows, kept_leads = kept.agg(F.count("*"), F.countDistinct(LEAD_ID)).first()
                sampling = Sampling(total, kept_rows, leads, kept_leads, share)
            return _collect(kept, schema), sampling
        finally:
            built.unpersist()

    def points(self, cutoff: pd.Timestamp, catalogue: Catalogue, config: TrainConfig, progress: Progress,
               ) -> tuple[ScoringBundle, Calibrator]:
        """The points model on what was known at ``cutoff`` (:func:`training.train.points_bundle`), its rows
        (:func:`training.rules.censored_examples`) built per bucket, of the leads the examples kept."""
        data_start, data_end = self._span
        cutoff = min(cutoff, data_end)
        if not censored_moments(data_start, cutoff, config):
            raise RulesError(NO_MOMENT)
        schema = censored_schema(config, _arrow_schema(self.leads))
        names = self.uris

        def censored_bucket(leads: pa.Table, others: pa.Table) -> pa.Table:
            return censored_partition(leads, others, data_start, cutoff, names, config, schema)

        table, sampling = self._sampled(self._cogrouped(censored_bucket, schema), schema, config,
                                        share=self.sampling.share)  # the leads the examples kept
        if sampling.sampled:
            progress(f"points model on the sampled leads: {sampling.examples_kept:,} of {sampling.examples_total:,} "
                     "snapshot rows")
        return points_bundle(local_censored(table, schema), catalogue, config, progress)

    def features(self, ids: pd.Index, as_of: pd.Timestamp, config: FeatureConfig) -> pd.DataFrame:
        """The features of the leads ``ids`` at ``as_of`` by ``config`` (the champion's, for the gate), as
        :func:`features.pipeline.build_features` gives them, in the order of ``ids``."""
        from pyspark.sql import functions as F

        from engines.partition import features_schema

        schema = features_schema(as_of.to_pydatetime(), config, _arrow_schema(self.leads))
        names = self.uris[:2]
        wanted = self.spark.createDataFrame(pd.DataFrame({KEY: pd.Series(list(ids), dtype=object)}))
        leads = self.leads.join(F.broadcast(wanted), KEY, "left_semi")
        others = self.others.where(F.col(TABLE) == 0).drop(TABLE, CONVERSION_ID, CONVERSION_AT)

        def featurise(lead_part: pa.Table, activity_part: pa.Table) -> pa.Table:
            from engines.partition import features_partition

            return features_partition(lead_part, activity_part, as_of.to_pydatetime(), config, names, schema)

        from pyspark.sql.pandas.types import from_arrow_schema

        result = (leads.groupBy(BUCKET).cogroup(others.groupBy(BUCKET))
                  .applyInArrow(featurise, from_arrow_schema(schema)))
        return local_frame(_collect(result, schema), schema).loc[ids]

    def first_leads(self, config: FeatureConfig, rows: int = 50) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The leads of the first ``rows`` leads rows with their activities, loaded by the contract's rules
        (the same kept leads a local run's first rows give)."""
        from pyspark.sql import functions as F

        first = self.leads.where(F.col(ROW) <= rows)
        keys = first.select(KEY).where(F.col(KEY).isNotNull()).distinct()
        acts = (self.others.where(F.col(TABLE) == 0).drop(TABLE, CONVERSION_ID, CONVERSION_AT)
                .join(F.broadcast(keys), KEY, "left_semi"))
        data = load_partition(first.toArrow(), acts.toArrow(), self.uris[:2], config)
        if data is None:
            return pd.DataFrame(), pd.DataFrame()
        return data.leads, data.activities


def lead_hash(seed: int):
    """A lead's place in ``[0, HASH_STEPS)``: a hash of its id and the seed, the same in every bucket and
    run, unrelated to anything the lead did."""
    from pyspark.sql import functions as F

    return F.pmod(F.xxhash64(F.col(LEAD_ID), F.lit(seed)), F.lit(HASH_STEPS))


def _collect(frame: DataFrame, schema: pa.Schema) -> pa.Table:
    """``frame``'s rows on the driver with exactly ``schema``'s columns and types."""
    table = frame.toArrow()
    return table.select(schema.names).cast(schema) if table.schema != schema else table
