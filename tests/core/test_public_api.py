"""The library face: `import kordon` gives the service, the models and the settings, typed."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import kordon
from tests.conftest import EXAMPLES


def test_every_exported_name_resolves():
    assert set(kordon.__all__) == set(kordon._EXPORTS) | {"__version__"}
    for name in kordon.__all__:
        assert getattr(kordon, name) is not None, name
    assert set(dir(kordon)) >= {"Kordon", "Declaration", "Decision", "Hit", "Settings", "load_settings"}


def test_screen_through_the_package_face(tmp_path):
    settings = kordon.load_settings(database_url=f"sqlite:///{tmp_path / 'k.db'}")
    k = kordon.Kordon(settings)
    counts = kordon.ReadCounts()
    decisions = [k.screen(r.declaration) for _, r in kordon.read_declarations([EXAMPLES / "declarations.jsonl"], counts) if r.ok]
    assert decisions and all(isinstance(d, kordon.Decision) for d in decisions)
    assert counts.accepted == len(decisions) and counts.rejected == 0


def test_importing_kordon_stays_cheap():
    code = "import sys, kordon; print('sqlalchemy' in sys.modules, 'kordon.service' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_package_is_marked_typed():
    assert resources.files("kordon").joinpath("py.typed").is_file()
