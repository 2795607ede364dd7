"""Aligning a submission's rows to the ground truth's by id, with vectorized hashing and sorting.

Two fast answers for a submission holding every ground-truth id exactly once: the same order as the ground truth
(one comparison of the columns), or any order. For any order, each row's 64-bit id hash has its low bits replaced
by the row number and the keys are sorted (one ``np.sort`` of integers, ~10x faster than an ``argsort``); rows of
the submission and of the ground truth then pair up by position. The strings are compared after pairing, so a
hash collision can only cost time, never misalign: rows whose hashes agree in their high bits may pair wrongly,
and those few are paired again by their ids. Everything else (unknown, repeated or missing ids) is found by a hash
join in ``truth_rows_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from . import row_rules

# Rows paired wrongly by colliding hash prefixes are paired again one by one, up to this many (about 45 at
# 10,000,000 rows with 40 bits of hash left); more means the ids differ, which the exact path reports.
REPAIR_LIMIT = 10_000


def sorted_by_hash(hashes: NDArray[np.uint64]) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """(the hashes with their low bits cleared, ascending; the row of each)."""
    row_bits = max(1, (len(hashes) - 1).bit_length())
    low = np.uint64((1 << row_bits) - 1)
    keys = (hashes & ~low) | np.arange(len(hashes), dtype=np.uint64)
    keys.sort()
    rows = (keys & low).astype(np.int64)
    keys &= ~low
    return keys, rows


class IdIndex:
    """The ground truth's rows ordered by the hash of their id (built once per ground truth)."""

    def __init__(self, ids: pl.Series) -> None:
        self.hash_prefixes, self.order = sorted_by_hash(row_rules.id_hashes(ids))
        self.ids = ids


@dataclass(frozen=True)
class Alignment:
    """Where each submission row goes in the ground truth's order."""

    truth_rows: NDArray[np.int64] | None  # None: the submission is in the ground truth's order

    def to_truth_order(self, values: NDArray[np.generic]) -> NDArray[np.generic]:
        if self.truth_rows is None:
            return values
        aligned = np.empty_like(values)
        aligned[self.truth_rows] = values
        return aligned


def align_all_ids(ids: pl.Series, truth_ids: pl.Series, truth_index: Callable[[], IdIndex]) -> Alignment | None:
    """The alignment when ``ids`` are the ground truth's ids, each once, in any order; else None.

    ``truth_index`` is only called when the orders differ (the index is built once per ground truth).
    """
    if len(ids) != len(truth_ids):
        return None
    if ids.equals(truth_ids, check_names=False):
        return Alignment(None)
    index_of_truth = truth_index()
    prefixes, order = sorted_by_hash(row_rules.id_hashes(ids))
    if not np.array_equal(prefixes, index_of_truth.hash_prefixes):
        return None
    del prefixes
    truth_rows = np.empty(len(ids), dtype=np.int64)
    truth_rows[order] = index_of_truth.order
    del order
    paired_wrongly = np.flatnonzero((truth_ids.gather(truth_rows) != ids).to_numpy())
    if len(paired_wrongly) and not _pair_again(ids, truth_ids, truth_rows, paired_wrongly):
        return None
    return Alignment(truth_rows)


def _pair_again(ids: pl.Series, truth_ids: pl.Series, truth_rows: NDArray[np.int64], rows: NDArray[np.int64]) -> bool:
    """Pair ``rows`` with the ground-truth rows they took, by id; False when their ids are not exactly those."""
    if len(rows) > REPAIR_LIMIT:
        return False
    taken = truth_rows[rows].tolist()
    truth_row_of = dict(zip(truth_ids.gather(taken).to_list(), taken, strict=True))
    repaired: list[int] = []
    for row_id in ids.gather(rows).to_list():
        truth_row = truth_row_of.get(row_id)
        if truth_row is None:
            return False
        repaired.append(truth_row)
    if sorted(repaired) != sorted(taken):  # a repeated id took another's row
        return False
    truth_rows[rows] = repaired
    return True


def truth_rows_of(ids: pl.Series, index_of_truth: IdIndex) -> NDArray[np.int64]:
    """The ground-truth row of each id, -1 for an id the ground truth does not have (a hash join)."""
    truth = pl.DataFrame({"id": index_of_truth.ids, "truth_row": np.arange(len(index_of_truth.ids), dtype=np.int64)})
    joined = pl.DataFrame({"id": ids}).join(truth, on="id", how="left", maintain_order="left")
    return joined["truth_row"].fill_null(-1).to_numpy()
