"""Record-level input errors: which file, which line, which field, and why."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordError:
    source: str
    line: int | None
    field: str | None
    reason: str
    record_id: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        what = f" [{self.record_id}]" if self.record_id else ""
        fld = f" {self.field}:" if self.field else ""
        return f"{where}{what}{fld} {self.reason}"


@dataclass
class ReadCounts:
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: list[RecordError] = field(default_factory=list)

    def reject(self, error: RecordError) -> None:
        self.rejected += 1
        self.errors.append(error)


class ListFileError(ValueError):
    """A list or rule file that cannot be loaded; the message names the file and line."""
