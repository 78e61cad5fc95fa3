"""Write the API's OpenAPI document to docs/openapi.json (run after changing an endpoint).

    python scripts/export_openapi.py            # write
    python scripts/export_openapi.py --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def document() -> str:
    from kordon.config import Settings
    from kordon.interfaces.api import create_app
    from kordon.record.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/openapi.db"
        store = Store(url)
        schema = create_app(Settings(database_url=url), store).openapi()
        store.engine.dispose()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    text = document()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.name} is stale: run python scripts/export_openapi.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
