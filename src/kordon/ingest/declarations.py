"""Read declarations from JSON, JSONL and CSV files, one record at a time, losing nothing.

Every record comes back either as a validated Declaration with the line it started on, or as
RecordErrors saying which file, line or row, field and why. A bad record never stops the rest.

CSV layout: one row per goods item; declaration fields repeated on every row of the same `id`;
nested fields as dotted columns (`route.destination`, `parties.0.name`,
`parties.0.identifiers.bin`, `payment.payer_country`); item fields as plain columns
(`hs_code`, `description`, ...) or prefixed `item.`; lists such as `route.transit` separated by `;`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from kordon.ingest.errors import ReadCounts, RecordError
from kordon.models import Declaration, Item

ITEM_FIELDS = set(Item.model_fields)
LIST_FIELDS = {"route.transit"}
FORMATS = ("json", "jsonl", "csv")


@dataclass
class ReadResult:
    line: int | None
    declaration: Declaration | None = None
    errors: list[RecordError] = field(default_factory=list)
    raw: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.declaration is not None


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_record(raw: Any, source: str, line: int | None, item_lines: list[int] | None = None) -> ReadResult:
    """Validate one raw record; errors name the field path (e.g. items[2].quantity) and, for CSV, the row."""
    record_id = raw.get("id") if isinstance(raw, dict) else None
    record_id = str(record_id) if record_id not in (None, "") else None
    if not isinstance(raw, dict):
        return ReadResult(line, errors=[RecordError(source, line, None, f"expected a JSON object, got {type(raw).__name__}")])
    try:
        return ReadResult(line, Declaration.model_validate(raw), raw=raw)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            where = line
            if item_lines and len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int) and loc[1] < len(item_lines):
                where = item_lines[loc[1]]
            reason = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                reason = "required field is missing"
            elif "input" in err and err["type"] != "value_error":
                shown = repr(err["input"])
                reason = f"{reason} (got {shown[:80]})"
            errors.append(RecordError(source, where, _field_path(loc) or None, reason, record_id))
        return ReadResult(line, errors=errors, raw=raw)


def _decode_lines(data: bytes, source: str) -> Iterator[tuple[int, str | None, RecordError | None]]:
    """Split bytes into lines, decoding each as UTF-8 so one badly encoded line costs only itself."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for n, raw in enumerate(data.splitlines(), start=1):
        try:
            yield n, raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            hint = ""
            try:
                raw.decode("cp1251")
                hint = " (it looks like Windows-1251: save the file as UTF-8)"
            except UnicodeDecodeError:
                pass
            yield n, None, RecordError(source, n, None, f"not valid UTF-8 at byte {exc.start}{hint}")


def read_jsonl(data: bytes, source: str) -> Iterator[ReadResult]:
    for n, text, error in _decode_lines(data, source):
        if error:
            yield ReadResult(n, errors=[error])
            continue
        assert text is not None
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            yield ReadResult(n, errors=[RecordError(source, n, None, f"broken JSON at column {exc.colno}: {exc.msg}")])
            continue
        yield validate_record(raw, source, n)


def read_json(data: bytes, source: str) -> Iterator[ReadResult]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        yield ReadResult(line, errors=[RecordError(source, line, None, f"not valid UTF-8 at byte {exc.start}; save the file as UTF-8")])
        return
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos < len(text) and text[pos] == "[":
        pos = _skip_ws(text, pos + 1)
        if pos < len(text) and text[pos] == "]":
            return
        while pos < len(text):
            line = text.count("\n", 0, pos) + 1
            try:
                raw, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield ReadResult(exc.lineno, errors=[RecordError(source, exc.lineno, None, f"broken JSON at column {exc.colno}: {exc.msg}; the rest of the file cannot be read")])
                return
            yield validate_record(raw, source, line)
            pos = _skip_ws(text, end)
            if pos < len(text) and text[pos] == ",":
                pos = _skip_ws(text, pos + 1)
            elif pos < len(text) and text[pos] == "]":
                return
            else:
                line = text.count("\n", 0, pos) + 1
                yield ReadResult(line, errors=[RecordError(source, line, None, "expected ',' or ']' between records; the rest of the file cannot be read")])
                return
        return
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        yield ReadResult(exc.lineno, errors=[RecordError(source, exc.lineno, None, f"broken JSON at column {exc.colno}: {exc.msg}")])
        return
    yield validate_record(raw, source, 1)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = target
    for i, part in enumerate(parts[:-1]):
        nxt_is_index = parts[i + 1].isdigit()
        if part.isdigit():
            idx = int(part)
            while len(node) <= idx:
                node.append({})
            node = node[idx]
        else:
            node = node.setdefault(part, [] if nxt_is_index else {})
    last = parts[-1]
    if last.isdigit():
        idx = int(last)
        while len(node) <= idx:
            node.append(None)
        node[idx] = value
    else:
        node[last] = value


def _split_row(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    decl: dict[str, Any] = {}
    item: dict[str, Any] = {}
    for column, value in row.items():
        if column is None or value is None:
            continue
        column, value = column.strip(), value.strip()
        if not column or value == "":
            continue
        if column.startswith("item.") or column.startswith("items."):
            item[column.split(".", 1)[1]] = value
        elif column in ITEM_FIELDS:
            item[column] = value
        elif column in LIST_FIELDS:
            _set_path(decl, column, [v.strip() for v in value.replace("|", ";").split(";") if v.strip()])
        else:
            _set_path(decl, column, value)
    return decl, item


def _csv_rows(data: bytes, source: str) -> Iterator[tuple[int, list[str] | None, RecordError | None]]:
    """Rows with their line numbers. A file that is all UTF-8 goes through the csv module whole
    (so quoted fields may span lines); otherwise each line is decoded alone and only bad lines are lost."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        for n, line, error in _decode_lines(data, source):
            if error:
                yield n, None, error
            elif line is not None and line.strip():
                yield n, next(csv.reader([line])), None
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for values in reader:
            if values and any(v.strip() for v in values):
                yield start, values, None
            start = reader.line_num + 1
    except csv.Error as exc:
        yield start, None, RecordError(source, start, None, f"unreadable CSV: {exc}")


def read_csv(data: bytes, source: str) -> Iterator[ReadResult]:
    header: list[str] | None = None
    groups: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for n, values, error in _csv_rows(data, source):
        if error:
            yield ReadResult(n, errors=[error])
            continue
        assert values is not None
        if header is None:
            header = [h.strip() for h in values]
            if "id" not in header:
                yield ReadResult(n, errors=[RecordError(source, n, "id", "the CSV header has no 'id' column; rows cannot be grouped into declarations")])
                return
            continue
        if len(values) > len(header):
            yield ReadResult(n, errors=[RecordError(source, n, None, f"row has {len(values)} values but the header has {len(header)} columns")])
            continue
        row = dict(zip(header, values + [""] * (len(header) - len(values))))
        decl, item = _split_row(row)
        key = str(decl.get("id") or "")
        if not key:
            yield ReadResult(n, errors=[RecordError(source, n, "id", "required field is missing")])
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"line": n, "decl": decl, "items": [], "item_lines": [], "errors": []}
            order.append(key)
        else:
            for path, value in _flatten(decl):
                first = _get_path(group["decl"], path)
                if first is not None and first != value:
                    group["errors"].append(RecordError(source, n, path, f"{value!r} differs from {first!r} on row {group['line']} of the same declaration", key))
        if item:
            group["items"].append(item)
            group["item_lines"].append(n)
    for key in order:
        group = groups[key]
        if group["errors"]:
            yield ReadResult(group["line"], errors=group["errors"])
            continue
        raw = dict(group["decl"], items=group["items"])
        yield validate_record(raw, source, group["line"], group["item_lines"])


def _flatten(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(node, list) and node and isinstance(node[0], (dict, list)):
        for i, v in enumerate(node):
            yield from _flatten(v, f"{prefix}.{i}")
    else:
        yield prefix, node


def _get_path(node: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def detect_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise ValueError(f"{path}: cannot tell the format from the extension (use .json, .jsonl or .csv)")


READERS = {"json": read_json, "jsonl": read_jsonl, "csv": read_csv}


def read_bytes(data: bytes, source: str, fmt: str) -> Iterator[ReadResult]:
    return READERS[fmt](data, source)


def read_path(path: str | Path, fmt: str | None = None) -> Iterator[ReadResult]:
    path = Path(path)
    fmt = fmt or detect_format(path)
    return read_bytes(path.read_bytes(), str(path), fmt)


def read_all(paths: Iterable[str | Path], counts: ReadCounts | None = None) -> Iterator[tuple[str, ReadResult]]:
    """Read many files, keeping read / accepted / rejected counts up to date as records go by."""
    counts = counts if counts is not None else ReadCounts()
    for path in paths:
        try:
            results = read_path(path)
            for result in results:
                counts.read += 1
                if result.ok:
                    counts.accepted += 1
                else:
                    counts.rejected += 1
                    counts.errors.extend(result.errors)
                yield str(path), result
        except (OSError, ValueError) as exc:
            counts.read += 1
            counts.reject(RecordError(str(path), None, None, str(exc)))
