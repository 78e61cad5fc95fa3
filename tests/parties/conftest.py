import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


@pytest.fixture(scope="session", autouse=True)
def _party_cache(tmp_path_factory):
    # The built index is cached per session in a temp dir, never in the user's home.
    os.environ["KORDON_CACHE_DIR"] = str(tmp_path_factory.mktemp("kordon-cache"))
    yield


@pytest.fixture(scope="session")
def shipped_index():
    from kordon.record.sanctions_lists import build_index

    return build_index(None)


@pytest.fixture
def store_url(tmp_path):
    return f"sqlite:///{tmp_path / 'kordon.db'}"
