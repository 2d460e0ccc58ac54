"""One Spark session in local mode for every Spark test (a JVM and its Python workers start once)."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="PySpark is not installed: the Spark engine tests need the optional "
                                          "extra (pip install '.[spark]') and Java 17")
    if shutil.which("java") is None:
        pytest.skip("no Java on PATH: Spark local mode needs Java 17")
    from engines.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()
