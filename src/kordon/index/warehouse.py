"""The virtual warehouse: balances and traces per taxpayer and imported lot, over every DT, ESF and SNT row.

A *lot* is one DT item (declaration number and item number): the goods whose country of origin that
item fixes. Goods enter a taxpayer's stock from a DT item (the Kazakh consignee or declarant) or an ESF
purchase, and leave it by ESF sales and SNTs; an ESF or SNT row names the lot it carries
(``productDeclaration`` / ``manufactureOrImportDocNumber``). Origin therefore follows the goods through
any number of sales inside Kazakhstan: from a taxpayer's purchase of a lot to its seller's purchase of
it, and so on back to the DT. Rows that name no lot are followed by product (the first six digits of
the TN VED code, the HS subheading) through the seller's purchases.

The view is columnar (numpy arrays with sorted keys), built once from one table of document rows
(``ROW_SCHEMA``) taken from the store or from Parquet/Arrow, so ten million ESF rows fit in memory and a
lookup is a binary search. It is read-only and holds no database handle: a Spark executor gets the same
object and runs the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from kordon.models.documents import DT, ESF, SNT

KINDS = ("dt", "esf", "snt")
DT_K, ESF_K, SNT_K = 0, 1, 2
EPOCH = dt.date(1970, 1, 1)
IMPORT_KINDS = ("dt", "snt_in")  # steps where goods enter Kazakhstan: a DT, or an SNT from another EAEU state

# Quantities are compared in one unit per dimension: EAEU unit codes (the OKEI numbers the forms use)
# and plain names map to a base unit and a factor.
UNITS: dict[str, tuple[str, float]] = {
    "796": ("pcs", 1.0), "pcs": ("pcs", 1.0), "pc": ("pcs", 1.0), "piece": ("pcs", 1.0), "шт": ("pcs", 1.0),
    "166": ("kg", 1.0), "kg": ("kg", 1.0), "кг": ("kg", 1.0),
    "168": ("kg", 1000.0), "t": ("kg", 1000.0), "tonne": ("kg", 1000.0), "т": ("kg", 1000.0),
    "163": ("kg", 0.001), "g": ("kg", 0.001), "г": ("kg", 0.001),
    "112": ("l", 1.0), "l": ("l", 1.0), "л": ("l", 1.0),
    "006": ("m", 1.0), "m": ("m", 1.0), "м": ("m", 1.0),
    "715": ("pair", 1.0), "pair": ("pair", 1.0), "пар": ("pair", 1.0),
}


@lru_cache(maxsize=4096)
def unit_factor(unit: str) -> tuple[str, float]:
    """The base unit of a unit as written, and the factor to it (a load meets the same few units on every row)."""
    key = unit.strip().lower().rstrip(".")
    return UNITS.get(key, (key, 1.0))


def base_unit(unit: str, quantity: float) -> tuple[str, float]:
    base, factor = unit_factor(unit)
    return base, quantity * factor


def item_ref(value: object) -> str | None:
    """An item number as text without leading zeros, so "01", "1" and 1 name the same item."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return str(int(text)) if text.isdigit() else text


_item_ref = lru_cache(maxsize=65_536)(item_ref)  # item numbers recur ("1", "2" ...) on millions of rows


def lot_key(document: str, item: object) -> str:
    return f"{document.strip()}\x1f{item_ref(item)}"


# -- rows --------------------------------------------------------------------------------------------

ROW_COLUMNS = ("kind", "number", "version", "section", "row_no", "date", "seller_tin", "seller_name", "buyer_tin",
               "buyer_name", "buyer_country", "code", "quantity", "unit", "origin", "ref_doc", "ref_item")


def row_schema() -> pa.Schema:
    """The one table of document rows the view is built from (the store's ``eaeu_rows``, or Parquet)."""
    import pyarrow as pa

    return pa.schema([
        ("kind", pa.string()), ("number", pa.string()), ("version", pa.int32()), ("section", pa.string()),
        ("row_no", pa.int32()), ("date", pa.date32()), ("seller_tin", pa.string()), ("seller_name", pa.string()),
        ("buyer_tin", pa.string()), ("buyer_name", pa.string()), ("buyer_country", pa.string()),
        ("code", pa.string()), ("quantity", pa.float64()), ("unit", pa.string()), ("origin", pa.string()),
        ("ref_doc", pa.string()), ("ref_item", pa.string()),
    ])


def _shares(parties: list[Any]) -> list[float]:
    """Each participant's share: `shareParticipation` (per cent) where every participant states one, else equal shares."""
    stated: list[Any] = [(p.model_extra or {}).get("shareParticipation") for p in parties]
    try:
        values = [float(x) for x in stated] if all(x is not None for x in stated) else []
    except (TypeError, ValueError):
        values = []
    total = sum(values)
    if values and total > 0 and all(v >= 0 for v in values):
        return [v / total for v in values]
    return [1.0 / len(parties)] * len(parties)


def participants(doc: ESF) -> list[tuple[Any, Any, float]]:
    """(seller, customer, share of the goods) for every seller and customer of an ESF: one pair, share 1, for an
    ordinary invoice; for joint activity the goods leave each seller and reach each customer in proportion to
    their shares, so that every participant's stock is kept, not only the first's."""
    if len(doc.sellers) == 1 and len(doc.customers) == 1:
        return [(doc.sellers[0], doc.customers[0], 1.0)]
    return [(s, c, ss * cs) for s, ss in zip(doc.sellers, _shares(doc.sellers)) for c, cs in zip(doc.customers, _shares(doc.customers))]


def rows_of(doc: DT | ESF | SNT, version: int = 1) -> list[dict[str, Any]]:
    """The warehouse rows of one document as dictionaries (see `row_tuples`)."""
    return [dict(zip(ROW_COLUMNS, t)) for t in row_tuples(doc, version)]


def row_tuples(doc: DT | ESF | SNT, version: int = 1, day: Any = None) -> list[tuple[Any, ...]]:
    """The warehouse rows of one document, in the order of ROW_COLUMNS: one per DT item, ESF product row or SNT
    product row. `day` replaces the date (the store writes it as text: converted once per document, not per row).

    Quantities are in the base unit (kg, pcs, l, m). An ESF with several sellers or customers (joint activity)
    gives one row per seller and customer, each with its share of the quantity (`participants`)."""
    out: list[tuple[Any, ...]] = []
    if doc.kind == "dt":
        receiver = doc.receiver
        consignor = doc.consignor.name if doc.consignor else None
        day = doc.date if day is None else day
        for item in doc.items:
            unit, factor = unit_factor(item.unit)
            out.append(("dt", doc.number, version, "", item.number, day, None, consignor, receiver.tin, receiver.name, "KZ",
                        item.codeTNVED, item.quantity * factor, unit, item.originCountry, None, None))
    elif doc.kind == "esf":
        pairs = participants(doc)
        day = doc.turnover if day is None else day
        for e in doc.products:
            unit, factor = unit_factor(e.unit)
            qty = e.quantity * factor
            ref = e.productDeclaration or None
            ref_item = _item_ref(e.productNumberInDeclaration) if ref else None
            for seller, buyer, share in pairs:
                out.append(("esf", doc.registrationNumber, version, "", e.rowNumber, day, seller.tin, seller.name, buyer.tin, buyer.name,
                            buyer.country_code or ("KZ" if buyer.tin else None), e.unitCode, qty * share, unit,
                            e.truOriginCode or None, ref, ref_item))
    else:
        inbound = doc.inbound
        day = doc.shipped if day is None else day
        s, c = doc.seller, doc.customer
        for section, p in doc.rows():
            unit, factor = unit_factor(p.unit)
            qty = p.quantity * factor
            if inbound:
                # Goods from another EAEU state enter the customer's stock with the SNT as their import
                # document (a lot of its own, like a DT item); their origin is not fixed by any DT.
                out.append(("snt", doc.registrationNumber, version, "inbound", p.rowNumber, day, None, s.name, c.tin, c.name, "KZ",
                            p.codeTNVED, qty, unit, None, None, None))
                continue
            ref = p.manufactureOrImportDocNumber or None
            out.append(("snt", doc.registrationNumber, version, section, p.rowNumber, day, s.tin, s.name, c.tin, c.name,
                        doc.shippingInfo.destinationCountry, p.codeTNVED, qty, unit, p.truOriginCode or None, ref,
                        _item_ref(p.productNumberInImportDoc) if ref else None))
    return out


def rows_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=row_schema())


# -- what lookups return -------------------------------------------------------------------------------

@dataclass
class DTItemRecord:
    """An import document's item: a DT item, or a row of an SNT that brought goods in from the EAEU (kind "snt_in")."""

    kind: str
    number: str
    item: int
    date: dt.date
    code: str
    origin: str
    quantity: float
    unit: str
    receiver_tin: str | None
    receiver_name: str | None
    consignor_name: str | None


@dataclass
class Step:
    """One movement on the way back from a shipment to an import: a DT item (the import) or an ESF row (a sale)."""

    kind: str  # "dt" | "snt_in" (an import) | "esf" (a sale inside Kazakhstan)
    document: str
    row: int
    date: dt.date
    seller_tin: str | None
    seller_name: str | None
    buyer_tin: str | None
    buyer_name: str | None
    code: str
    quantity: float
    unit: str
    origin: str | None  # DT: country of origin; ESF: the seller's origin sign (truOriginCode)
    lot: str | None  # "DT number / item" the row names, if any
    children: list[Step] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("kind", "document", "row", "seller_tin", "seller_name", "buyer_tin", "buyer_name",
                                               "code", "quantity", "unit", "origin", "lot")}
        out["date"] = self.date.isoformat()
        if self.kind in IMPORT_KINDS:
            out["origin_country"] = out.pop("origin")
        else:
            out["origin_sign"] = out.pop("origin")
        out["from"] = [c.as_dict() for c in self.children]
        return out

    def walk(self, path: tuple[Step, ...] = ()) -> Iterator[tuple[Step, tuple[Step, ...]]]:
        """Every step below and including this one, with the steps above it (nearest first)."""
        yield self, path
        for child in self.children:
            yield from child.walk((self, *path))

    def imports(self) -> Iterator[tuple[Step, list[Step]]]:
        """Each DT step reached, with the path of sales from the shipment down to it."""
        for step, above in self.walk():
            if step.kind in IMPORT_KINDS:
                yield step, [*reversed(above), step]


# -- the view ----------------------------------------------------------------------------------------

def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def _id_dtype(size: int) -> Any:
    """The smallest signed integer type that holds ids below `size` and -1 (codes, units, origins: a few thousand)."""
    import numpy as np

    return np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32


def _encode(col: Any, as_list: bool = True, small: bool = False) -> tuple[np.ndarray, Any]:
    """Ids (-1 for null) and the dictionary of a column, one dictionary for every chunk (the hash kernel keeps its
    memo across chunks). `small`: ids in the smallest integer type the dictionary allows, else int32."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(col)
    chunks = enc.chunks if isinstance(enc, pa.ChunkedArray) else [enc]
    dictionary = chunks[0].dictionary if chunks else pa.array([], pa.string())
    dtype = _id_dtype(len(dictionary)) if small else np.int32
    ids = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype) for c in chunks]) \
        if chunks else np.zeros(0, dtype=dtype)
    return ids, (dictionary.to_pylist() if as_list else dictionary)


def _lot_ids(is_import: Any, number: Any, row_no: Any, ref_doc: Any, ref_item: Any) -> tuple[np.ndarray, Any]:
    """Each row's lot, "document\x1fitem": the row's own number and row for an import, else the DT item it names."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def keys(lo: int, hi: int) -> Any:
        imp, k = is_import.slice(lo, hi - lo), hi - lo
        return pc.binary_join_element_wise(pc.if_else(imp, number.slice(lo, k), ref_doc.slice(lo, k)),
                                           pc.if_else(imp, pc.cast(row_no.slice(lo, k), pa.string()), ref_item.slice(lo, k).fill_null("")),
                                           "\x1f")

    return _encode_sliced(keys, len(number))


def _encode_sliced(make: Any, n: int, step: int = 1 << 20) -> tuple[np.ndarray, Any]:
    """`_encode` of a computed column made a slice at a time (`make(lo, hi)`), so that only one slice of it exists:
    each slice is encoded alone and the dictionaries unified after. Ids are the same as encoding the whole column
    (first appearance order), since unifying adds each slice's new values in their order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [pc.dictionary_encode(make(lo, min(n, lo + step))) for lo in range(0, n, step)]
    chunks = [c for p in parts for c in (p.chunks if isinstance(p, pa.ChunkedArray) else [p])]
    if not chunks:
        return np.zeros(0, dtype=np.int32), pa.array([], pa.string())
    unified = pa.chunked_array(chunks).unify_dictionaries()
    ids = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32) for c in unified.chunks])
    return ids, unified.chunks[0].dictionary


class WarehouseView:
    """Read-only, columnar view of every current document row, with the lookups verification needs."""

    max_depth = 60  # a chain deeper than this is cut (and says so): loops of sales cannot run forever
    max_steps = 400

    def __init__(self, table: pa.Table):
        # Column by column, without combining the table's chunks: the input (10 M rows: 1.5 GB) is not copied whole.
        t = table.select(list(ROW_COLUMNS)) if table.num_rows else row_schema().empty_table()
        self._build(lambda *names: [t[c] for c in names])

    def _build(self, columns: Any) -> None:
        """Build from `columns(*names)`, which returns those columns (ChunkedArrays in ``ROW_SCHEMA`` types). Each
        step asks only for what it needs and lets go of it, so a caller reading Parquet never holds the whole table."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        def numpy(col: Any, dtype: Any, fill: Any) -> np.ndarray:
            return col.fill_null(fill).to_numpy().astype(dtype, copy=False)

        (kind,) = columns("kind")
        n = self.rows = len(kind)
        self.kind = numpy(pc.index_in(kind, value_set=pa.array(KINDS)), np.int8, -1)
        del kind
        date, qty, row_no, section = columns("date", "quantity", "row_no", "section")
        self.date = numpy(date.cast(pa.int32()), np.int32, 0)
        self.qty = numpy(qty, np.float64, 0.0)
        self.row_no = numpy(row_no, np.int32, 0)
        # Import documents open a lot of their own: DT items, and SNTs bringing goods in from the EAEU.
        self.inbound: np.ndarray = numpy(pc.equal(section, "inbound"), np.bool_, False)
        del date, qty, row_no, section

        seller_tin, buyer_tin = columns("seller_tin", "buyer_tin")
        ids, self.tins = _encode(pa.chunked_array(seller_tin.chunks + buyer_tin.chunks, pa.string()))
        del seller_tin, buyer_tin
        self.seller, self.buyer = ids[:n], ids[n:]
        del ids
        self.tin_id = {tin: i for i, tin in enumerate(self.tins)}
        dt_rows = np.nonzero((self.kind == DT_K) | self.inbound)[0]
        self.names: list[str | None] = [None] * len(self.tins)
        for col, who in (("buyer_name", self.buyer), ("seller_name", self.seller)):
            (names,) = columns(col)
            known = np.nonzero(who >= 0)[0]
            if len(known):
                parties, first = np.unique(who[known], return_index=True)
                for pid, name in zip(parties.tolist(), names.take(pa.array(known[first])).to_pylist()):
                    if name and self.names[pid] is None:
                        self.names[pid] = name
            if col == "seller_name":
                # A DT's foreign consignor is kept in the seller name column; only import rows need it.
                consignors = names.take(pa.array(dt_rows)).combine_chunks() if len(dt_rows) else pa.array([], pa.string())
            del names, known
        # First day each taxpayer appears in any document: a short history is one sign of a one-day firm.
        self.first_seen = np.full(len(self.tins), np.iinfo(np.int32).max, dtype=np.int32)
        for who in (self.seller, self.buyer):
            present = who >= 0
            np.minimum.at(self.first_seen, who[present], self.date[present])
        del present

        # A lot is "document\x1fitem": the row's own number and row for an import, else the DT it names.
        number, ref_doc, ref_item, row_no = columns("number", "ref_doc", "ref_item", "row_no")
        self.lot_of, lots = _lot_ids(pa.array((self.kind == DT_K) | self.inbound), number, row_no, ref_doc, ref_item)
        del ref_doc, ref_item, row_no
        self.lots = lots
        self.lot_id = {k: i for i, k in enumerate(lots.to_pylist())}
        # Millions of document numbers stay an Arrow array (a Python string each would cost ten times the memory).
        self.doc, docs = _encode(number, as_list=False)
        del number
        self.docs = docs
        self._doc_order: np.ndarray | None = None  # sorted once, when an SNT names a document that is not a DT
        (code,) = columns("code")
        self.code6, self.codes6 = _encode(pc.utf8_slice_codeunits(code, 0, 6), small=True)
        self.code6_id = {c: i for i, c in enumerate(self.codes6)}
        self.code_of, self.codes = _encode(code, small=True)
        del code
        (unit,) = columns("unit")
        self.unit_of, self.units = _encode(unit, small=True)
        (origin,) = columns("origin")
        self.origin, self.origins = _encode(origin, small=True)
        del unit, origin

        # The DT row of each lot (the import), and the set of DT numbers.
        self.dt_row = np.full(len(lots), -1, dtype=np.int32)
        opens = self.lot_of[dt_rows] >= 0  # an import row without a number opens no lot
        if not opens.all():
            dt_rows, consignors = dt_rows[opens], consignors.filter(pa.array(opens))
        self.dt_row[self.lot_of[dt_rows]] = dt_rows
        # Consignors by lot, for the import row that `dt_row` names (a position per row would cost four bytes a row);
        # another import row of the same lot (a duplicate item) finds its own by binary search over the import rows.
        self._import_rows = dt_rows.astype(np.int32)
        self._consignors = consignors
        self._consignor_pos = np.full(len(lots), -1, dtype=np.int32)
        self._consignor_pos[self.lot_of[dt_rows]] = np.arange(len(dt_rows), dtype=np.int32)
        self.dt_numbers = set(docs.take(pa.array(np.unique(self.doc[dt_rows]))).to_pylist())
        self.earliest = int(self.date.min()) if n else 0  # the first day the records cover

        mover_in = (self.buyer >= 0) & ((self.kind == DT_K) | (self.kind == ESF_K) | self.inbound)
        mover_out = (self.seller >= 0) & ((self.kind == ESF_K) | ((self.kind == SNT_K) & ~self.inbound))
        has_lot: np.ndarray = self.lot_of >= 0
        self._lot_in = self._index(self.buyer, self.lot_of, mover_in & has_lot)
        self._lot_out = self._index(self.seller, self.lot_of, mover_out & has_lot)
        self._code_in = self._index(self.buyer, self.code6, mover_in)
        self._doc_index: tuple[np.ndarray, np.ndarray] | None = None  # built when an SNT names an ESF

    def _index(self, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows under `mask` sorted by (a, b, date, kind): sorted int64 keys and the row numbers."""
        import numpy as np

        rows = np.nonzero(mask)[0]
        keys = (a[rows].astype(np.int64) << 32) | b[rows].astype(np.int64)
        order = np.lexsort((self.kind[rows], self.date[rows], keys))
        return keys[order], rows[order].astype(np.int32)

    @staticmethod
    def _range(index: tuple[np.ndarray, np.ndarray], a: int, b: int) -> np.ndarray:
        # The array's own method, not np.searchsorted: this runs about twenty times an SNT, and numpy's
        # dispatch wrapper cost more than the search itself.
        keys, rows = index
        key = (a << 32) | b
        return rows[keys.searchsorted(key, "left"):keys.searchsorted(key, "right")]

    # -- builders -------------------------------------------------------------------------------------
    @classmethod
    def from_documents(cls, docs: Iterable[DT | ESF | SNT]) -> WarehouseView:
        """The view of documents in memory; as in the store, an ESF that a corrected invoice replaces does not count."""
        docs = list(docs)
        replaced = {d.corrects for d in docs if d.kind == "esf" and d.corrects}
        rows: list[dict[str, Any]] = []
        for d in docs:
            if not (d.kind == "esf" and d.registrationNumber in replaced):
                rows.extend(rows_of(d))
        return cls(rows_table(rows))

    @classmethod
    def from_parquet(cls, *paths: str) -> WarehouseView:
        """Build from Parquet files (or folders) of rows in ``ROW_SCHEMA`` — e.g. one each for DT, ESF and SNT.

        Columns are read as the build needs them and dropped after, never the whole table at once: ten million rows
        as Arrow strings take 1.5 GB, more than the view itself."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = row_schema()

        def columns(*names: str) -> list[Any]:
            tables = [pq.read_table(p, columns=list(names)) for p in paths]
            return [pa.chunked_array([c for t in tables for c in t[name].cast(schema.field(name).type).chunks],
                                     schema.field(name).type) for name in names]

        view = cls.__new__(cls)
        view._build(columns)
        return view

    # -- lookups --------------------------------------------------------------------------------------
    def party(self, tin: str | None) -> int:
        return -1 if tin is None else self.tin_id.get(tin, -1)

    def name(self, pid: int) -> str | None:
        return self.names[pid] if pid >= 0 else None

    def tin(self, pid: int) -> str | None:
        return self.tins[pid] if pid >= 0 else None

    def lot(self, document: str, item: object) -> int:
        return self.lot_id.get(lot_key(document, item), -1)

    def lot_label(self, lot: int) -> str | None:
        if lot < 0:
            return None
        doc, _, item = self.lots[lot].as_py().partition("\x1f")
        return f"{doc} / {item}"

    def has_dt(self, number: str) -> bool:
        return number.strip() in self.dt_numbers

    def dt_item(self, number: str, item: object) -> DTItemRecord | None:
        lot = self.lot(number, item)
        if lot < 0 or self.dt_row[lot] < 0:
            return None
        r = int(self.dt_row[lot])
        buyer = int(self.buyer[r])
        return DTItemRecord(kind="snt_in" if self.inbound[r] else "dt", number=number.strip(), item=int(self.row_no[r]),
                            date=_date(self.date[r]), code=self.codes[self.code_of[r]],
                            origin=self.origins[self.origin[r]] if self.origin[r] >= 0 else "", quantity=float(self.qty[r]),
                            unit=self.units[self.unit_of[r]], receiver_tin=self.tin(buyer), receiver_name=self.name(buyer),
                            consignor_name=self.consignor(r))

    def document_rows(self, number: str) -> list[int]:
        """Row numbers of a document (any kind) by its number."""
        doc = self._find_document(number.strip())
        if doc < 0:
            return []
        if self._doc_index is None:
            import numpy as np

            self._doc_index = self._index(self.doc, np.zeros(self.rows, dtype=np.int32), self.doc >= 0)
        return [int(r) for r in self._range(self._doc_index, doc, 0)]

    def _find_document(self, number: str) -> int:
        """The id of a document number, by binary search over the numbers sorted once (a dictionary of millions
        of numbers would cost half a gigabyte; the sort order costs four bytes a document)."""
        import pyarrow.compute as pc

        if self._doc_order is None:
            self._doc_order = pc.sort_indices(self.docs).to_numpy().astype("int32")
        order, docs = self._doc_order, self.docs
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            if docs[int(order[mid])].as_py() < number:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(order) and docs[int(order[lo])].as_py() == number:
            return int(order[lo])
        return -1

    def consignor(self, r: int) -> str | None:
        lot = int(self.lot_of[r])
        pos = int(self._consignor_pos[lot]) if lot >= 0 else -1
        if pos < 0 or self._import_rows[pos] != r:
            import numpy as np

            pos = int(np.searchsorted(self._import_rows, r))
            if pos >= len(self._import_rows) or self._import_rows[pos] != r:
                return None
        return self._consignors[pos].as_py()

    def document(self, r: int) -> str:
        return self.docs[int(self.doc[r])].as_py()

    def row(self, r: int) -> dict[str, Any]:
        return {"kind": KINDS[self.kind[r]], "number": self.document(r), "row": int(self.row_no[r]), "date": _date(self.date[r]),
                "seller_tin": self.tin(int(self.seller[r])), "buyer_tin": self.tin(int(self.buyer[r])), "code": self.codes[self.code_of[r]],
                "quantity": float(self.qty[r]), "unit": self.units[self.unit_of[r]],
                "origin": self.origins[self.origin[r]] if self.origin[r] >= 0 else None, "lot": self.lot_label(int(self.lot_of[r]))}

    def balance(self, tin: str, lot: int, on: dt.date, before_snt: str | None = None) -> tuple[float, float, float]:
        """(in, out, balance) of a taxpayer's stock of a lot on a day, before a given SNT of that day.

        In counts every DT arrival and ESF purchase up to and including the day; out counts ESF sales up
        to and including the day and SNTs before it (on the same day, SNTs with a smaller registration number)."""
        pid = self.party(tin)
        if pid < 0 or lot < 0:
            return 0.0, 0.0, 0.0
        day = _days(on)
        ins = self._range(self._lot_in, pid, lot)
        total_in = float(self.qty[ins[self.date[ins] <= day]].sum()) if len(ins) else 0.0
        outs = self._range(self._lot_out, pid, lot)
        total_out = 0.0
        for r in outs.tolist():
            d = int(self.date[r])
            if d > day:
                break
            if self.kind[r] == SNT_K:
                number = self.document(r)
                if number == before_snt or (d == day and before_snt is not None and number > before_snt):
                    continue
            total_out += float(self.qty[r])
        return total_in, total_out, total_in - total_out

    def totals(self, pid: int, lot: int) -> tuple[float, float]:
        """All-time (in, out) of a taxpayer's stock of a lot."""
        ins = self._range(self._lot_in, pid, lot)
        outs = self._range(self._lot_out, pid, lot)
        return float(self.qty[ins].sum()), float(self.qty[outs].sum())

    # -- tracing --------------------------------------------------------------------------------------
    def _step(self, r: int) -> Step:
        kind = "snt_in" if self.inbound[r] else KINDS[self.kind[r]]
        seller, buyer = int(self.seller[r]), int(self.buyer[r])
        return Step(kind=kind, document=self.document(r), row=int(self.row_no[r]), date=_date(self.date[r]),
                    seller_tin=self.tin(seller), seller_name=self.name(seller) if seller >= 0 else self.consignor(r),
                    buyer_tin=self.tin(buyer), buyer_name=self.name(buyer), code=self.codes[self.code_of[r]], quantity=float(self.qty[r]),
                    unit=self.units[self.unit_of[r]], origin=self.origins[self.origin[r]] if self.origin[r] >= 0 else None,
                    lot=self.lot_label(int(self.lot_of[r])))

    def trace_lot(self, tin: str, lot: int, on: dt.date) -> tuple[list[Step], bool]:
        """How a taxpayer's stock of a lot got there by a day: each DT arrival and ESF purchase, each
        purchase followed back through its seller's purchases to the DT. Returns (steps, cut short)."""
        budget = [self.max_steps]
        steps = self._lot_sources(self.party(tin), lot, _days(on), 0, budget, frozenset())
        return steps, budget[0] <= 0

    def _lot_sources(self, pid: int, lot: int, day: int, depth: int, budget: list[int], seen: frozenset[int]) -> list[Step]:
        if pid < 0 or lot < 0 or depth >= self.max_depth or pid in seen:
            return []
        out = []
        rows = self._range(self._lot_in, pid, lot)
        for r in rows[self.date[rows] <= day].tolist():
            if budget[0] <= 0:
                break
            if self.qty[r] <= 0:
                continue  # a reduction (additional invoice) counts in the balance but brought nothing in
            budget[0] -= 1
            step = self._step(r)
            if self.kind[r] == ESF_K:
                step.children = self._lot_sources(int(self.seller[r]), lot, int(self.date[r]), depth + 1, budget, seen | {pid})
            out.append(step)
        return out

    def trace_product(self, tin: str, code: str, on: dt.date) -> tuple[list[Step], bool]:
        """How a taxpayer came to hold goods of an HS subheading by a day, when no DT is named: each
        purchase of the subheading, followed by lot where the row names one, else by product."""
        budget = [self.max_steps]
        steps = self._code_sources(self.party(tin), self.code6_id.get(code[:6], -1), _days(on), 0, budget, frozenset())
        return steps, budget[0] <= 0

    def _code_sources(self, pid: int, code6: int, day: int, depth: int, budget: list[int], seen: frozenset[int]) -> list[Step]:
        if pid < 0 or code6 < 0 or depth >= self.max_depth or pid in seen:
            return []
        out = []
        rows = self._range(self._code_in, pid, code6)
        for r in rows[self.date[rows] <= day].tolist():
            if budget[0] <= 0:
                break
            if self.qty[r] <= 0:
                continue
            budget[0] -= 1
            step = self._step(r)
            if self.kind[r] == ESF_K:
                seller, lot, when = int(self.seller[r]), int(self.lot_of[r]), int(self.date[r])
                if lot >= 0:
                    if self.dt_row[lot] >= 0 and self.buyer[self.dt_row[lot]] == seller:
                        step.children = [self._step(int(self.dt_row[lot]))]
                    else:
                        step.children = self._lot_sources(seller, lot, when, depth + 1, budget, seen | {pid})
                    if not step.children and self.dt_row[lot] >= 0:
                        # The seller's own purchase is not on record, but the row names the DT: the origin is known.
                        step.children = [self._step(int(self.dt_row[lot]))]
                else:
                    step.children = self._code_sources(seller, code6, when, depth + 1, budget, seen | {pid})
            out.append(step)
        return out
