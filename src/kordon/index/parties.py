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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kordon.index import identifiers as ids
from kordon.index.names import NameKey, name_key, name_keys, readings
from kordon.index.party_bound import PairBound
from kordon.index.party_features import (
    Pair,
    abjad_skeletons,
    compare_keys,
    is_abjad,
    part_weight,
    score_pair,
    scorer_config,
    scorer_generation,
    skeleton_tokens,
    token_sim,
)

__all__ = ["Candidate", "ListedEntity", "PartyIndex", "Query", "address_key", "compare_keys", "name_roles", "schema_compatible"]

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
    name_roles: dict[str, str] = field(default_factory=dict)  # folded part -> "given" / "family", where the list says

    @classmethod
    def from_ftm(cls, list_id: str, data: dict[str, Any]) -> ListedEntity:
        props = data.get("properties", {})
        names: list[str] = []
        for prop in ("name", "alias", "previousName", "weakAlias"):
            for n in props.get(prop, []):
                if n and n not in names:
                    names.append(n)
        countries = sorted({c.lower() for p in COUNTRY_PROPS for c in props.get(p, []) if c})
        idents = _identifiers(props)
        roles = name_roles(props)
        structured = " ".join(v for p in NAME_PART_PROPS for v in props.get(p, []) if v)
        if structured and structured not in names and not names:
            names.append(structured)  # a person given only by first and last name
        caption = data.get("caption") or (names[0] if names else data.get("id", ""))
        return cls(
            list_id=list_id, entity_id=str(data["id"]), schema=data.get("schema", "LegalEntity"), caption=caption,
            names=names or [caption], countries=countries, birth_dates=sorted(set(props.get("birthDate", []))),
            identifiers=idents, addresses=list(dict.fromkeys(props.get("address", []))),
            programs=list(dict.fromkeys(props.get("program", []))),
            digest=hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16],
            name_roles=roles,
        )


def _identifiers(props: dict[str, Any]) -> list[tuple[str, str]]:
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
    return idents


@dataclass
class Query:
    name: str
    schema: str | None = None
    country: str | None = None
    birth_date: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    address: str | None = None
    name_roles: dict[str, str] = field(default_factory=dict)  # folded part -> "given" / "family" (see name_roles())

    @classmethod
    def from_ftm(cls, schema: str | None, props: dict[str, Any]) -> Query:
        """A query from FtM-style properties (yente's match API, nomenklatura's checks): the first name (or the
        first/middle/last names joined), the first country, birth date and every identifier property."""
        def vals(k: str) -> list[str]:
            v = props.get(k)
            return [] if v is None else [str(v)] if isinstance(v, (str, int)) else [str(x) for x in v]
        name = next(iter(vals("name")), "") or " ".join(x for p in NAME_PART_PROPS for x in vals(p))
        country = next((c for p in COUNTRY_PROPS for c in vals(p)), None)
        idents = [(scheme, v) for prop, scheme in ID_PROPS.items() for v in vals(prop)]
        return cls(name, schema, country.upper() if country else None, next(iter(vals("birthDate")), None), idents,
                   next(iter(vals("address")), None), name_roles(props))


# FtM name-part properties, in the order a full name is written from them.
NAME_PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
_ROLE = {"firstName": "given", "secondName": "given", "middleName": "given", "fatherName": "given", "lastName": "family"}


def name_roles(props: dict[str, Any]) -> dict[str, str]:
    """Folded name part -> "given" or "family", from first/middle/father and last names given separately.
    A part stated in both roles has none (it tells nothing about the order)."""
    roles: dict[str, str] = {}
    for prop, role in _ROLE.items():
        vals = props.get(prop) or []
        for v in [vals] if isinstance(vals, str) else vals:
            for t in name_key(str(v)).tokens:
                roles[t] = role if roles.get(t, role) == role else "both"
    return {t: r for t, r in roles.items() if r != "both"}


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


def _joins(tokens: tuple[str, ...], runs: bool = False) -> list[tuple[str, int, int]]:
    """Adjacent parts written together ("metall stan" → "metallstan"), with the first and last part covered.

    A list name is indexed with its adjacent pairs and, up to five parts, written as one word; a query
    looks up every run of adjacent parts. So a name written as one word on one side and as two or more
    on the other ("MetallStan LLP" / "ТОО «Металл Стан»", "Roso boron export") meet in the index.
    """
    n = len(tokens)
    if n < 2 or n > 8:
        return []
    out = [(tokens[i] + tokens[i + 1], i, i + 1) for i in range(n - 1)]
    if runs:
        out += [("".join(tokens[i : j + 1]), i, j) for i in range(n) for j in range(i + 2, n)]
    elif 2 < n <= 5:
        out.append(("".join(tokens), 0, n - 1))
    return out


class PartyIndex:
    """Entities of one or more lists, searchable by name, identifier and address.

    Retrieval cannot lose an exact listed name: every name and alias is indexed, part by part and
    with adjacent parts joined; a query finds list parts within about two edits (one-deletion
    neighbours, SymSpell style). Each list name is ranked by how much of the query it covers (each query
    part counted once, at its best similarity); the names that cover the whole query are all scored
    (fewest parts of their own first, at most FULL_MAX), then the SCORED best partial ones, and the
    scorer takes the best (query name, list name) pair of each entity.
    """

    COMMON = 1500  # a query part on more names than this only adds to names found through rarer parts
    SCORED = 20  # partially covering names scored per query, beyond the ones covering all of it
    MIN_COVER = 0.3  # names covering less of the query are not scored (they cannot reach a possible match)
    FULL = 0.999
    FULL_MAX = 300

    def __init__(self, entities: Iterable[ListedEntity], versions: dict[str, str] | None = None):
        self.entities: list[ListedEntity] = list(entities)
        self.versions = dict(versions or {})
        self.name_keys: list[tuple[int, NameKey]] = []  # (entity idx, key)
        # Names with the same parts (the same person on the UN, UK, OFAC and EU lists) form one group:
        # retrieved and compared once, then scored for each entity carrying them.
        self.groups: list[tuple[str, ...]] = []
        members: list[list[int]] = []
        group_of: dict[tuple[str, ...], int] = {}
        token_names: dict[str, list[int]] = defaultdict(list)  # folded part (or joined run) -> group ids
        deletes: dict[str, set[str]] = defaultdict(set)  # deletion variant -> parts
        self.by_identifier: dict[str, list[int]] = defaultdict(list)
        self.by_address: dict[str, list[int]] = defaultdict(list)
        # Answers for queries already asked (kordon.screen.parties.matches); owned by this index, so they
        # can never outlive it or be mistaken for another index's answers.
        self.memo: dict[tuple, tuple[list[Candidate], list[str]]] = {}
        self.shared_memo: dict[tuple, list[tuple[ListedEntity, str]]] = {}  # the same for shared()
        self.similar_memo: dict[str, dict[str, float]] = {}  # query part -> similar list parts (_similar_tokens) ...
        self.similar_generation = scorer_generation()  # ... under the scorer values of this generation
        joined: set[str] = set()
        for e_idx, ent in enumerate(self.entities):
            self._add_names(e_idx, ent, members, group_of, token_names, joined)
            self._add_lookups(e_idx, ent)
        self.members: list[tuple[int, ...]] = [tuple(m) for m in members]
        del members, group_of
        parts = {t for toks in self.groups for t in toks}
        for t in token_names:
            # Joined parts are found as written (a query's own joined runs look them up); only real parts
            # get their deletion neighbours, which keeps the index within memory.
            for d in ({t} if t in joined and t not in parts else _deletes(t)):
                deletes[d].add(t)
        # Postings as tuples: compact, and several times faster to unpickle than lists or sets (the index is cached on disk).
        self.token_names: dict[str, tuple[int, ...]] = {t: tuple(v) for t, v in token_names.items()}
        del token_names, parts, joined
        # The index is ~1M long-lived objects; without freezing them every full GC pass walks them all
        # (tens of ms), which is what the slowest queries were waiting on.
        gc.collect()
        gc.freeze()
        # Sorted, not in set order: set order follows the process's string hash seed (see _similar_tokens).
        self.deletes: dict[str, str | tuple[str, ...]] = {k: (next(iter(v)) if len(v) == 1 else tuple(sorted(v))) for k, v in deletes.items()}
        # Consonant skeletons of the parts: an Arabic- or Persian-script query finds names the lists give in
        # Latin letters only (the script omits short vowels; "حسين" and "HUSSEIN" share "hsn").
        skeletons: dict[str, list[int]] = defaultdict(list)
        for g, toks in enumerate(self.groups):
            for sk in set(skeleton_tokens(toks)):
                if len(sk) >= 2:
                    skeletons[sk].append(g)
        self.skeletons: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in skeletons.items()}
        del skeletons

    def _add_names(self, e_idx: int, ent: ListedEntity, members: list[list[int]], group_of: dict[tuple[str, ...], int],
                   token_names: dict[str, list[int]], joined: set[str]) -> None:
        seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        for key in (k for n in ent.names for k in name_keys(n)):
            # "LOGARCHEO AG" and "LOGARCHEO S.A." are both kept: the legal form is evidence too.
            if not key.tokens or (key.tokens, key.legal_forms) in seen:
                continue
            seen.add((key.tokens, key.legal_forms))
            k_idx = len(self.name_keys)
            self.name_keys.append((e_idx, key))
            g = group_of.get(key.tokens)
            if g is not None:
                members[g].append(k_idx)
                continue
            g = group_of[key.tokens] = len(self.groups)
            self.groups.append(key.tokens)
            members.append([k_idx])
            for t in set(key.tokens):
                token_names[t].append(g)
            for j, _, _ in _joins(key.tokens):
                if j not in key.tokens:
                    token_names[j].append(g)
                    joined.add(j)

    def _add_lookups(self, e_idx: int, ent: ListedEntity) -> None:
        for scheme, value in ent.identifiers:
            for k in ids.equivalent_keys(ids.Identifier(scheme, value, True)):
                self.by_identifier[k].append(e_idx)
        for a in ent.addresses:
            ak = address_key(a)
            if ak:
                self.by_address[ak].append(e_idx)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled in another process (the disk cache, Spark's workers), whose scorer values may differ.
        self.__dict__.update(state)
        self.similar_memo = {}
        self.similar_generation = scorer_generation()

    def __len__(self) -> int:
        return len(self.entities)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(sorted(self.versions.items())).encode()).hexdigest()[:16]

    SIMILAR_MAX = 100_000  # query parts whose similar list parts are remembered (names repeat their given names)

    def _similar_tokens(self, token: str) -> dict[str, float]:
        """List parts within about two edits of a query part, with their similarity (> 0); remembered per part for
        the scorer values in force (callers only read the answer)."""
        memo = self.similar_memo
        if self.similar_generation != scorer_generation() or len(memo) >= self.SIMILAR_MAX:
            memo.clear()
            self.similar_generation = scorer_generation()
        found = memo.get(token)
        if found is None:
            found = memo[token] = self._similar_uncached(token)
        return found

    def _similar_uncached(self, token: str) -> dict[str, float]:
        found: dict[str, float] = {}
        # In sorted order: the order of these parts decides the order in which coverage is summed in _gather, and
        # floating-point sums in another order differ in the last bit, which can move a name across a ranking cap.
        # Set order follows the string hash seed, which differs between processes (the local engine's workers,
        # Spark's Python workers run with PYTHONHASHSEED=0): the same name must get the same candidates in all.
        for d in sorted(_deletes(token)):
            hit = self.deletes.get(d)
            if hit is None:
                continue
            for s in (hit,) if isinstance(hit, str) else hit:
                if s not in found:
                    found[s] = token_sim(token, s)
        return {s: v for s, v in found.items() if v > 0}

    def _probe(self, toks: list[str]) -> list[tuple[tuple[int, ...], dict[str, float], int]]:
        """For each query part and each run of adjacent parts written together: the query parts it covers,
        the similar list parts with their similarity, and how many names carry those."""
        probes = [(t, (i,)) for i, t in enumerate(toks)] + [(j, tuple(range(a, b + 1))) for j, a, b in _joins(tuple(toks), runs=True)]
        found = []
        for probe, parts in probes:
            sims = self._similar_tokens(probe)
            if sims:
                found.append((parts, sims, sum(len(self.token_names.get(t, ())) for t in sims)))
        return found

    def _seeds(self, found: list[tuple[tuple[int, ...], dict[str, float], int]], n: int) -> list[tuple[tuple[int, ...], dict[str, float], int]]:
        by_size = sorted(found, key=lambda f: f[2])
        seeds = [f for f in by_size if f[2] <= self.COMMON]
        for f in by_size:
            if len({i for parts, _, _ in seeds for i in parts}) >= min(2, n):
                break
            if f not in seeds:
                seeds.append(f)
        return seeds

    def _gather(self, found: list[tuple[tuple[int, ...], dict[str, float], int]], weights: list[float]) -> dict[int, list[float]]:
        """For each name group, the best similarity reached by each query part, and (last) their weighted sum.

        Names are gathered through the parts that few names share; a common part ("Muhammad", "Ali")
        then only adds to the names found, looked up among each name's own parts. A name covering the
        whole query carries every rare part too, so none is lost. At least two query parts gather, so a
        misspelt rare part cannot hide a name carrying all the others ("KYUNG IL KIM" / "KIM KYONG IL").
        """
        n = len(weights)
        seeds = self._seeds(found, n)
        later = [f for f in found if f not in seeds]
        # c[n] keeps the weighted sum of c[:n] up to date, so ranking needs no second pass over the parts.
        cover: dict[int, list[float]] = {}
        for parts, sims, _ in seeds:
            if len(parts) == 1:  # one query part (most probes): the same sums without the loop over parts
                self._cover_part(cover, sims, parts[0], weights[parts[0]], n)
                continue
            for t, sim in sims.items():
                for k in self.token_names.get(t, ()):
                    c = cover.get(k)
                    if c is None:
                        c = cover[k] = [0.0] * (n + 1)
                    for i in parts:
                        if sim > c[i]:
                            c[n] += weights[i] * (sim - c[i])
                            c[i] = sim
        if later:
            self._add_common(cover, later, weights)
        return cover

    def _cover_part(self, cover: dict[int, list[float]], sims: dict[str, float], i: int, w: float, n: int) -> None:
        names = self.token_names
        for t, sim in sims.items():
            for k in names.get(t, ()):
                c = cover.get(k)
                if c is None:
                    c = cover[k] = [0.0] * (n + 1)
                ci = c[i]
                if sim > ci:
                    c[n] += w * (sim - ci)
                    c[i] = sim

    def _add_common(self, cover: dict[int, list[float]], later: list[tuple[tuple[int, ...], dict[str, float], int]], weights: list[float]) -> None:
        n = len(weights)
        for k, c in cover.items():
            own = self.groups[k]
            for parts, sims, _ in later:
                best = max([sims.get(t, 0.0) for t in own])
                for i in parts:
                    if best > c[i]:
                        c[n] += weights[i] * (best - c[i])
                        c[i] = best

    def candidates(self, key: NameKey, limit: int | None = None) -> list[int]:
        """Name groups to score, best covering first: all that cover the whole query, then up to `limit` more."""
        limit = self.SCORED if limit is None else limit
        toks = list(dict.fromkeys(key.tokens))
        found = self._probe(toks) if toks else []
        if not found:
            return self._by_skeleton(key) if is_abjad(key.original) else []
        weights = [part_weight(t) for t in toks]
        total = sum(weights)
        n = len(toks)
        ranked = []
        floor = self.MIN_COVER * total
        for k, c in self._gather(found, weights).items():
            if c[n] < floor:
                continue
            # Among equal coverage, names with fewer parts of their own that the query lacks come first. (A part's
            # similarity is 0.0 until a list part similar to it is found, and then above 0.)
            extra = len(self.groups[k]) - n + c[:n].count(0.0)
            ranked.append((-c[n] / total, extra, k))
        ranked.sort()
        # Names covering the whole query, fewest parts of their own first: an exact name (no extra part)
        # or one with a patronymic more always comes before the cap, which only bounds one-word queries
        # like "Muhammad" that thousands of names contain.
        full = [k for g, _, k in ranked if -g >= self.FULL][: self.FULL_MAX]
        rest = [k for g, _, k in ranked if -g < self.FULL][:limit]
        if is_abjad(key.original):
            seen = set(full) | set(rest)
            rest += [k for k in self._by_skeleton(key) if k not in seen]
        return full + rest

    SKELETON_MAX = 50  # names found through consonant skeletons, scored per Arabic-script query

    def _by_skeleton(self, key: NameKey) -> list[int]:
        """Name groups sharing consonant skeletons with the query's parts (or runs of adjacent parts written
        together: "عبد الله" / "ABDULLAH"), covering at least half of the query, best covering first."""
        found: dict[int, float] = {}
        for variant in abjad_skeletons(key):
            for rank, g in self._skeleton_ranked(list(dict.fromkeys(variant))):
                found[g] = min(rank, found.get(g, 0.0))
        return sorted(found, key=lambda g: (found[g], g))[: self.SKELETON_MAX]

    def _skeleton_ranked(self, sk: list[str]) -> list[tuple[float, int]]:
        if not sk:
            return []
        weights = [part_weight(s) for s in sk]
        probes = [(s, (i,)) for i, s in enumerate(sk)] + [(j, tuple(range(a, b + 1))) for j, a, b in _joins(tuple(sk), runs=True)]
        cover: dict[int, set[int]] = defaultdict(set)
        hit: dict[int, set[str]] = defaultdict(set)
        for probe, parts in probes:
            for g in self.skeletons.get(probe, ()) if len(probe) >= 2 else ():
                cover[g].update(parts)
                hit[g].add(probe)
        total = sum(weights)
        ranked = []
        for g, covered in cover.items():
            q_share = sum(weights[i] for i in covered) / total
            if q_share < 0.5:
                continue
            # Among names covering the query alike, those with fewer skeletons of their own left over come first.
            own = [x for x in skeleton_tokens(self.groups[g]) if len(x) >= 2]
            ranked.append((-(q_share + sum(1 for x in own if x in hit[g]) / max(len(own), 1)) + len(own) / 1000, g))
        ranked.sort()
        return ranked[: self.SKELETON_MAX]

    def match(self, query: Query, limit: int = 10, floor: float | None = None) -> tuple[list[Candidate], list[str]]:
        """Ranked candidates and warnings for a query. Never raises on odd names.

        With `floor`, a name pair whose score provably cannot reach it is not scored (party_bound): the
        candidates scoring at least `floor` are the same, with the same scores and explanations, in the same
        order; those below it may be missing or rest on another of their names, so a caller passes the lowest
        score it reports."""
        warnings: list[str] = []
        results = self._by_identifier(query, warnings)
        key = name_key(query.name)
        if not key.meaningful:
            warnings.append(
                f"name {query.name!r} has no meaningful part after removing legal forms, digits and single letters; not matched by name"
            )
        else:
            min_name = float(scorer_config()["min_candidate_score"])
            # An entity matched by identifier takes its name evidence from its best name pair, whatever its score.
            bound = (floor, set(results)) if floor is not None else None
            best = self._best_pairs(query, key, bound)
            for other in name_keys(query.name)[1:] if readings(query.name) else ():  # other readings: the best pair wins
                for e_idx, found in self._best_pairs(query, other, bound).items():
                    if e_idx not in best or (found[0], found[2].name_score) > (best[e_idx][0], best[e_idx][2].name_score):
                        best[e_idx] = found
            for e_idx, (score, ckey, ps) in best.items():
                if ps.name_score < min_name:
                    continue
                ent = self.entities[e_idx]
                if e_idx in results:
                    results[e_idx].explanation.extend(ps.explanation)
                    results[e_idx].name_score = ps.name_score
                    results[e_idx].matched_name = ckey.original
                else:
                    results[e_idx] = Candidate(ent, score, ckey.original, ps.explanation, name_score=ps.name_score)
        ranked = sorted(results.values(), key=lambda c: (-c.score, -c.name_score, c.entity.list_id, c.entity.entity_id))
        return ranked[:limit], warnings

    def _by_identifier(self, query: Query, warnings: list[str]) -> dict[int, Candidate]:
        """Identifiers decide on their own; invalid ones are named in a warning and not used."""
        results: dict[int, Candidate] = {}
        for scheme, value in query.identifiers:
            ident = ids.normalise(scheme, value)
            if not ident.valid:
                warnings.append(f"identifier {scheme}:{value} fails its format or checksum; not used")
                continue
            for k in ids.equivalent_keys(ident):
                for e_idx in self.by_identifier.get(k, []):
                    ent = self.entities[e_idx]
                    results[e_idx] = Candidate(ent, float(scorer_config()["identifier_score"]), ent.caption,
                                               [f"identifier {k} equals the listed entity's"], identifier_match=k, name_score=0.0)
        return results

    def _best_pairs(self, query: Query, key: NameKey, bound: tuple[float, set[int]] | None = None) -> dict[int, tuple[float, NameKey, Any]]:
        """Each retrieved entity on its best (query name, listed name) pair (ties: the higher name score).
        With `bound` (floor, entities to score in full), pairs that cannot reach the floor (PairBound.reaches) are skipped."""
        person = query.schema == "Person"
        # A name carrying a legal form ("ООО «Нова»") is a firm, not a listed vessel or aircraft. (Persons stay:
        # two-letter forms such as SA, AG, AB also occur in people's names: "SA'D", "IYAD AG GHALI".)
        firm = not query.schema and bool(key.legal_forms)
        best: dict[int, tuple[float, NameKey, Any]] = {}
        bounder: PairBound | None = None  # made for the first pair to bound (most names that match nothing retrieve none)
        # The margin keeps a pair whose score equals the floor although the bound, summed in another order, is an ulp below.
        floor, in_full = (bound[0] - 1e-9, bound[1]) if bound is not None else (0.0, set())
        for g in self.candidates(key):
            shared: dict[bool, dict[str, Any]] | None = None  # name comparisons of the group, person or not
            for k_idx in self.members[g]:
                e_idx, ckey = self.name_keys[k_idx]
                ent = self.entities[e_idx]
                if not schema_compatible(query.schema, ent.schema) or (firm and ent.schema in ("Vessel", "Airplane")):
                    continue
                if person and ent.schema != "Person" and any(f != "sole_trader" for f in ckey.legal_forms):
                    # A person is not the firm a listed name with a legal form names ("MIRAN LLC", "OOO BITTERIYA");
                    # a sole trader (ИП, ЖК) is the person.
                    continue
                as_person = person or ent.schema == "Person"
                if bound is not None and e_idx not in in_full:
                    bounder = bounder or PairBound(key)
                    if not bounder.reaches(ckey, as_person, floor):
                        continue
                if shared is None:
                    shared = {True: {}, False: {}}
                ps = score_pair(Pair(query, key, ent, ckey, as_person, shared[as_person]))
                prev = best.get(e_idx)
                if prev is None or (ps.score, ps.name_score) > (prev[0], prev[2].name_score):
                    best[e_idx] = (ps.score, ckey, ps)
        return best

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
        ak = address_key(address) if address else ""  # most parties give none
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
