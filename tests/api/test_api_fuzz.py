"""Property-based: requests generated from the OpenAPI document (schemathesis), valid and invalid,
never get a 500. Skipped when schemathesis is not installed (`pip install schemathesis`)."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from kordon.interfaces.api import create_app  # noqa: E402


def test_no_generated_request_is_a_server_error(store, db_url, role_keys):
    from kordon.config import Settings

    app = create_app(Settings(database_url=db_url), store, max_body=256 * 1024, web=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15
    for op in operations:
        headers = {"Authorization": f"Bearer {role_keys['admin' if op.path.startswith(('/v1/keys', '/v1/audit')) else 'supervisor']}"}

        @given(case=op.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200} → {response.status_code}")

        run()  # noqa: B023 — called here, in the loop iteration whose `headers` it reads
    assert failures == []
    assert sum(statuses.values()) >= 100 and any(400 <= s < 500 for s in statuses), statuses
