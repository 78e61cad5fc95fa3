"""Read declarations from JSON, JSONL and CSV files, one record at a time, losing nothing.

Every record comes back either as a validated Declaration with the line it started on, or as
RecordErrors saying which file, line or row, field and why. A bad record never stops the rest.

CSV layout: one row per goods item; declaration fields repeated on every row of the same `id`;
nested fields as dotted columns (`route.destination`, `parties.0.name`,
`parties.0.identifiers.bin`, `payment.payer_country`); item fields as plain columns
(`hs_code`, `description`, ...) or prefixed `item.`; lists such as `route.transit` separated by `;`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from kordon.ingest import limits
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
    fatal: bool = False  # the file cannot be read from here on (or at all): a usage error, not a rejected record

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


def _fatal(source: str, line: int | None, reason: str, fld: str | None = None) -> ReadResult:
    return ReadResult(line, errors=[RecordError(source, line, fld, reason)], fatal=True)


def _decoded(raw: Any, source: str, line: int) -> ReadResult:
    """A decoded record within the limits goes on to validation; one outside them is rejected by field."""
    errors = limits.record_errors(raw, source, line)
    if errors:
        return ReadResult(line, errors=errors)
    return validate_record(raw, source, line)


def read_jsonl(data: bytes, source: str) -> Iterator[ReadResult]:
    decoder = limits.JsonDecoder()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for n, raw in enumerate(data.splitlines(), start=1):
        if len(raw) > limits.LIMITS.max_record_bytes:
            yield ReadResult(n, errors=[RecordError(source, n, None, f"a line of {len(raw)} bytes (at most {limits.LIMITS.max_record_bytes})")])
            continue
        text, why = limits.decode_line(raw)
        if text is None:
            yield ReadResult(n, errors=[RecordError(source, n, None, why or "not valid UTF-8")])
            continue
        if not text.strip():
            continue
        try:
            record = decoder.loads(text)
        except json.JSONDecodeError as exc:
            yield ReadResult(n, errors=[RecordError(source, n, None, f"broken JSON at column {exc.colno}: {exc.msg}")])
            continue
        except RecursionError:
            yield ReadResult(n, errors=[RecordError(source, n, None, f"nested more than {limits.LIMITS.max_depth} levels deep")])
            continue
        yield _decoded(record, source, n)


def read_json(data: bytes, source: str) -> Iterator[ReadResult]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        yield _fatal(source, line, f"not valid UTF-8 at byte {exc.start}; save the file as UTF-8")
        return
    pos = limits.skip_ws(text, 0)
    if pos < len(text) and text[pos] == "[":
        yield from _json_array(text, pos + 1, source)
        return
    try:
        record = limits.JsonDecoder().loads(text)
    except json.JSONDecodeError as exc:
        yield _fatal(source, exc.lineno, f"broken JSON at column {exc.colno}: {exc.msg}")
        return
    except RecursionError:
        yield ReadResult(1, errors=[RecordError(source, 1, None, f"nested more than {limits.LIMITS.max_depth} levels deep")])
        return
    yield _decoded(record, source, 1)


def _json_array(text: str, pos: int, source: str) -> Iterator[ReadResult]:
    """The records of a top-level array one by one; a record the decoder cannot take is stepped over."""
    decoder = limits.JsonDecoder()
    pos = limits.skip_ws(text, pos)
    if pos < len(text) and text[pos] == "]":
        return
    while pos < len(text):
        line = text.count("\n", 0, pos) + 1
        try:
            record, end = decoder.raw_decode(text, pos)
            yield _decoded(record, source, line)
        except json.JSONDecodeError as exc:
            yield _fatal(source, exc.lineno, f"broken JSON at column {exc.colno}: {exc.msg}; the rest of the file cannot be read")
            return
        except RecursionError:
            skipped = limits.value_end(text, pos)
            if skipped is None:
                yield _fatal(source, line, f"a record nested more than {limits.LIMITS.max_depth} levels deep never closes; the rest of the file cannot be read")
                return
            yield ReadResult(line, errors=[RecordError(source, line, None, f"nested more than {limits.LIMITS.max_depth} levels deep")])
            end = skipped
        pos = limits.skip_ws(text, end)
        if pos >= len(text):
            break
        if text[pos] == ",":
            pos = limits.skip_ws(text, pos + 1)
        elif text[pos] == "]":
            if limits.skip_ws(text, pos + 1) < len(text):
                line = text.count("\n", 0, pos) + 1
                yield _fatal(source, line, "text after the closing ']' of the array")
            return
        else:
            line = text.count("\n", 0, pos) + 1
            yield _fatal(source, line, "expected ',' or ']' between records; the rest of the file cannot be read")
            return
    yield _fatal(source, text.count("\n") + 1, "the array is not closed with ']'")


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Put `value` at a dotted CSV column path; `check_columns` has made sure the paths cannot collide."""
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


def _column_path(column: str) -> str | None:
    """Where a column's value goes in the declaration record; None for item columns."""
    if column.startswith("item.") or column.startswith("items.") or column in ITEM_FIELDS:
        return None
    return column


def check_columns(columns: list[str], source: str, line: int) -> list[RecordError]:
    """Header errors: a column that is also the parent of another (`id` and `id.x`; `parties.0` and
    `parties.0.name`), a name mixing list positions and keys at one level, positions beyond the limit."""
    errors: list[RecordError] = []
    kinds: dict[str, str] = {}  # path prefix -> "value" | "list" | "object", with the column that fixed it
    owner: dict[str, str] = {}
    for column in columns:
        path = _column_path(column)
        if path is None:
            if column.startswith(("item.", "items.")) and "." in column.split(".", 1)[1]:
                errors.append(RecordError(source, line, column, "item columns are flat: item.FIELD (no further dots)"))
            continue
        parts = path.split(".")
        if any(p == "" for p in parts):
            errors.append(RecordError(source, line, column, "a column name has an empty part between dots"))
            continue
        big = next((p for p in parts if p.isdigit() and int(p) > limits.LIMITS.max_index), None)
        if big is not None:
            errors.append(RecordError(source, line, column, f"list position {big} (at most {limits.LIMITS.max_index})"))
            continue
        if parts[0].isdigit():
            errors.append(RecordError(source, line, column, "a column name cannot start with a list position"))
            continue
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            want = "value" if depth == len(parts) else ("list" if parts[depth].isdigit() else "object")
            have = kinds.setdefault(prefix, want)
            if have != want:
                errors.append(RecordError(source, line, column, _clash(prefix, have, want, owner[prefix])))
                break
            owner.setdefault(prefix, column)
    return errors


def _clash(prefix: str, have: str, want: str, other: str) -> str:
    if "value" in (have, want):
        return f"column {other!r} also writes {prefix!r}; a field cannot be both a value and hold other fields"
    kind = {"list": "a list (numbered: NAME.0.FIELD)", "object": "an object (NAME.FIELD)"}
    return f"column {other!r} makes {prefix!r} {kind[have]}, this one {kind[want]}"


def _split_row(row: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    decl: dict[str, Any] = {}
    item: dict[str, Any] = {}
    for column, value in row.items():
        value = value.strip()
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


@dataclass
class _Group:
    line: int
    decl: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    item_lines: list[int] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


def _csv_header(values: list[str], source: str, n: int) -> tuple[list[str], list[RecordError]]:
    names, errors = limits.header(values, source, n, required=("id",))
    item_names = [c.split(".", 1)[1] if c.startswith(("item.", "items.")) else c for c in names if _column_path(c) is None]
    repeated = sorted({c for c in item_names if item_names.count(c) > 1})
    errors += [RecordError(source, n, c, "the item field is named by more than one column") for c in repeated if c]
    return names, errors + check_columns([c for c in names if c], source, n)


def read_csv(data: bytes, source: str) -> Iterator[ReadResult]:
    header: list[str] | None = None
    groups: dict[str, _Group] = {}
    for n, values, error in limits.csv_rows(data, source):
        if error:
            yield ReadResult(n, errors=[error], fatal=header is None)
            if header is None:
                return
            continue
        assert values is not None
        if header is None:
            header, problems = _csv_header(values, source, n)
            if problems:
                yield ReadResult(n, errors=problems, fatal=True)
                return
            continue
        yield from _csv_row(values, header, n, source, groups)
    if header is None:
        yield _fatal(source, None, "the file has no header and no rows")
        return
    if not groups:
        yield _fatal(source, None, "the file has a header but no rows")
    for group in groups.values():
        if group.errors:
            yield ReadResult(group.line, errors=group.errors)
            continue
        yield _decoded_csv(dict(group.decl, items=group.items), source, group)


def _csv_row(values: list[str], header: list[str], n: int, source: str, groups: dict[str, _Group]) -> Iterator[ReadResult]:
    if len(values) > len(header):
        yield ReadResult(n, errors=[RecordError(source, n, None, f"row has {len(values)} values but the header has {len(header)} columns")])
        return
    row = dict(zip(header, values + [""] * (len(header) - len(values))))
    decl, item = _split_row(row)
    key = str(decl.get("id") or "")
    if not key:
        yield ReadResult(n, errors=[RecordError(source, n, "id", "required field is missing")])
        return
    group = groups.get(key)
    if group is None:
        group = groups[key] = _Group(n, decl)
    else:
        for path, value in _flatten(decl):
            first = _get_path(group.decl, path)
            if first is not None and first != value:
                group.errors.append(RecordError(source, n, path, f"{value!r} differs from {first!r} on row {group.line} of the same declaration", key))
    if item and len(group.items) >= limits.LIMITS.max_items:
        if len(group.items) == limits.LIMITS.max_items:
            group.errors.append(RecordError(source, n, "items", f"more than {limits.LIMITS.max_items} items in one declaration", key))
        group.items.append({})
    elif item:
        group.items.append(item)
        group.item_lines.append(n)


def _decoded_csv(raw: dict[str, Any], source: str, group: _Group) -> ReadResult:
    errors = limits.record_errors(raw, source, group.line)
    if errors:
        return ReadResult(group.line, errors=errors)
    return validate_record(raw, source, group.line, group.item_lines)


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
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        return iter([_fatal(str(path), None, "the file is empty")])
    return read_bytes(data, str(path), fmt)


def read_all(paths: Iterable[str | Path], counts: ReadCounts | None = None) -> Iterator[tuple[str, ReadResult]]:
    """Read many files, keeping read / accepted / rejected counts up to date as records go by.

    A problem with a whole file (cannot be opened, empty, a bad header, JSON broken so the rest cannot be
    read) is counted in `counts.unusable`, not as a rejected record; the other files are still read.
    """
    counts = counts if counts is not None else ReadCounts()
    for path in paths:
        try:
            for result in read_path(path):
                counts.add(result.ok, result.errors, fatal=result.fatal)
                yield str(path), result
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            counts.add(False, [RecordError(str(path), None, None, reason)], fatal=True)
