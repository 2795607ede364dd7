"""Aligning a submission's rows to the ground truth's by id, with vectorized hashing and sorting.

Two fast answers for a submission holding every ground-truth id exactly once: the same order as the ground truth
(one comparison of the columns), or any order (64-bit hashes sorted, then the strings compared in that order, so
a hash collision can only make the fast path give up, never misalign). Everything else (unknown, repeated or
missing ids) is found by a hash join in ``truth_rows_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from . import row_rules


class IdIndex:
    """The ground truth's rows ordered by the hash of their id (built once per ground truth)."""

    def __init__(self, ids: pl.Series) -> None:
        hashes = row_rules.id_hashes(ids)
        self.order = np.argsort(hashes)
        self.sorted_hashes = hashes[self.order]
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
    hashes = row_rules.id_hashes(ids)
    order = np.argsort(hashes)
    if not np.array_equal(hashes[order], index_of_truth.sorted_hashes):
        return None
    del hashes
    truth_rows = np.empty(len(ids), dtype=np.int64)
    truth_rows[order] = index_of_truth.order
    del order
    if not truth_ids.gather(truth_rows).equals(ids, check_names=False):
        return None  # equal hashes of different ids: the exact path decides
    return Alignment(truth_rows)


def truth_rows_of(ids: pl.Series, index_of_truth: IdIndex) -> NDArray[np.int64]:
    """The ground-truth row of each id, -1 for an id the ground truth does not have (a hash join)."""
    truth = pl.DataFrame({"id": index_of_truth.ids, "truth_row": np.arange(len(index_of_truth.ids), dtype=np.int64)})
    joined = pl.DataFrame({"id": ids}).join(truth, on="id", how="left", maintain_order="left")
    return joined["truth_row"].fill_null(-1).to_numpy()
