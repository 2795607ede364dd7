"""Rules over whole columns of rows, and the first row that breaks one of them.

The row-by-row parsers checked each row against their rules in a fixed order and stopped at the first failure.
Here each rule gives the first row breaking it (or None); the reported problem is the earliest row, and on one
row the earliest rule: the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .problems import CsvProblem
from .rows import Rows

# Any fixed seed: hashes only pick candidates, strings are compared before anything is concluded.
ID_HASH_SEED = 20_251_110


@dataclass(frozen=True)
class RowRule:
    first_row: int | None  # the first row breaking the rule, None when none does
    reason: Callable[[int], str]  # the message for that row


def first_true(mask: NDArray[np.bool_]) -> int | None:
    return int(np.argmax(mask)) if mask.any() else None


def first_problem(rows: Rows, rules: Sequence[RowRule]) -> CsvProblem | None:
    """The earliest row breaking a rule (the earliest rule on that row), else what ends the rows, else None."""
    broken = [(rule.first_row, order) for order, rule in enumerate(rules) if rule.first_row is not None]
    if broken:
        row, order = min(broken)
        return CsvProblem(rows.line(row), rules[order].reason(row))
    return rows.end_problem


def id_hashes(ids: pl.Series) -> NDArray[np.uint64]:
    """A 64-bit hash of each id (polars' own, fast and multi-threaded); equal ids, equal hashes."""
    return ids.hash(ID_HASH_SEED).to_numpy()


def first_duplicate(ids: pl.Series) -> tuple[int, int] | None:
    """(row, first row with the same id) for the first row whose id appeared before, or None."""
    hashes = np.sort(id_hashes(ids))
    if not np.any(hashes[1:] == hashes[:-1]):
        return None  # distinct hashes: distinct ids
    row = first_true(~ids.is_first_distinct().to_numpy())
    if row is None:
        return None
    first = int(np.argmax((ids.slice(0, row) == ids[row]).to_numpy()))
    return row, first


def duplicate_rule(rows: Rows, ids: pl.Series) -> RowRule:
    """The rule both files share: an id appears on one line only (``rows_with_unique_ids``)."""
    duplicate = first_duplicate(ids)
    if duplicate is None:
        return RowRule(None, str)
    row, first = duplicate
    return RowRule(row, lambda _: f"id '{ids[row]}' appears more than once (first on line {rows.line(first)})")
