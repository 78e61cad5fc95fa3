"""A synthetic stream of Kazakh customs declarations with labelled circumvention scenarios.

Normal trade is shaped on real statistics shipped in kordon/synth/data: partner countries in
proportion to Kazakhstan's 2023 exports and imports by country (BNS), goods headings in proportion
to their frequency among 9,999 real declaration lines (tnved_labelled), descriptions taken from the
official TN VED heading texts. Traders keep a line of business (2-3 chapters) and a price level.
Into this stream each scenario of issue 6 is injected at a small rate and labelled.

Everything is drawn from one ``random.Random(seed)``: the same arguments give the same stream.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from kordon.index.identifiers import kz_check_digit
from kordon.index.nomenclature import heading_names
from kordon.models import Declaration

SCENARIOS = (
    "lexicon",          # drones / armour / thermal imagers under a harmless code
    "misfit",           # chip description under a furniture heading
    "vague",            # "запчасти" for CHPL items
    "overprice",        # CHPL item at 10x the usual unit value
    "new_shell",        # a firm never seen before ships CHPL items
    "intermediary",     # a logistics firm as final consignee
    "third_payer",      # paid from a third country
    "outside_line",     # an established furniture trader ships chips
    "amended",          # the same declaration re-lodged with destination RU
    "false_transit",    # declared for Mongolia, routed through Russia
    "reexport",         # chips imported from Germany, exported to Russia by a sister firm
    "structuring",      # four consignments under the threshold in two weeks
)
# CHPL headings the scenarios move (tier 1 ICs, tier 2 radio/navigation, capacitors), with prices in USD/kg.
CONTROLLED = [("8542", "8542319090", "Схемы электронные интегральные: процессоры", 900.0),
              ("8526", "8526912000", "Аппаратура радионавигационная", 300.0),
              ("8532", "8532240000", "Конденсаторы керамические многослойные", 150.0)]
COVER = [("Квадрокоптер сельскохозяйственный DJI Agras T30", "9503009909"),
         ("Бронеплиты керамические 5 класса защиты", "6914900000"),
         ("Тепловизор Pulsar для охоты", "9005800000"),
         ("Тактические рюкзаки и военные шлемы", "4202929800")]


@dataclass(frozen=True)
class Generated:
    declaration: Declaration
    label: str | None  # scenario name for injected violations, None for normal trade


@dataclass
class _Trader:
    name: str
    country: str
    bin: str | None
    chapters: list[str]
    address: str


def _data(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((resources.files("kordon") / "synth" / "data" / name).read_text(encoding="utf-8"))))


@lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    partners = [r for r in _data("kz_partners_2023.csv") if r["iso2"] not in ("KZ",)]
    headings = (resources.files("kordon") / "data" / "tnved" / "headings_ru.csv").read_text(encoding="utf-8")
    codes = {r["heading"]: r["code"] for r in csv.DictReader(io.StringIO(headings))}
    heads = [(r["heading"], int(r["lines"])) for r in _data("heading_weights.csv") if r["heading"] in codes]
    names = heading_names()
    return {
        "exp": ([p["iso2"] for p in partners], [float(p["export_kusd"]) for p in partners]),
        "imp": ([p["iso2"] for p in partners], [float(p["import_kusd"]) for p in partners]),
        "heads": heads,
        "codes": codes,
        "names": {h: names[h].rstrip(":").split(";")[0][:120] for h, _ in heads},
    }


def _bin(rng: random.Random, year: int, month: int) -> str:
    """A Kazakh BIN with a valid check digit (registration year and month, entity type, serial)."""
    while True:
        body = f"{year % 100:02d}{month:02d}40" + "".join(str(rng.randrange(10)) for _ in range(5))
        check = kz_check_digit(body)
        if check is not None:
            return body + str(check)


def _price(heading: str) -> float:
    """A stable USD/kg price level per heading (log-uniform 0.5 to 400)."""
    h = int.from_bytes(heading.encode(), "big") % 10_007 / 10_007
    return math.exp(math.log(0.5) + h * (math.log(400) - math.log(0.5)))


class _Stream:
    def __init__(self, seed: int, start: dt.date, days: int):
        self.rng = random.Random(seed)
        self.t = _tables()
        self.start, self.days = start, days
        self.per_day = 1.0  # declarations a day; set by generate()
        heads, weights = zip(*self.t["heads"])
        self.heads, self.weights = list(heads), list(weights)
        self.exp_cum = list(itertools.accumulate(self.t["exp"][1]))
        self.imp_cum = list(itertools.accumulate(self.t["imp"][1]))
        self.by_chapter: dict[str, tuple[list[str], list[float]]] = {}
        for h, w in self.t["heads"]:
            hs, ws = self.by_chapter.setdefault(h[:2], ([], []))
            hs.append(h)
            ws.append(w)
        rng = self.rng
        self.kz = []
        for i in range(2000):
            chapters = sorted({h[:2] for h in rng.choices(self.heads, self.weights, k=rng.choice((2, 3)))})
            self.kz.append(_Trader(f"ТОО «Степь-{i:04d}»", "KZ", _bin(rng, rng.randrange(2005, 2020), rng.randrange(1, 13)), chapters,
                                   f"г. Алматы, ул. Абая {i + 1}, офис {rng.randrange(1, 300)}"))
        self.foreign: dict[str, list[_Trader]] = {}
        self.n = 0

    def foreign_party(self, country: str) -> _Trader:
        pool = self.foreign.setdefault(country, [])
        if len(pool) < 60 or self.rng.random() < 0.02:
            pool.append(_Trader(f"{country} Partner {len(pool):03d} Ltd", country, None, [], f"{country} city street {len(pool)}"))
        return self.rng.choice(pool)

    def date(self) -> dt.date:
        return self.start + dt.timedelta(days=min(self.days - 1, int(self.n / self.per_day)))

    def item(self, heading: str, *, description: str | None = None, code: str | None = None, price_factor: float = 1.0, mass: float | None = None) -> dict:
        rng = self.rng
        mass = mass or round(math.exp(rng.uniform(math.log(5), math.log(20000))), 1)
        price = _price(heading) * price_factor * math.exp(rng.gauss(0, 0.3))
        return {"hs_code": code or self.t["codes"][heading], "description": description or self.t["names"][heading],
                "quantity": max(1, int(mass / 2)), "unit": "pcs", "net_mass_kg": mass, "value": round(mass * price, 2), "currency": "USD"}

    def normal(self, date: dt.date) -> dict:
        rng = self.rng
        trader = rng.choice(self.kz)
        kind = rng.choices(("export", "import", "transit"), (0.48, 0.40, 0.12))[0]
        heads = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            hs, ws = self.by_chapter[rng.choice(trader.chapters)]
            heads.append(rng.choices(hs, ws)[0])
        items = [self.item(h) for h in heads]
        kz = {"role": "consignor" if kind == "export" else "consignee", "name": trader.name, "country": "KZ",
              "identifiers": {"bin": trader.bin}, "address": trader.address}
        if kind == "export":
            country = rng.choices(self.t["exp"][0], cum_weights=self.exp_cum)[0]
            other = self.foreign_party(country)
            parties = [kz, {"role": "consignee", "name": other.name, "country": country, "address": other.address}]
            route = {"dispatch": "KZ", "destination": country}
        elif kind == "import":
            country = rng.choices(self.t["imp"][0], cum_weights=self.imp_cum)[0]
            other = self.foreign_party(country)
            parties = [{"role": "consignor", "name": other.name, "country": country, "address": other.address}, kz]
            route = {"dispatch": country, "destination": "KZ"}
        else:
            a, b = rng.choice((("CN", "UZ"), ("CN", "KG"), ("RU", "UZ"), ("CN", "TM"), ("RU", "KG"), ("TR", "MN"), ("CN", "AZ")))
            s, r = self.foreign_party(a), self.foreign_party(b)
            parties = [{"role": "consignor", "name": s.name, "country": a}, {"role": "consignee", "name": r.name, "country": b}]
            route = {"dispatch": a, "transit": ["KZ"], "destination": b}
            for it in items:
                it["origin"] = a
        return {"type": kind, "date": date.isoformat(), "route": route, "parties": parties, "items": items,
                "customs_office": rng.choice(("50501", "55201", "62001", "59501"))}

    def chip(self, **kw: Any) -> dict:
        heading, code, desc, price = self.rng.choice(CONTROLLED)
        it = self.item(heading, description=desc, code=code, mass=round(self.rng.uniform(2, 60), 1), **kw)
        it["value"] = round(it["net_mass_kg"] * price * kw.get("price_factor", 1.0) * math.exp(self.rng.gauss(0, 0.3)), 2)
        it["origin"] = self.rng.choice(("DE", "US", "JP", "NL", "TW"))
        return it

    def scenario(self, name: str, date: dt.date, did: str) -> list[dict]:
        """One or more records (the last one carries the violation) for a scenario."""
        rng = self.rng
        base = self.normal(date)
        base.update(type="export")
        trader = rng.choice(self.kz)
        kz: dict[str, Any] = {"role": "consignor", "name": trader.name, "country": "KZ", "identifiers": {"bin": trader.bin}, "address": trader.address}
        dest = rng.choice(("KG", "AM", "UZ", "MN"))
        buyer = self.foreign_party(dest)
        base["parties"] = [kz, {"role": "consignee", "name": buyer.name, "country": dest}]
        base["route"] = {"dispatch": "KZ", "destination": dest}
        base["items"] = [self.chip()]
        make = {
            "lexicon": self._lexicon, "misfit": self._misfit, "vague": self._vague, "overprice": self._overprice,
            "new_shell": self._new_shell, "intermediary": self._intermediary, "third_payer": self._third_payer,
            "outside_line": self._outside_line, "amended": self._amended, "false_transit": self._false_transit,
            "reexport": self._reexport, "structuring": self._structuring,
        }.get(name)
        return make(base, kz, dest, date, did) if make else [base]

    # Each scenario turns the ordinary export `base` (consignor `kz`, bound for `dest`) into its violation;
    # the random draws stay in the same order, so a seed gives the same stream.
    def _lexicon(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        desc, code = self.rng.choice(COVER)
        base["items"] = [self.item(code[:4], description=desc, code=code)]
        base["route"]["destination"] = base["parties"][1]["country"] = "RU"
        return [base]

    def _misfit(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        base["items"] = [self.item("9403", description="Микросхемы интегральные электронные, процессоры и контроллеры", code=self.t["codes"]["9403"])]
        return [base]

    def _vague(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        base["items"][0]["description"] = self.rng.choice(("Запчасти", "Оборудование", "Комплектующие, новые", "Spare parts"))
        return [base]

    def _overprice(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        base["items"] = [self.chip(price_factor=12.0)]
        return [base]

    def _new_shell(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        kz.update(name=f"ТОО «Нова Трейд-{self.n}»", identifiers={"bin": _bin(self.rng, date.year, max(1, date.month - 1))},
                  address=f"г. Астана, пр. Мангилик Ел {self.n}")
        return [base]

    def _intermediary(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        base["parties"][1]["name"] = f"{dest} Global Logistics {self.n % 97} LLC"
        return [base]

    def _third_payer(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        base["payment"] = {"payer_country": self.rng.choice(("AE", "HK", "SC", "TR"))}
        return [base]

    def _outside_line(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        furniture = self.rng.choice([t for t in self.kz if "85" not in t.chapters and "84" not in t.chapters])
        base["parties"][0].update(name=furniture.name, identifiers={"bin": furniture.bin}, address=furniture.address)
        base["parties"][1]["role"] = "consignee"
        base["type"] = "import"
        base["route"] = {"dispatch": "CN", "destination": "KZ"}
        seller = self.foreign_party("CN")
        base["parties"] = [{"role": "consignor", "name": seller.name, "country": "CN"},
                           {"role": "consignee", "name": furniture.name, "country": "KZ", "identifiers": {"bin": furniture.bin},
                            "address": furniture.address}]
        return [base]

    def _amended(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        first = {**base, "id": did, "parties": [dict(p) for p in base["parties"]], "route": dict(base["route"])}
        base["route"]["destination"] = base["parties"][1]["country"] = "RU"
        base["parties"][1]["name"] = "ООО «Восток»"
        return [first, base]

    def _false_transit(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        base["route"] = {"dispatch": "KZ", "transit": ["RU"], "destination": "MN"}
        base["parties"][1]["country"] = "MN"
        return [base]

    def _reexport(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        sister = dict(kz, name=kz["name"].replace("Степь", "Степь Экспорт"), identifiers={})
        chip = self.chip()
        imp = {"id": f"{did}-IMP", "type": "import", "date": (date - dt.timedelta(days=self.rng.randrange(10, 90))).isoformat(),
               "route": {"dispatch": "DE", "destination": "KZ"},
               "parties": [{"role": "consignor", "name": "Elektronik Vertrieb GmbH", "country": "DE"}, dict(kz, role="consignee")],
               "items": [dict(chip, net_mass_kg=chip["net_mass_kg"] * 2)]}
        base["parties"] = [sister, {"role": "consignee", "name": "ООО «Сибирь Комплект»", "country": "RU"}]
        base["route"] = {"dispatch": "KZ", "destination": "RU"}
        base["items"] = [chip]
        return [imp, base]

    def _structuring(self, base: dict, kz: dict, dest: str, date: dt.date, did: str) -> list[dict]:
        out = []
        for k in range(4):
            part = {**base, "id": f"{did}-{k}", "date": (date - dt.timedelta(days=3 * (3 - k))).isoformat(),
                    "items": [self.item("8471", description="Машины вычислительные портативные, ноутбуки", code=self.t["codes"]["8471"], mass=3.0)]}
            part["items"][0]["value"] = round(self.rng.uniform(6000, 9500), 2)
            out.append(part)
        return out


def generate(n: int, *, seed: int = 1, start: dt.date = dt.date(2025, 1, 1), days: int = 365,
             scenario_rate: float = 0.02) -> Iterator[Generated]:
    """About n declarations, in date order within each day; a share scenario_rate are scenario records."""
    s = _Stream(seed, start, days)
    s.per_day = max(1.0, n / days)
    while s.n < n:
        date = s.date()
        did = f"SYN-{seed}-{s.n:08d}"
        if s.rng.random() < scenario_rate:
            name = SCENARIOS[s.rng.randrange(len(SCENARIOS))]
            records = s.scenario(name, date, did)
            for k, rec in enumerate(records):
                rec.setdefault("id", did)
                last = k == len(records) - 1
                s.n += 1
                yield _make(rec, name if last else None)
        else:
            rec = s.normal(date)
            rec["id"] = did
            s.n += 1
            yield _make(rec, None)


def _make(rec: dict, label: str | None) -> Generated:
    return Generated(Declaration.model_validate(rec), label)
