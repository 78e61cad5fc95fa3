from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_DATA = Path(os.environ.get("KORDON_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data folder not found ({SHARED_DATA.name}); set KORDON_SHARED_DATA to run this test")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _audit_key(tmp_path_factory):
    """Audit records are signed with a key file; the tests use their own, never the user's."""
    if not os.environ.get("KORDON_AUDIT_KEY_FILE") and not os.environ.get("KORDON_AUDIT_KEY"):
        os.environ["KORDON_AUDIT_KEY_FILE"] = str(tmp_path_factory.mktemp("audit-key") / "audit.key")
    yield
