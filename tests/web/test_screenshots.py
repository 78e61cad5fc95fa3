"""The screenshots in docs/img/web are current: made from the templates, styles, catalogues and code as they are now."""

from __future__ import annotations

import hashlib
import json

import screenshots


def test_screenshots_are_current():
    manifest = json.loads(screenshots.MANIFEST.read_text(encoding="utf-8"))
    assert manifest["inputs_sha256"] == screenshots.inputs_digest(), (
        "the workspace's templates, styles, catalogues or web code changed since the screenshots were taken; "
        "run: python scripts/screenshots.py")
    names = set(manifest["files"])
    for lang in ("ru", "kk", "en"):
        assert {f"queue-{lang}.png", f"declaration-{lang}.png", f"lists-{lang}.png"} <= names
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((screenshots.OUT / name).read_bytes()).hexdigest() == digest, f"{name} is not the recorded picture"
