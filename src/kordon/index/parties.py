"""The party index: listed entities, a candidate index over their names, and an explained scorer.

Candidates come from a token index with one-deletion neighbours (SymSpell style), so a query token
finds list tokens within about two edits in a few dictionary look-ups; identifiers are looked up
exactly. Each candidate is then scored in [0, 1] with an explanation of which name parts,
identifiers, country and birth date agreed.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from rapidfuzz.distance import OSA

from kordon.index import identifiers as ids
from kordon.index.names import NameKey, is_particle, is_patronymic, name_key

# FtM properties kordon reads from a listed entity.
NAME_PROPS = ("name", "alias", "previousName", "weakAlias", "firstName lastName")
COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "flag", "mainCountry")
ID_PROPS = {
    "innCode": "ru_inn", "ogrnCode": "ru_ogrn", "imoNumber": "imo", "leiCode": "lei", "swiftBic": "swift",
    "registrationNumber": "reg", "taxNumber": "tax", "idNumber": "national_id", "passportNumber": "passport",
    "kzBin": "kz_bin",
}
PERSON_SCHEMAS = {"Person"}
ORG_SCHEMAS = {"Company", "Organization", "LegalEntity", "PublicBody"}


@dataclass(slots=True)
class ListedEntity:
    list_id: str
    entity_id: str
    schema: str
    caption: str
    names: list[str]
    countries: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    digest: str = ""  # of the list entry as published: an allow-list decision holds only for this content

    @classmethod
    def from_ftm(cls, list_id: str, data: dict[str, Any]) -> "ListedEntity":
        props = data.get("properties", {})
        names: list[str] = []
        for prop in ("name", "alias", "previousName", "weakAlias"):
            for n in props.get(prop, []):
                if n and n not in names:
                    names.append(n)
        countries = sorted({c.lower() for p in COUNTRY_PROPS for c in props.get(p, []) if c})
        idents = []
        for prop, scheme in ID_PROPS.items():
            for v in props.get(prop, []):
                ident = ids.normalise(scheme, v)
                if ident.value:
                    idents.append((ident.scheme, ident.value))
                if scheme in ("reg", "tax") and ident.value.isdigit():
                    # Lists write Kazakh BINs and Russian INN/OGRN as plain registration or tax numbers.
                    for strong in ("kz_bin", "ru_inn", "ru_ogrn"):
                        cand = ids.normalise(strong, ident.value)
                        if cand.valid:
                            idents.append((cand.scheme, cand.value))
        caption = data.get("caption") or (names[0] if names else data.get("id", ""))
        return cls(
            list_id=list_id, entity_id=str(data["id"]), schema=data.get("schema", "LegalEntity"), caption=caption,
            names=names or [caption], countries=countries, birth_dates=sorted(set(props.get("birthDate", []))),
            identifiers=idents, addresses=list(dict.fromkeys(props.get("address", []))),
            programs=list(dict.fromkeys(props.get("program", []))),
            digest=hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16],
        )


@dataclass
class Query:
    name: str
    schema: str | None = None
    country: str | None = None
    birth_date: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    address: str | None = None


@dataclass
class Candidate:
    entity: ListedEntity
    score: float
    matched_name: str
    explanation: list[str]
    identifier_match: str | None = None
    name_score: float = 0.0

    def as_dict(self, threshold: float) -> dict[str, Any]:
        return {
            "entity_id": self.entity.entity_id, "list": self.entity.list_id, "name": self.entity.caption,
            "matched_name": self.matched_name, "schema": self.entity.schema, "score": round(self.score, 3),
            "match": self.score >= threshold, "explanation": "; ".join(self.explanation),
            "identifier_match": self.identifier_match, "countries": self.entity.countries,
            "programs": self.entity.programs, "entity_digest": self.entity.digest,
        }


# --- scoring ---------------------------------------------------------------------------------

def _token_sim(a: str, b: str) -> float:
    """How much two folded name parts agree, in [0, 1]; 0 when they are different names."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if min(la, lb) <= 2:
        # An initial agrees with a full given name ("A. Wendt" / "Aaron Wendt") but weakly.
        return 0.6 if min(la, lb) == 1 and a[0] == b[0] else 0.0
    if is_patronymic(a) != is_patronymic(b):
        return 0.0  # "Petrov" is not "Petrovich": a surname and a patronymic built on the same name
    if a.isdigit() or b.isdigit():
        return 0.0  # numbers in names ("Fund VIII", "Company 23") identify; near is not equal
    sim = OSA.normalized_similarity(a, b)
    if sim < 0.6:
        # Short given names: "Ben"/"Benjamin". Not patronymics: "Oleksandr"/"Oleksandrovych" differ.
        short, long_ = (a, b) if la < lb else (b, a)
        if len(short) == 3 and long_.startswith(short) and not is_patronymic(long_):
            return 0.6
        return 0.0
    # Transliteration and typing variants are one or two edits; the curve keeps "Castro"/"Castillo" low.
    return (sim - 0.45) / 0.55


_ROMAN = {"ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}


def _is_number(token: str) -> bool:
    return token.isdigit() or token in _ROMAN


@lru_cache(maxsize=200_000)
def _weight(token: str) -> float:
    if is_particle(token):
        return 0.3
    if token.isdigit():
        return 0.8
    return min(len(token), 8) / 4 + 0.5


_FAMILY = {"pjsc": "jsc", "cjsc": "jsc", "ojsc": "jsc"}


def _joined_sim(q: NameKey, c: NameKey) -> float:
    return OSA.normalized_similarity("".join(q.tokens), "".join(c.tokens))


def compare_keys(q: NameKey, c: NameKey, person: bool) -> tuple[float, list[str], list[str], list[str]]:  # noqa: C901 - the matcher under rework in issue 9; split there
    """Score two name keys; return (score, agreed parts, query parts unmatched, candidate parts unmatched)."""
    qa, ca = list(q.tokens), list(c.tokens)
    if not qa or not ca:
        return 0.0, [], qa, ca
    pairs = []
    for i, a in enumerate(qa):
        for j, b in enumerate(ca):
            s = _token_sim(a, b)
            if s > 0:
                pairs.append((s, i, j))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    gained = 0.0
    agreed = []
    for s, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        gained += s * (_weight(qa[i]) + _weight(ca[j]))
        agreed.append(qa[i] if qa[i] == ca[j] else f"{qa[i]}~{ca[j]}")
    q_left = [t for i, t in enumerate(qa) if i not in used_q]
    c_left = [t for j, t in enumerate(ca) if j not in used_c]
    total = sum(map(_weight, qa)) + sum(map(_weight, ca))
    # A name part missing on one side costs less than a part that disagrees: lists carry patronymics
    # and middle names that declarations drop. Missing patronymics are discounted further.
    slack = 0.0
    if not q_left or not c_left:
        for t in q_left + c_left:
            if _is_number(t):
                continue
            slack += _weight(t) * ((0.75 if is_patronymic(t) else 0.5) if person else 0.25)
    score = gained / max(total - slack, 1e-9) if agreed else 0.0
    if [t for t in q_left if not is_particle(t)] and [t for t in c_left if not is_particle(t)]:
        score -= 0.1  # a part on each side that disagrees: another person or firm of the same family
    if any(_is_number(t) for t in q_left + c_left):
        score *= 0.7
    # Words run together or split ("SergeiLavrov", "Patr ushev", "Goodwill"/"Good Will").
    # Typos across the whole name, or parts split differently; never across different numbers
    # ("Neka 455"/"Neka 456") or different initials ("I.P.C."/"N.P.C.").
    comparable = len(qa) != len(ca) or sorted(t[0] for t in qa) == sorted(t[0] for t in ca)
    same_numbers = [t for t in qa if t.isdigit()] == [t for t in ca if t.isdigit()]
    joined = _joined_sim(q, c) if comparable and same_numbers else 0.0
    if joined >= 0.9 and joined > score + 0.01:
        score = joined
        agreed = [f"{''.join(qa)}~{''.join(ca)}"]
        q_left, c_left = [], []
    qf, cf = {_FAMILY.get(f, f) for f in q.legal_forms} - {"generic"}, {_FAMILY.get(f, f) for f in c.legal_forms} - {"generic"}
    if qf and cf and not qf & cf:
        score *= 0.75
    return max(0.0, min(score, 1.0)), agreed, q_left, c_left


def _country_ok(query: Query, entity: ListedEntity) -> bool | None:
    if not query.country or not entity.countries:
        return None
    return query.country.lower() in entity.countries


def _birth_ok(query: Query, entity: ListedEntity) -> bool | None:
    if not query.birth_date or not entity.birth_dates:
        return None
    return any(d.startswith(query.birth_date) or query.birth_date.startswith(d) for d in entity.birth_dates)


def schema_compatible(query_schema: str | None, entity_schema: str) -> bool:
    if not query_schema or query_schema in ("LegalEntity", "Thing"):
        return True
    if query_schema == "Person":
        return entity_schema in ("Person", "LegalEntity")
    if query_schema in ORG_SCHEMAS:
        return entity_schema in ORG_SCHEMAS
    return entity_schema == query_schema or entity_schema == "LegalEntity"


# --- the index ---------------------------------------------------------------------------------

def _deletes(token: str) -> set[str]:
    out = {token}
    if len(token) > 3:
        out.update(token[:i] + token[i + 1 :] for i in range(len(token)))
    return out


class PartyIndex:
    """Entities of one or more lists, searchable by name, identifier and address."""

    MAX_POSTINGS = 3000  # a token more common than this only re-ranks candidates found otherwise

    def __init__(self, entities: Iterable[ListedEntity], versions: dict[str, str] | None = None):  # noqa: C901 - the matcher under rework in issue 9; split there
        self.entities: list[ListedEntity] = list(entities)
        self.versions = dict(versions or {})
        self.name_keys: list[tuple[int, NameKey]] = []  # (entity idx, key)
        self.token_names: dict[str, list[int]] = defaultdict(list)  # folded token -> name-key idxs
        self.deletes: dict[str, str | tuple[str, ...]] = {}  # deletion variant -> token(s)
        self.by_identifier: dict[str, list[int]] = defaultdict(list)
        self.by_address: dict[str, list[int]] = defaultdict(list)
        # Answers for queries already asked (kordon.screen.parties.matches); owned by this index, so they
        # can never outlive it or be mistaken for another index's answers.
        self.memo: dict[tuple, tuple[list[Candidate], list[str]]] = {}
        for e_idx, ent in enumerate(self.entities):
            seen: set[tuple[str, ...]] = set()
            for n in ent.names:
                key = name_key(n)
                if not key.tokens or key.tokens in seen:
                    continue
                seen.add(key.tokens)
                k_idx = len(self.name_keys)
                self.name_keys.append((e_idx, key))
                for t in set(key.tokens):
                    self.token_names[t].append(k_idx)
            for scheme, value in ent.identifiers:
                for k in ids.equivalent_keys(ids.Identifier(scheme, value, True)):
                    self.by_identifier[k].append(e_idx)
            for a in ent.addresses:
                ak = address_key(a)
                if ak:
                    self.by_address[ak].append(e_idx)
        deletes: dict[str, set[str]] = defaultdict(set)
        for t in self.token_names:
            for d in _deletes(t):
                deletes[d].add(t)
        self.token_names = dict(self.token_names)
        # The index is ~1M long-lived objects; without freezing them every full GC pass walks them all
        # (tens of ms), which is what the slowest queries were waiting on.
        gc.collect()
        gc.freeze()
        # Plain strings and tuples unpickle several times faster than sets (the index is cached on disk).
        self.deletes = {k: (next(iter(v)) if len(v) == 1 else tuple(v)) for k, v in deletes.items()}

    def __len__(self) -> int:
        return len(self.entities)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(sorted(self.versions.items())).encode()).hexdigest()[:16]

    def _similar_tokens(self, token: str) -> set[str]:
        found: set[str] = set()
        for d in _deletes(token):
            hit = self.deletes.get(d)
            if hit is None:
                continue
            if isinstance(hit, str):
                found.add(hit)
            else:
                found.update(hit)
        if len(token) >= 3:
            # Truncated given names ("ben" → "benjamin") are caught by the scorer's prefix rule,
            # but only when the full token is a candidate; exact prefix tokens are rare, skip here.
            pass
        return found

    def candidates(self, key: NameKey, limit: int = 60) -> list[int]:
        """Name-key indexes sharing a similar token, ranked by the rarity of what they share."""
        counts: dict[int, float] = defaultdict(float)
        common: list[list[int]] = []
        for t in set(key.tokens):
            for s in self._similar_tokens(t):
                postings = self.token_names.get(s, [])
                if len(postings) > self.MAX_POSTINGS:
                    common.append(postings)
                    continue
                w = 1.0 / (1 + len(postings)) ** 0.5 * (_weight(t))
                for k in postings:
                    counts[k] += w
        if not counts:
            return []
        if common:
            # Common tokens only add to names already found through a rarer token.
            for postings in common:
                for k in postings:
                    if k in counts:
                        counts[k] += 0.01
        return sorted(counts, key=counts.__getitem__, reverse=True)[:limit]

    def match(self, query: Query, limit: int = 10, threshold: float = 0.7) -> tuple[list[Candidate], list[str]]:  # noqa: C901 - the matcher under rework in issue 9; split there
        """Ranked candidates and warnings for a query. Never raises on odd names."""
        warnings: list[str] = []
        key = name_key(query.name)
        person = query.schema == "Person"
        results: dict[int, Candidate] = {}
        # Identifiers decide on their own.
        for scheme, value in query.identifiers:
            ident = ids.normalise(scheme, value)
            if not ident.valid:
                warnings.append(f"identifier {scheme}:{value} fails its format or checksum; not used")
                continue
            for k in ids.equivalent_keys(ident):
                for e_idx in self.by_identifier.get(k, []):
                    ent = self.entities[e_idx]
                    results[e_idx] = Candidate(ent, 1.0, ent.caption, [f"identifier {k} equals the listed entity's"], identifier_match=k, name_score=0.0)
        if not key.meaningful:
            warnings.append(
                f"name {query.name!r} has no meaningful part after removing legal forms, digits and single letters; not matched by name"
            )
            key_ok = False
        else:
            key_ok = True
        if key_ok:
            best: dict[int, tuple[float, NameKey, list[str], list[str], list[str]]] = {}
            for k_idx in self.candidates(key):
                e_idx, ckey = self.name_keys[k_idx]
                ent = self.entities[e_idx]
                if not schema_compatible(query.schema, ent.schema):
                    continue
                s, agreed, q_left, c_left = compare_keys(key, ckey, person or ent.schema == "Person")
                if e_idx not in best or s > best[e_idx][0]:
                    best[e_idx] = (s, ckey, agreed, q_left, c_left)
            for e_idx, (s, ckey, agreed, q_left, c_left) in best.items():
                if s < 0.3:
                    continue
                ent = self.entities[e_idx]
                expl = [f"name {ckey.original!r}: agreed {', '.join(agreed) or 'nothing'}"]
                if q_left:
                    expl.append(f"query parts not on the list: {', '.join(q_left)}")
                if c_left:
                    expl.append(f"list parts not in the query: {', '.join(c_left)}")
                score = s
                c_ok = _country_ok(query, ent)
                if c_ok is True:
                    expl.append(f"country {query.country} agrees")
                    score = min(1.0, score + 0.03)
                elif c_ok is False:
                    expl.append(f"country {query.country} differs from the list ({', '.join(ent.countries)})")
                    score -= 0.05
                b_ok = _birth_ok(query, ent)
                if b_ok is True:
                    expl.append(f"birth date {query.birth_date} agrees")
                    score = min(1.0, score + 0.05)
                elif b_ok is False:
                    expl.append(f"birth date {query.birth_date} differs from the list ({', '.join(ent.birth_dates)})")
                    score -= 0.15
                if e_idx in results:
                    results[e_idx].explanation.extend(expl)
                    results[e_idx].name_score = s
                    results[e_idx].matched_name = ckey.original
                else:
                    results[e_idx] = Candidate(ent, max(0.0, score), ckey.original, expl, name_score=s)
        ranked = sorted(results.values(), key=lambda c: (-c.score, c.entity.list_id, c.entity.entity_id))
        return ranked[:limit], warnings

    def shared(self, identifiers: list[tuple[str, str]], address: str | None) -> list[tuple[ListedEntity, str]]:
        """Listed entities that share an identifier (any scheme) or an exact address with a party."""
        out: list[tuple[ListedEntity, str]] = []
        seen: set[int] = set()
        for scheme, value in identifiers:
            ident = ids.normalise(scheme, value)
            if not ident.value:
                continue
            for k in ids.equivalent_keys(ident):
                for e_idx in self.by_identifier.get(k, []):
                    if e_idx not in seen:
                        seen.add(e_idx)
                        out.append((self.entities[e_idx], f"identifier {k}"))
        ak = address_key(address or "")
        if ak:
            for e_idx in self.by_address.get(ak, []):
                if e_idx not in seen:
                    seen.add(e_idx)
                    out.append((self.entities[e_idx], f"address {address!r}"))
        return out


def address_key(address: str) -> str:
    """Addresses compared as folded token sets; too short to identify a place → empty."""
    key = name_key(address)
    toks = sorted(set(key.tokens))
    if len(toks) < 3:
        return ""
    return " ".join(toks)
