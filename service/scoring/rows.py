"""The rows that count: records that are not blank, before the first record with a wrong number of fields.

The row-by-row parsers skipped blank lines (no field, or one field of whitespace) and stopped at the first record
whose field count differed from the header's, or at the csv module's error. ``Rows`` are the records before that
point, stripped, and the problem that ends them, so that rules about rows can be checked as whole columns and
the first failing row compared with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from polars import Series

from .cells import stripped
from .problems import CsvProblem
from .records import LineNumbers, Records


@dataclass(frozen=True)
class Rows:
    """Stripped cells of the rows (one Series per header field; a missing cell is ``""``)."""

    cells: tuple[Series, ...]
    records: NDArray[np.int64] | None  # the record of each row; None: row i is record i
    record_lines: LineNumbers
    end_problem: CsvProblem | None  # a wrong field count or malformed CSV right after the last row

    def __len__(self) -> int:
        return len(self.cells[0])

    def line(self, row: int) -> int:
        record = row if self.records is None else int(self.records[row])
        return self.record_lines[record]

    def first_cells(self, count: int) -> Rows:
        """The same rows with only their first ``count`` cells (the others' memory can go)."""
        return replace(self, cells=self.cells[:count])

    @property
    def last_line(self) -> int:
        """The line of the last row, 1 (the header) when there is none: "missing" problems name the next one."""
        return self.line(len(self) - 1) if len(self) else 1


def select_rows(records: Records, header: Sequence[str]) -> Rows:
    counts = records.field_counts
    if counts is None:
        cells = tuple(_strip(column, records.may_need_strip) for column in records.columns)
        return Rows(cells, None, records.lines, records.malformed)
    blank = counts == 0
    single = np.flatnonzero(counts == 1)
    if len(single):
        blank[single] = (_strip(records.columns[0].gather(single), records.may_need_strip) == "").to_numpy()
    wrong = np.flatnonzero(~blank & (counts != len(header)))
    end = int(wrong[0]) if len(wrong) else len(records)
    kept = np.flatnonzero(~blank[:end])
    cells = tuple(_strip(column.gather(kept), records.may_need_strip) for column in records.columns)
    if end < len(records):
        expected = ",".join(header)
        problem: CsvProblem | None = CsvProblem(
            records.lines[end], f"expected {len(header)} fields ({expected}), got {int(counts[end])}"
        )
    else:
        problem = records.malformed
    return Rows(cells, kept, records.lines, problem)


def _strip(column: Series, may_need_strip: bool) -> Series:
    return stripped(column) if may_need_strip else column.fill_null("")
