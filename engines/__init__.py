"""Engines that run the one feature and scoring definition on more than one machine.

    partition.py   what one partition does: a bucket of leads with their activities, as Arrow tables, through
                   the same loader, features and scoring bundle as the local batch (no Spark in here)
    spark.py       the Apache Spark job around it: read the contract tables from Parquet, bucket leads and
                   activities together by lead id, run :mod:`engines.partition` on each bucket, write Parquet
    examples.py    what one partition of a training does: a bucket of leads with their activities and
                   conversions through local training's own ``build_examples`` (no Spark in here)
    spark_examples.py  the training examples on Spark: the history's span, the examples per bucket, sampled
                   by lead beyond ``TrainConfig.max_examples``, collected to the driver in local order

PySpark is an optional extra (``pip install .[spark]``); nothing outside this package imports it.
"""
