"""Bounds on what one input record may make a reader do, and the JSON and CSV primitives that enforce them.

Every reader of outside files (declarations JSON / JSONL / CSV, `kordon parties screen` CSV, backtest
labels) goes through here, so a hostile or broken record is rejected with file, line and field and
never stops the records after it:

- JSON: duplicate keys, numbers longer than `max_number_chars`, NaN/Infinity, nesting deeper than
  `max_depth`, strings longer than `max_field_chars`, lists longer than `max_list` (`items`: `max_items`);
- CSV: fields longer than `max_field_chars` (one row lost, not the rest of the file), undecodable rows,
  more than `max_columns` columns, duplicate columns.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterator

from kordon.ingest.errors import RecordError


@dataclass(frozen=True)
class Limits:
    max_depth: int = 32  # a declaration is 4 levels deep; free-form extra fields get some room
    max_field_chars: int = 100_000  # one text field; the csv module's own limit is 131072
    max_number_chars: int = 40  # digits, sign, point and exponent of one number
    max_list: int = 10_000  # elements of any list in a record
    max_items: int = 999  # goods items of one declaration (customs systems number them with three digits; verify per country)
    max_index: int = 999  # largest list position in a CSV column name such as parties.3.name
    max_columns: int = 1_000  # columns of a CSV header
    max_record_bytes: int = 10_000_000  # one JSON record or JSON Lines line


LIMITS = Limits()
NUMERIC_FIELDS = frozenset({"quantity", "net_mass_kg", "value"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Marker:
    """Stands in a decoded record for a value that broke a limit, so the check can say where it was."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Pairs(dict):
    """A JSON object that named some keys more than once (the first value is kept, the record rejected)."""

    duplicates: list[str]


class JsonDecoder:
    """`json` with limits: never raises on a long number or a duplicate key, marks them for `problems` instead."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self._decoder = json.JSONDecoder(object_pairs_hook=self._object, parse_int=self._int,
                                         parse_float=self._float, parse_constant=self._constant)

    def _object(self, pairs: list[tuple[str, Any]]) -> dict:
        out: dict[str, Any] = {}
        duplicates = []
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            else:
                out[key] = value
        if not duplicates:
            return out
        marked = _Pairs(out)
        marked.duplicates = duplicates
        return marked

    def _int(self, text: str) -> Any:
        if len(text) > self.limits.max_number_chars:
            return _Marker(f"a number of {len(text)} characters (at most {self.limits.max_number_chars})")
        return int(text)

    def _float(self, text: str) -> Any:
        if len(text) > self.limits.max_number_chars:
            return _Marker(f"a number of {len(text)} characters (at most {self.limits.max_number_chars})")
        value = float(text)
        return value if math.isfinite(value) else _Marker(f"{text} is out of range")

    def _constant(self, text: str) -> Any:
        return _Marker(f"{text} is not a JSON number")

    def raw_decode(self, text: str, pos: int = 0) -> tuple[Any, int]:
        """(value, end); raises json.JSONDecodeError for broken JSON and RecursionError for deep nesting."""
        return self._decoder.raw_decode(text, pos)

    def loads(self, text: str) -> Any:
        value, end = self.raw_decode(text, _skip_ws(text, 0))
        end = _skip_ws(text, end)
        if end != len(text):
            raise json.JSONDecodeError("extra data after the record", text, end)
        return value


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def skip_ws(text: str, pos: int) -> int:
    return _skip_ws(text, pos)


def value_end(text: str, pos: int) -> int | None:
    """End of the JSON value starting at `pos`, found by matching brackets outside strings (no recursion).

    Used to step over a record the decoder could not take (nested too deeply); None if it never closes.
    """
    depth = 0
    i = pos
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth <= 0:
                return i + 1
        elif depth == 0 and c in ",\n":
            return i
        i += 1
    return None


def _path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems(value: Any, limits: Limits = LIMITS) -> list[tuple[str | None, str]]:
    """(field path, reason) for every limit a decoded record breaks; empty when it may go to validation."""
    found: list[tuple[str | None, str]] = []
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack and len(found) < 20:
        node, parts = stack.pop()
        where = _path(parts) or None
        if len(parts) > limits.max_depth:
            found.append((where, f"nested more than {limits.max_depth} levels deep"))
            continue
        if isinstance(node, _Marker):
            found.append((where, node.reason))
        elif isinstance(node, str):
            found.extend(_text_problems(node, parts, where, limits))
        elif isinstance(node, dict):
            if isinstance(node, _Pairs):
                found.extend((_path([*parts, k]), "the key appears more than once in the object") for k in node.duplicates)
            stack.extend((v, [*parts, k]) for k, v in node.items())
        elif isinstance(node, list):
            most = limits.max_items if parts == ["items"] else limits.max_list
            if len(node) > most:
                found.append((where, f"{len(node)} elements (at most {most})"))
                continue
            stack.extend((v, [*parts, i]) for i, v in enumerate(node))
    return found


def _text_problems(text: str, parts: list[str | int], where: str | None, limits: Limits) -> list[tuple[str | None, str]]:
    if len(text) > limits.max_field_chars:
        return [(where, f"a text of {len(text)} characters (at most {limits.max_field_chars})")]
    control = _CONTROL.search(text)
    if control:
        # NUL and the like are never part of a name or a description, and PostgreSQL cannot store NUL.
        return [(where, f"contains the control character U+{ord(control.group()):04X} at position {control.start() + 1}")]
    if parts and parts[-1] in NUMERIC_FIELDS and len(text.strip()) > limits.max_number_chars:
        return [(where, f"a number of {len(text.strip())} characters (at most {limits.max_number_chars})")]
    return []


def record_errors(value: Any, source: str, line: int | None, limits: Limits = LIMITS) -> list[RecordError]:
    record_id = value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else None
    return [RecordError(source, line, where, reason, record_id[:200] if record_id else None)
            for where, reason in problems(value, limits)]


def decode_line(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) or (None, why the line is not UTF-8, with a hint when it looks like Windows-1251)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            raw.decode("cp1251")
            hint = " (it looks like Windows-1251: save the file as UTF-8)"
        except UnicodeDecodeError:
            pass
        return None, f"not valid UTF-8 at byte {exc.start}{hint}"


def csv_rows(data: bytes, source: str, limits: Limits = LIMITS, *, delimiter: str = ",") -> Iterator[tuple[int, list[str] | None, RecordError | None]]:
    """Non-blank rows of a CSV file as (line, values, None), or (line, None, error) for a row that cannot be read.

    A file that is all UTF-8 goes through the csv module whole, so quoted fields may span lines; otherwise
    each line is decoded alone and only the undecodable lines are lost. A field over the size limit costs
    its own row: the reader goes on with the next line.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        lines: Iterator[tuple[int, str | None, str | None]] = _lines_of(data.decode("utf-8"))
    except UnicodeDecodeError:
        lines = ((n, *decode_line(raw)) for n, raw in enumerate(data.splitlines(keepends=True), start=1))
    yield from _parse(lines, source, limits, delimiter)


def _lines_of(text: str) -> Iterator[tuple[int, str | None, str | None]]:
    # Only \n, \r\n and \r end a CSV line (str.splitlines would also split at U+2028 inside a field).
    for n, line in enumerate(io.StringIO(text, newline=""), start=1):
        yield n, line, None


class _Feed:
    """The lines the csv reader asks for; remembers the lines of the current record so they can be given back."""

    def __init__(self, lines: Iterator[tuple[int, str | None, str | None]]) -> None:
        self.lines = lines
        self.pending: list[tuple[int, str]] = []
        self.taken: list[tuple[int, str]] = []
        self.undecodable: list[tuple[int, str]] = []

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.pending:
            self.taken.append(self.pending.pop(0))
            return self.taken[-1][1]
        while True:
            n, text, why = next(self.lines)
            if text is not None:
                self.taken.append((n, text))
                return text
            self.undecodable.append((n, why or "cannot be decoded"))

    def give_back(self) -> None:
        """Read the lines after the first line of the current record again, as records of their own."""
        self.pending[:0] = self.taken[1:]


def _swallowed(values: list[str], taken: list[tuple[int, str]], delimiter: str) -> bool:
    """A record that runs over lines because of a stray quote: an unclosed quote, or whole rows inside one field."""
    at_end = not taken[-1][1].endswith(("\n", "\r"))
    if sum(text.count('"') for _, text in taken) % 2 and (at_end or any("\n" in v or "\r" in v for v in values)):
        return True
    if len(taken) < 2:
        return False
    inner = [line for v in values if "\n" in v for line in v.splitlines()[1:]]
    return len(values) >= 3 and any(line.count(delimiter) >= len(values) - 1 for line in inner)


def _parse(lines: Iterator[tuple[int, str | None, str | None]], source: str, limits: Limits,
           delimiter: str) -> Iterator[tuple[int, list[str] | None, RecordError | None]]:
    feed = _Feed(lines)
    reader = csv.reader(feed, delimiter=delimiter, strict=False)
    while True:
        feed.taken = []
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            yield from _flush(feed, source)
            start = feed.taken[0][0] if feed.taken else 0
            feed.give_back()  # a record over several lines: the lines after its first are read again
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field of more than {csv.field_size_limit()} characters (at most {limits.max_field_chars})"
            yield start, None, RecordError(source, start, None, f"unreadable CSV row: {reason}")
            continue
        yield from _flush(feed, source)
        if not feed.taken:
            continue
        start = feed.taken[0][0]
        if _swallowed(values, feed.taken, delimiter):
            feed.give_back()
            yield start, None, RecordError(source, start, None, "a quote opens a field that runs over the following lines; "
                                          "the lines after it are read as rows of their own")
            continue
        problem = _row_problem(values, start, source, limits)
        if problem:
            yield start, None, problem
        elif any(v.strip() for v in values):
            yield start, values, None
    yield from _flush(feed, source)


def _row_problem(values: list[str], line: int, source: str, limits: Limits) -> RecordError | None:
    long = next((i for i, v in enumerate(values) if len(v) > limits.max_field_chars), None)
    if long is not None:
        return RecordError(source, line, f"column {long + 1}", f"a field of {len(values[long])} characters (at most {limits.max_field_chars})")
    if len(values) > limits.max_columns:
        return RecordError(source, line, None, f"{len(values)} columns (at most {limits.max_columns})")
    return None


def _flush(feed: _Feed, source: str) -> Iterator[tuple[int, None, RecordError]]:
    for n, why in feed.undecodable:
        yield n, None, RecordError(source, n, None, why)
    feed.undecodable.clear()


def header(values: list[str], source: str, line: int, required: tuple[str, ...] = ()) -> tuple[list[str], list[RecordError]]:
    """Column names stripped; errors for duplicate, empty-named and missing required columns."""
    names = [v.strip() for v in values]
    errors = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen and name:
            errors.append(RecordError(source, line, name, f"column {i} repeats column {seen[name]}; each column may appear once"))
        seen.setdefault(name, i)
    for name in required:
        if name not in seen:
            errors.append(RecordError(source, line, name, f"the header has no {name!r} column (it has: {', '.join(n for n in names if n)[:300]})"))
    return names, errors
