"""Open CSV files the way statistics offices ship them (gzip, BOM, odd bytes)."""
from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path


def open_text(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    # Comtrade extracts mix UTF-8 with stray Latin-1 partner names (Curaçao);
    # names are not used for matching there, so replacement is harmless.
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def dict_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number of the record's first line, row)."""
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        line = reader.line_num
        for row in reader:
            yield line + 1, row
            line = reader.line_num


def display_name(path: Path) -> str:
    # Provenance keeps the file name, not this machine's directory layout.
    return path.name
