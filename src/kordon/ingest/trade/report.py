"""What an ingest run read, kept and refused, with where and why."""
from __future__ import annotations

from dataclasses import dataclass, field


class RowError(ValueError):
    """A field that cannot be used; the row is rejected, the file goes on."""

    def __init__(self, field_name: str, reason: str, value: object = None):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason
        self.value = value


@dataclass
class Problem:
    file: str
    line: int
    field: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        v = f" (got {self.value!r})" if self.value not in ("", None) else ""
        return f"{self.file}:{self.line}: {self.field}: {self.reason}{v}"


@dataclass
class IngestReport:
    source: str
    file: str
    read: int = 0
    accepted: int = 0
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # rows deliberately not loaded (breakdowns of a total), not errors
    records: int = 0  # rows written to the store (BNS gives two per line)

    @property
    def rejected(self) -> int:
        return len(self.problems)

    def reject(self, line: int, err: RowError) -> None:
        self.problems.append(Problem(self.file, line, err.field, err.reason, str(err.value or "")))

    def summary(self) -> str:
        return (
            f"{self.source} {self.file}: read {self.read}, accepted {self.accepted}, "
            f"rejected {self.rejected}, stored {self.records} records"
            + (f", skipped {self.skipped}" if self.skipped > 0 else "")
        )
