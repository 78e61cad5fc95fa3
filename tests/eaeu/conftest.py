"""The EAEU-documents check needs numpy and pyarrow (extra `trade`)."""

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("numpy")
