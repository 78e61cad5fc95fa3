"""Trade history: what past declarations say about parties, prices and stock.

An in-memory index fed with declarations oldest first (from ``Store.iter_declarations`` or any
iterable). Screening only reads it; the caller adds a declaration after recording it, so
screening one declaration stays a pure function of its inputs.

What it keeps, and why:
- first-seen date of every party (new traders and shell firms, red flag 4 and 16);
- per party the HS chapters it trades (line of business, red flag 7);
- per HS6, unit and currency the recent log unit values, summarised by median and MAD (red flag 11);
- per party and HS6 the imports in and exports out with dates — the "virtual warehouse" that
  links an import of controlled goods to their later re-export;
- per consignor-consignee pair the recent consignments (structuring);
- per declaration id its first version's destination and consignees (last-minute changes).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Iterable

from kordon.models import Declaration, DeclarationType, Item, Party, PartyRole

_NON_ALNUM = re.compile(r"[^\w]+", re.UNICODE)
# Keeps memory bounded on long histories: recent prices say more about today's price anyway.
PRICE_WINDOW = 1000
EVENTS_PER_STOCK = 64
CONSIGNMENTS_PER_PAIR = 64


def party_key(party: Party) -> str:
    """Registry number when there is one, else the normalised name and country."""
    for scheme in sorted(party.identifiers):
        return f"{scheme}:{party.identifiers[scheme]}"
    return f"name:{_NON_ALNUM.sub(' ', party.name.casefold()).strip()}|{party.country}"


def address_key(party: Party) -> str | None:
    if not party.address:
        return None
    norm = _NON_ALNUM.sub(" ", party.address.casefold()).strip()
    return f"{norm}|{party.country}" if len(norm) >= 8 else None


def unit_basis(item: Item) -> tuple[str, float] | None:
    """(basis, amount) for a unit value: per kg when the mass is declared, else per declared unit."""
    if item.net_mass_kg:
        return "kg", float(item.net_mass_kg)
    if item.quantity:
        return f"unit:{(item.unit or '').lower()}", float(item.quantity)
    return None


def log_unit_value(item: Item) -> tuple[tuple[str, str, str], float] | None:
    if item.value is None or not item.value or not item.currency:
        return None
    basis = unit_basis(item)
    if basis is None:
        return None
    return (item.hs_code[:6], basis[0], item.currency), math.log(float(item.value) / basis[1])


def stock_amount(item: Item) -> float:
    return float(item.net_mass_kg if item.net_mass_kg is not None else (item.quantity or 0))


@dataclass(frozen=True)
class PriceStats:
    median: float  # of log unit values
    mad: float
    n: int


@dataclass(frozen=True)
class StockEvent:
    date: dt.date
    amount: float  # + in (import), - out (export, re-export)
    declaration_id: str


@dataclass(frozen=True)
class Consignment:
    date: dt.date
    value: float
    currency: str
    declaration_id: str


@dataclass(frozen=True)
class FirstVersion:
    date: dt.date
    destination: str
    consignees: tuple[str, ...]
    consignee_names: tuple[str, ...]


@dataclass
class History:
    declarations: int = 0
    upto: int | None = None  # store key of the last stored declaration added (None: not from a store)
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    first_seen: dict[str, dt.date] = field(default_factory=dict)
    party_declarations: Counter = field(default_factory=Counter)
    chapters: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    prices: dict[tuple[str, str, str], deque] = field(default_factory=dict)
    stock: dict[tuple[str, str], deque] = field(default_factory=dict)
    by_address: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    consignments: dict[tuple[str, str], deque] = field(default_factory=dict)
    first_versions: dict[str, FirstVersion] = field(default_factory=dict)
    _stats: dict[tuple[str, str, str], PriceStats] = field(default_factory=dict, repr=False)
    _added: Counter = field(default_factory=Counter, repr=False)  # prices added since the stats were computed

    @classmethod
    def build(cls, declarations: Iterable[Declaration | tuple[Declaration, int]]) -> "History":
        history = cls()
        for d in declarations:
            history.add(d[0] if isinstance(d, tuple) else d)
        return history

    def __len__(self) -> int:
        return self.declarations

    def add(self, decl: Declaration, pk: int | None = None) -> None:
        """Add a declaration after it was recorded; `pk` is its store key, kept as the history's reach."""
        self.declarations += 1
        if pk is not None:
            self.upto = pk if self.upto is None else max(self.upto, pk)
        self.first_date = decl.date if self.first_date is None else min(self.first_date, decl.date)
        self.last_date = decl.date if self.last_date is None else max(self.last_date, decl.date)
        keys = self._add_parties(decl)
        if decl.id not in self.first_versions:
            receivers = [(p, k) for p, k in keys if p.role in (PartyRole.consignee, PartyRole.end_user)]
            self.first_versions[decl.id] = FirstVersion(decl.date, decl.route.destination, tuple(k for _, k in receivers),
                                                        tuple(p.name for p, _ in receivers))
        total = self._add_items(decl, keys)
        consignor = next((k for p, k in keys if p.role is PartyRole.consignor), None)
        consignee = next((k for p, k in keys if p.role is PartyRole.consignee), None)
        if consignor and consignee:
            queue = self.consignments.setdefault((consignor, consignee), deque(maxlen=CONSIGNMENTS_PER_PAIR))
            for currency, value in total.items():
                queue.append(Consignment(decl.date, value, currency, decl.id))

    def _add_parties(self, decl: Declaration) -> list[tuple[Party, str]]:
        """First sightings, addresses and declaration counts of the parties; (party, key) pairs."""
        keys = []
        for party in decl.parties:
            key = party_key(party)
            keys.append((party, key))
            seen = self.first_seen.get(key)
            if seen is None or decl.date < seen:
                self.first_seen[key] = decl.date
            addr = address_key(party)
            if addr:
                self.by_address[addr].add(key)
        for key in {k for _, k in keys}:
            self.party_declarations[key] += 1
        return keys

    def _add_items(self, decl: Declaration, keys: list[tuple[Party, str]]) -> dict[str, float]:
        """Chapters traded, unit prices and stock movements of the items; the declared value per currency."""
        traders = [k for p, k in keys if p.role in (PartyRole.consignor, PartyRole.consignee, PartyRole.declarant)]
        total: dict[str, float] = defaultdict(float)
        for item in decl.items:
            for key in traders:
                self.chapters[key][item.hs_code[:2]] += 1
            self._add_price(item)
            self._add_stock(decl, item, keys)
            if item.value is not None and item.currency:
                total[item.currency] += float(item.value)
        return total

    def _add_price(self, item: Item) -> None:
        luv = log_unit_value(item)
        if luv is None:
            return
        self.prices.setdefault(luv[0], deque(maxlen=PRICE_WINDOW)).append(luv[1])
        self._added[luv[0]] += 1
        stats = self._stats.get(luv[0])
        if stats is None or self._added[luv[0]] > stats.n // 50:
            # Refresh here, not when asked: the statistics then depend only on what was added,
            # never on when a rule happened to look, so replaying a decision sees the same figures.
            self._refresh(luv[0])

    def _add_stock(self, decl: Declaration, item: Item, keys: list[tuple[Party, str]]) -> None:
        """Imports add to a trader's stock of an HS6 subheading, exports and re-exports draw on it."""
        amount = stock_amount(item)
        if not amount:
            return
        hs6 = item.hs_code[:6]
        if decl.type is DeclarationType.import_:
            roles, sign = (PartyRole.consignee, PartyRole.declarant), 1
        elif decl.type in (DeclarationType.export, DeclarationType.re_export):
            roles, sign = (PartyRole.consignor, PartyRole.declarant), -1
        else:
            return
        for key in {k for p, k in keys if p.role in roles}:
            self._stock(key, hs6).append(StockEvent(decl.date, sign * amount, decl.id))

    def _stock(self, key: str, hs6: str) -> deque:
        return self.stock.setdefault((key, hs6), deque(maxlen=EVENTS_PER_STOCK))

    # -- questions the rules ask --------------------------------------------------------------
    def price_stats(self, key: tuple[str, str, str]) -> PriceStats | None:
        """Median and MAD of the recent log unit values. Recomputed once 2% of the window is new:
        one more price among hundreds does not move a median, and sorting on every add would."""
        return self._stats.get(key)

    def _refresh(self, key: tuple[str, str, str]) -> PriceStats:
        ordered = sorted(self.prices[key])
        med = _median(ordered)
        mad = _median(sorted(abs(v - med) for v in ordered))
        stats = self._stats[key] = PriceStats(med, mad, len(ordered))
        self._added[key] = 0
        return stats

    def related(self, party: Party) -> set[str]:
        """The party itself and parties sharing its address (red flag 5)."""
        keys = {party_key(party)}
        addr = address_key(party)
        if addr:
            keys |= self.by_address.get(addr, set())
        return keys

    def stock_events(self, key: str, hs6: str) -> list[StockEvent]:
        return list(self.stock.get((key, hs6), ()))

    def recent_consignments(self, consignor: str, consignee: str) -> list[Consignment]:
        return list(self.consignments.get((consignor, consignee), ()))


def _median(ordered: list[float]) -> float:
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0


def history_of(ctx) -> History | None:  # noqa: ANN001 - ScreeningContext, imported lazily to avoid a cycle
    history = ctx.extras.get("history")
    return history if isinstance(history, History) else None


def load_history(store, upto: int | None = None) -> History:  # noqa: ANN001 - kordon.record.store.Store
    """The history of every declaration version in a store (up to store key `upto`), oldest first."""
    history = History()
    history.upto = 0
    for pk, decl in store.iter_rows(upto=upto):
        history.add(decl, pk)
    return history


def attach(ctx, history: History) -> None:  # noqa: ANN001 - ScreeningContext
    """Make the red-flag rules use this history; add each declaration to it after recording it."""
    ctx.extras["history"] = history
