"""Parsing and validating a ground-truth file (``id,expected,usage``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from .csv_files import CsvProblem, metric_value, read_text, rows_with_unique_ids
from .metrics import MetricSpec

HEADER = ("id", "expected", "usage")
PUBLIC, PRIVATE = "Public", "Private"
USAGES = {usage.lower(): usage for usage in (PUBLIC, PRIVATE)}


@dataclass(frozen=True)
class ParsedGroundTruth:
    rows: dict[str, list[object]]  # id -> [expected, usage]
    public_rows: int
    private_rows: int


def parse_ground_truth(upload: IO[bytes], metric: MetricSpec, max_bytes: int) -> ParsedGroundTruth:
    text = read_text(upload, max_bytes)
    rows: dict[str, list[object]] = {}
    counts = {PUBLIC: 0, PRIVATE: 0}
    last_line = 1
    for line, (row_id, expected_raw, usage_raw) in rows_with_unique_ids(text, HEADER):
        last_line = line
        if not row_id:
            raise CsvProblem(line, "the id is empty")
        usage = USAGES.get(usage_raw.lower())
        if usage is None:
            raise CsvProblem(line, f"usage must be Public or Private, got '{usage_raw}'")
        expected = metric_value(
            metric,
            expected_raw,
            line,
            not_a_number=f"expected value '{expected_raw}' is not a finite number ({metric.name})",
            empty="the expected label is empty",
        )
        rows[row_id] = [expected, usage]
        counts[usage] += 1
    for usage, count in counts.items():
        if count == 0:
            raise CsvProblem(last_line + 1, f"the file has no {usage} rows; both boards need at least one")
    return ParsedGroundTruth(rows, counts[PUBLIC], counts[PRIVATE])
