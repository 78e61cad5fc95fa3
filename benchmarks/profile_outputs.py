"""Every decision under every profile, as JSON: to show that a change to how profiles are applied changes
no output (actions, legal bases, explanations, the recorded decision).

    python benchmarks/profile_outputs.py --n 3000 --out before.jsonl
    ... change the code ...
    python benchmarks/profile_outputs.py --n 3000 --out after.jsonl && cmp before.jsonl after.jsonl

Screens the example declarations and N generated ones (the speed benchmark's, and as many again drawn
from the examples' codes, descriptions, parties and routes, so that party hits, named goods and every
list show up) with the whole rule pack, under no profile and each bundled profile; then the same hits
decided again under each other profile (what a re-screen after the settings changed and the web's
comparison of profiles do), and once more under the same profile (applying twice changes nothing); and
the goods and party findings of the EAEU example SNTs under each profile. Writes one JSON line per
decision (without `screened_at`, the only field that depends on the clock) and prints a digest.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import importlib.util
import json
import random
from pathlib import Path

from kordon.decide.lanes import decide
from kordon.decide.profiles import apply_profile, load_profile
from kordon.ingest.profiles import bundled_profile_names
from kordon.models import Declaration, Hit
from kordon.screen import build_context, screen_declaration

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)  # lists in force on a fixed day: the output must not depend on today


def _speed_declarations(n: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("screening_speed", Path(__file__).with_name("screening_speed.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.make(n))


def _mixed_declarations(examples: list[dict], n: int, seed: int = 11) -> list[str]:
    """Declarations recombined from the examples' parts: real codes, descriptions, parties and routes."""
    rnd = random.Random(seed)
    items = [it for d in examples for it in d.get("items", [])]
    parties = [p for d in examples for p in d.get("parties", [])]
    routes = [d["route"] for d in examples if "route" in d]
    out = []
    for i in range(n):
        base = copy.deepcopy(rnd.choice(examples))
        base["id"] = f"MIX-{i}"
        base["items"] = copy.deepcopy(rnd.sample(items, rnd.randint(1, min(6, len(items)))))
        for it in base["items"]:
            if rnd.random() < 0.15:
                it["licence"] = f"L-{i}"
            elif rnd.random() < 0.1:
                it.pop("licence", None)
        base["parties"] = copy.deepcopy(rnd.sample(parties, rnd.randint(2, min(4, len(parties)))))
        base["route"] = copy.deepcopy(rnd.choice(routes))
        base["type"] = rnd.choice(["export", "transit", "re-export", "import", base.get("type", "export")])
        out.append(json.dumps(base, ensure_ascii=False))
    return out


def _dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=3000, help="generated declarations of each kind")
    parser.add_argument("--out", required=True, help="JSON lines file to write")
    args = parser.parse_args()

    ctx = build_context(as_of=AS_OF)
    examples = [json.loads(line) for line in (ROOT / "examples" / "declarations.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    lines = [json.dumps(d, ensure_ascii=False) for d in examples] + _speed_declarations(args.n) + _mixed_declarations(examples, args.n)
    decls = []
    for line in lines:
        try:
            decls.append(Declaration.model_validate_json(line))
        except ValueError:
            continue  # a recombination the format rejects (e.g. a party role twice) is not a declaration
    names = [None, *bundled_profile_names()]
    profiles = {name: (load_profile(name) if name else None) for name in names}
    digest, count = hashlib.sha256(), 0
    with open(args.out, "w", encoding="utf-8") as out:
        def write(kind: str, obj: object) -> None:
            nonlocal count
            line = f"{kind}\t{_dump(obj)}\n"
            out.write(line)
            digest.update(line.encode("utf-8"))
            count += 1

        for name in names:
            ctx.profile = profiles[name]
            for d in decls:
                decision = screen_declaration(d, ctx)
                body = decision.model_dump(mode="json", exclude={"screened_at"})
                write(f"screen {name}", body)
                if name is None:
                    continue
                # The same hits (as stored) decided again under every other profile, then under it twice.
                for other in names[1:]:
                    hits = [Hit.model_validate(h) for h in body["hits"] if h["rule"] != "selection.random"]
                    again = decide(d.id, hits, ctx.settings.lanes, ctx.list_versions(), ctx.rules.version, profiles[other])
                    write(f"again {name}->{other}", again.model_dump(mode="json", exclude={"screened_at"}))
                    twice = apply_profile(again.hits, profiles[other])
                    write(f"twice {other}", [h.model_dump(mode="json") for h in twice])
        _eaeu(write, ctx, names)
    print(f"{len(decls)} declarations, {len(names)} profiles (none and {', '.join(n for n in names if n)}): "
          f"{count} outputs, sha256 {digest.hexdigest()}")


def _eaeu(write, ctx, names) -> None:  # noqa: ANN001 - the writer above, a ScreeningContext, profile names
    from kordon.models.documents import DOCUMENT, SNT
    from kordon.screen.documents.goods import goods_and_parties

    folder = ROOT / "examples" / "eaeu"
    for line in (folder / "snts.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        snt = DOCUMENT.validate_python(json.loads(line))
        if not isinstance(snt, SNT):
            continue
        for name in names:
            write(f"snt {name}", [r.model_dump(mode="json") for r in goods_and_parties(snt, ctx, name)])


if __name__ == "__main__":
    main()
