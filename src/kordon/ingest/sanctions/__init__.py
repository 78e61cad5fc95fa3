"""Importers from official sanctions-list publications into FollowTheMoney entities.

Each importer returns an ``ImportResult``: the entities as FtM dicts, the publication date,
the sha256 of the files read, and counts of records read, accepted and rejected with reasons.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass
class ImportResult:
    source: str
    list_id: str
    published: str | None
    sha256: str
    entities: list[dict[str, Any]]
    read: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # entity ids removed by a delta file
    published_by: dict[str, str] = field(default_factory=dict)  # per part of a multi-list publication (EU: per CELEX)

    @property
    def accepted(self) -> int:
        return len(self.entities)

    def take_groups(self, groups: dict[str, list[tuple[int, dict[str, str]]]], build: Callable[[str, list[dict[str, str]]], Any],
                    rejection: Callable[[str, int, int], str]) -> None:
        """Turn rows grouped by entity key (each with its line) into entities; a group that builds
        nothing is rejected with `rejection(key, first_line, row_count)`."""
        for key, rows in groups.items():
            self.read += 1
            ent = build(key, [r for _, r in rows])
            if ent is None:
                self.rejected += 1
                self.errors.append(rejection(key, rows[0][0], len(rows)))
            else:
                self.entities.append(ent.to_dict())


def read_bytes(path: str | Path) -> bytes:
    path = Path(path)
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def read_text(path: str | Path) -> str:
    return read_bytes(path).decode("utf-8-sig")


def digest(*blobs: bytes) -> str:
    h = hashlib.sha256()
    for b in blobs:
        h.update(b)
    return h.hexdigest()


def make_entity(schema: str, entity_id: str):  # noqa: ANN201 - followthemoney proxy
    from followthemoney import model

    ent = model.make_entity(schema)
    ent.id = entity_id
    return ent


def importer(source: str) -> Callable[[Path], ImportResult]:
    from kordon.ingest.sanctions import bis_dpl, csl, eu, eu_fsf, eu_fsf_csv, ftm, meti, ofac, ofac_xml, uk, uk_fcdo_csv, un

    table = {"ofac": ofac.load, "un": un.load, "uk": uk.load, "ftm": ftm.load, "csl": csl.load, "eu": eu.load,
             "bis_dpl": bis_dpl.load, "meti": meti.load, "ofac_xml": ofac_xml.load,
             "eu_fsf": eu_fsf.load, "eu_fsf_csv": eu_fsf_csv.load, "uk_csv": uk_fcdo_csv.load}
    if source not in table:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(sorted(table))}")
    return table[source]


SOURCES = ("ofac", "un", "uk", "eu", "ftm", "csl", "bis_dpl", "meti", "ofac_xml", "eu_fsf", "eu_fsf_csv", "uk_csv")
