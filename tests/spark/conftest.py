"""Spark in local mode: skipped, with the reason, only where pyspark or Java is missing (CI installs both)."""

from __future__ import annotations

import os

import pytest

from kordon.engines.spark import available

_why = available()


def pytest_collection_modifyitems(config, items):  # noqa: ANN001, ANN201
    if _why is None:
        return
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.skip(reason=f"Spark tests skipped: {_why}"))


@pytest.fixture(scope="session", autouse=True)
def _party_cache(tmp_path_factory):
    os.environ.setdefault("KORDON_CACHE_DIR", str(tmp_path_factory.mktemp("kordon-cache")))
    yield


@pytest.fixture(scope="session")
def spark_engine():
    """One small Spark session for the whole directory: local[2], few partitions, no UI."""
    from kordon.engines.spark import SparkEngine

    engine = SparkEngine("local[2]", conf={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"}, partitions=4)
    engine.spark  # noqa: B018 - start it once here, not inside the first test's timing
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def shipped_index():
    from kordon.record.sanctions_lists import build_index

    return build_index(None)
