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

    unusable: int = 0  # files (or their rest) that could not be read at all: exit 2, not 1

    def reject(self, error: RecordError) -> None:
        self.rejected += 1
        self.errors.append(error)

    def add(self, ok: bool, errors: list[RecordError], fatal: bool = False) -> None:
        """Count one reader result: a record accepted or rejected, or a problem with the whole file."""
        if fatal:
            self.unusable += 1
            self.errors.extend(errors)
        elif ok:
            self.read += 1
            self.accepted += 1
        else:
            self.read += 1
            self.reject_all(errors)

    def reject_all(self, errors: list[RecordError]) -> None:
        self.rejected += 1
        self.errors.extend(errors)

    @property
    def exit_code(self) -> int:
        """2 when some input could not be read at all, 1 when some records were rejected, else 0."""
        return 2 if self.unusable else 1 if self.rejected else 0


class ListFileError(ValueError):
    """A list or rule file that cannot be loaded; the message names the file and line."""
