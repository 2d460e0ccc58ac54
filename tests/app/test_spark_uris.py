"""`--engine spark` takes URIs where the local engine takes paths: the CLI gives Spark the text as typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadscore.commands.scoring import spark_uri as _spark_uri


@pytest.mark.parametrize(("given", "read"), [
    ("s3a://crm/leads/", "s3a://crm/leads"),  # Path() would leave s3a:/crm/leads, which no store has
    ("hdfs://nn:8020/crm/activities", "hdfs://nn:8020/crm/activities"),
    ("abfss://c@a.dfs.core.windows.net/x.parquet", "abfss://c@a.dfs.core.windows.net/x.parquet"),
    ("file:///tmp/leads.parquet", "file:/tmp/leads.parquet"),  # the same file to Hadoop
    ("/data/leads.parquet", "/data/leads.parquet"),
    ("data/leads", "data/leads"),
])
def test_uris_reach_spark_as_typed(given: str, read: str) -> None:
    assert _spark_uri(Path(given)) == read
