"""The records of an uploaded CSV file as columns, with the line each record ends on.

``read_records`` runs the checks of the whole file (empty, UTF-8, header) and then reads the records after the
header with the columnar tokenizer (polars) when the file is regular (``csv_layout``), else with the exact one
(Python's ``csv`` module, the tokenizer of the row-by-row parsers). Both give the same ``Records``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .csv_layout import CsvLayout, find_layout
from .problems import CsvProblem
from .text_checks import text_start


@dataclass(frozen=True)
class LineNumbers:
    """The line (1-based, the header is line 1) on which each record after the header ends."""

    table: NDArray[np.int64] | None  # None: record i (0-based, after the header) is on line i + 2

    def __getitem__(self, record: int) -> int:
        return record + 2 if self.table is None else int(self.table[record])


@dataclass(frozen=True)
class Records:
    """Every record after the header: one String column per header field (null where a record has fewer)."""

    columns: tuple[pl.Series, ...]
    field_counts: NDArray[np.int64] | None  # None: every record has one field per column
    lines: LineNumbers
    malformed: CsvProblem | None  # the csv module's error that ended the file early (exact tokenizer only)
    may_need_strip: bool  # False: no field starts or ends with whitespace

    def __len__(self) -> int:
        return len(self.columns[0])


def read_records(data: bytes, header: Sequence[str]) -> Records:
    """The records of ``data`` after a header that must be ``header``; else the file's first ``CsvProblem``."""
    start = text_start(data)
    layout = find_layout(data, start, len(header))
    if layout is not None:
        try:
            first = _first_record(data, layout)
        except csv.Error:  # a header field over the size limit: the exact tokenizer reports it as before
            return read_exactly(data, start, header)
        check_header(first, header)
        records = read_columnar(data, layout, header)
        if records is not None:
            return records
    return read_exactly(data, start, header)


def check_header(first: list[str] | None, header: Sequence[str]) -> None:
    """The header rule of the row-by-row parsers: the names, case and surrounding whitespace ignored."""
    if first is None or [field.strip().lower() for field in first] != list(header):
        got = ",".join(first or [])
        raise CsvProblem(1, f"the header must be '{','.join(header)}', got '{got[:100]}'")


def _first_record(data: bytes, layout: CsvLayout) -> list[str] | None:
    """The header's fields, read by the csv module from the header's own bytes (with its line end)."""
    if layout.records == 0:
        return None
    text = str(memoryview(data)[slice(*layout.header_bytes)], "utf-8")
    return next(csv.reader(io.StringIO(text, newline=""), strict=True), [])


def read_columnar(data: bytes, layout: CsvLayout, header: Sequence[str]) -> Records | None:
    """polars reads the fields; the layout says how many each record had and its line. None if they disagree."""
    schema = {f"field_{index}": pl.String for index in range(len(header))}
    try:
        frame = pl.read_csv(data, has_header=False, schema=schema, truncate_ragged_lines=True, quote_char='"')
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return None  # whatever polars cannot read, the exact tokenizer reads or names the line it stops at
    if frame.height != layout.records:
        return None
    if not layout.fields_within_limit and _longest_field(frame) > csv.field_size_limit():
        return None  # the csv module refuses such a field: let it say where
    counts = None if layout.field_counts is None else layout.field_counts[1:]
    lines = None if layout.record_lines is None else layout.record_lines[1:]
    columns = tuple(frame.slice(1).get_columns())
    return Records(columns, counts, LineNumbers(lines), None, layout.may_need_strip)


def _longest_field(frame: pl.DataFrame) -> int:
    """Bytes of the longest field (at least its characters, what the csv module limits)."""
    lengths = frame.select(pl.all().str.len_bytes().max()).row(0)
    return max((length or 0) for length in lengths)


def read_exactly(data: bytes, start: int, header: Sequence[str]) -> Records:
    """Python's csv module over the decoded text, its rows gathered into columns a slice at a time."""
    text = str(memoryview(data)[start:], "utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise CsvProblem(reader.line_num, f"malformed CSV: {exc}") from None
    check_header(first, header)
    builder = _ColumnBuilder(len(header))
    malformed = None
    try:
        for fields in reader:
            builder.add(reader.line_num, fields)
    except csv.Error as exc:
        malformed = CsvProblem(reader.line_num, f"malformed CSV: {exc}")
    return builder.records(malformed)


class _ColumnBuilder:
    """Rows of the csv module turned into columns every ``SLICE`` rows, so no list outlives its slice."""

    SLICE = 1 << 16

    def __init__(self, width: int) -> None:
        self.width = width
        self.values: list[list[str | None]] = [[] for _ in range(width)]
        self.lines: list[int] = []
        self.counts: list[int] = []
        self.columns: list[list[pl.Series]] = [[] for _ in range(width)]
        self.line_arrays: list[NDArray[np.int64]] = []
        self.count_arrays: list[NDArray[np.int64]] = []

    def add(self, line: int, fields: list[str]) -> None:
        self.lines.append(line)
        self.counts.append(len(fields))
        for index, values in enumerate(self.values):
            values.append(fields[index] if index < len(fields) else None)
        if len(self.lines) == self.SLICE:
            self._flush()

    def records(self, malformed: CsvProblem | None) -> Records:
        self._flush()
        columns = tuple(pl.concat(parts) if parts else pl.Series(dtype=pl.String) for parts in self.columns)
        counts = np.concatenate(self.count_arrays) if self.count_arrays else np.empty(0, dtype=np.int64)
        lines = np.concatenate(self.line_arrays) if self.line_arrays else np.empty(0, dtype=np.int64)
        uniform = bool(np.all(counts == self.width))
        return Records(columns, None if uniform else counts, LineNumbers(lines), malformed, True)

    def _flush(self) -> None:
        if not self.lines:
            return
        for index, values in enumerate(self.values):
            self.columns[index].append(pl.Series(values, dtype=pl.String))
            values.clear()
        self.line_arrays.append(np.array(self.lines, dtype=np.int64))
        self.count_arrays.append(np.array(self.counts, dtype=np.int64))
        self.lines.clear()
        self.counts.clear()
