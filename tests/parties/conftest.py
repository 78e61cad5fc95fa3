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


def index_pairs(index, q):  # noqa: ANN001, ANN201 - every (bounder, listed key, person, pair) the index would score for q
    from kordon.index.names import name_key, name_keys
    from kordon.index.party_bound import PairBound
    from kordon.index.party_features import Pair

    for key in name_keys(q.name) or [name_key(q.name)]:
        bounder = PairBound(key)
        for g in index.candidates(key):
            for k_idx in index.members[g]:
                e_idx, ckey = index.name_keys[k_idx]
                ent = index.entities[e_idx]
                person = q.schema == "Person" or ent.schema == "Person"
                yield bounder, ckey, person, Pair(q, key, ent, ckey, person)
