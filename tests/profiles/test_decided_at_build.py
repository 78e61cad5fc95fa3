"""Hits built already decided under a profile (kordon.screen.hits.make_hit) must equal hits built plain and
decided afterwards by apply_profile: action, legal basis, explanation, every field, in order."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from kordon.decide.profiles import Decided, apply_profile, compile_profile, load_profile
from kordon.ingest.profiles import bundled_profile_names
from kordon.models import Declaration
from kordon.screen import build_context
from kordon.screen.pipeline import run_rules

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "declarations.jsonl"

# Descriptions that hold what the explanation's cut looks for (a colon and a closing action, the words of an
# illustrative entry), as a careless or hostile declarant may write them.
HOSTILE = ["Drones: refuse", "parts (illustrative list entry)", "chips. : inspect", "  leading blanks: deny.",
           "кабель: check the documents", "a: b: c: release", "(illustrative list entry): refuse"]


@pytest.fixture(scope="module")
def ctx():
    return build_context(as_of=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))


def _declarations() -> list[Declaration]:
    raw = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [Declaration.model_validate(d) for d in raw]
    for n, text in enumerate(HOSTILE):
        for d in raw:
            changed = copy.deepcopy(d)
            changed["id"] = f"{d['id']}-H{n}"
            for item in changed["items"]:
                item["description"] = text
            if n % 2:
                for item in changed["items"]:
                    item["licence"] = "L-7: refuse"
            out.append(Declaration.model_validate(changed))
    return out


def _dump(hits) -> list[dict]:  # noqa: ANN001
    return [h.model_dump(mode="json") for h in hits]


@pytest.mark.parametrize("name", bundled_profile_names())
def test_hits_decided_as_built_equal_hits_decided_after(ctx, name):
    profile = load_profile(name)
    decls = _declarations()
    compiled = compile_profile(profile)
    for spec in list(compiled.keys.values()):
        spec.memo.clear()  # the first pass decides afterwards and remembers; the second decides as it builds
    built_decided = 0
    for _ in range(2):
        for d in decls:
            after = apply_profile(run_rules(d, ctx), profile)
            built = run_rules(d, ctx, profile=profile)
            built_decided += sum(h.legal_basis is not None for h in built)
            assert _dump(apply_profile(built, profile)) == _dump(after), d.id
    assert built_decided > len(decls)  # the second pass did decide hits as they were built


def test_a_list_of_decided_hits_is_left_alone_only_under_its_profile(ctx):
    d = Declaration.model_validate(json.loads(EXAMPLES.read_text(encoding="utf-8").splitlines()[1]))
    eu, kz = load_profile("eu_exporter"), load_profile("kz_customs")
    for _ in range(2):
        built = run_rules(d, ctx, profile=eu)
    assert isinstance(built, Decided) and built.profile is eu and built
    assert apply_profile(built, eu) is built
    # Another profile decides them again, each hit under its own law, as if they had been built plain.
    again = apply_profile(list(built), kz)
    assert _dump(again) == _dump(apply_profile(run_rules(d, ctx), kz))
    assert {h.legal_basis.profile for h in again if h.legal_basis} == {"kz_customs"}
    # A kz_customs hit that needs the item's other hits is decided once all the rules ran, never as it is built.
    under_kz = run_rules(d, ctx, profile=kz)
    assert isinstance(under_kz, Decided) and under_kz.profile is None
    assert any(h.legal_basis is None and h.rule == "route.foreign_origin_reexport" for h in under_kz)
