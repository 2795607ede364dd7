"""What the scoring benchmark generates for one size and metric (standard library only: the parent imports it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchmarkFiles:
    rows: int
    metric: str
    truth_csv: str
    truth_parquet: str
    predictions: dict[str, str]  # "same order", "shuffled", "gzip" -> file
    truth_seconds: float  # the engine parsing the ground-truth CSV and writing its Parquet file
