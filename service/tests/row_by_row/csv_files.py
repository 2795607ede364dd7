"""Reading uploaded CSV files with the line number of every row, for error messages that point at a line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import IO

from .metrics import MetricSpec


class CsvProblem(Exception):
    """The first problem found in an uploaded file: the line (1-based, header is line 1) and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def metric_value(metric: MetricSpec, raw: str, line: int, *, not_a_number: str, empty: str) -> object:
    """A cell as the metric's value (a finite number, or a non-empty label), or the problem on its line."""
    value = metric.parse_value(raw)
    if value is None:
        raise CsvProblem(line, not_a_number if metric.numeric else empty)
    return value


def read_text(upload: IO[bytes], max_bytes: int) -> str:
    """The whole upload as text; too large, empty or not UTF-8 is a problem on line 1 (or the bad line)."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CsvProblem(1, f"the file is larger than the limit of {max_bytes} bytes")
    if not data.strip():
        raise CsvProblem(1, "the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvProblem(line, "the file is not valid UTF-8") from None


def rows_with_line_numbers(text: str, header: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """Rows after a header that must be exactly ``header``; blank lines are skipped.

    Every row has ``len(header)`` fields, stripped of surrounding whitespace.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    expected = ",".join(header)
    try:
        first = next(reader, None)
        if first is None or [field.strip().lower() for field in first] != list(header):
            got = ",".join(first or [])
            raise CsvProblem(1, f"the header must be '{expected}', got '{got[:100]}'")
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(header):
                raise CsvProblem(reader.line_num, f"expected {len(header)} fields ({expected}), got {len(fields)}")
            yield reader.line_num, [field.strip() for field in fields]
    except csv.Error as exc:
        raise CsvProblem(reader.line_num, f"malformed CSV: {exc}") from None


def rows_with_unique_ids(text: str, header: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """``rows_with_line_numbers`` whose first field, the id, appears on one line only."""
    first_seen: dict[str, int] = {}
    for line, fields in rows_with_line_numbers(text, header):
        row_id = fields[0]
        if row_id in first_seen:
            raise CsvProblem(line, f"id '{row_id}' appears more than once (first on line {first_seen[row_id]})")
        first_seen[row_id] = line
        yield line, fields
