"""A common shape for analysis results, so the CLI, export and charts treat
every analysis alike: named tables plus the parameters that produced them."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Result:
    kind: str
    title: str
    tables: dict[str, pd.DataFrame]
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def export(self, path: str | Path) -> list[Path]:
        """Write every table as CSV or Parquet, chosen by the suffix; with
        several tables the table name is added before the suffix."""
        path = Path(path)
        if path.suffix not in (".csv", ".parquet"):
            raise ValueError(f"{path.name}: export to .csv or .parquet")
        written = []
        for name, df in self.tables.items():
            target = path if len(self.tables) == 1 else path.with_name(f"{path.stem}.{name}{path.suffix}")
            if path.suffix == ".csv":
                df.to_csv(target, index=False)
            else:
                df.to_parquet(target, index=False)
            written.append(target)
        return written


def pct(new: float | None, old: float | None) -> float | None:
    if old in (None, 0) or new is None or pd.isna(old) or pd.isna(new):
        return None
    return (new - old) / old * 100.0
