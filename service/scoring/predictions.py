"""Validating a predictions file (``id,prediction``) against a ground truth, aligned to it by id.

Rules and messages are those of the previous release's ``parse_predictions`` (``tests/row_by_row/``): every
ground-truth id exactly once, no unknown id, a finite number (rmse, mae) or a non-empty label (accuracy, macro_f1)
per row; the first bad line is named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .cells import parse_numbers
from .ground_truth import GroundTruth
from .id_alignment import Alignment, align_all_ids, truth_rows_of
from .problems import CsvProblem
from .records import read_records
from .row_rules import RowRule, duplicate_rule, first_problem, first_true
from .rows import Rows, select_rows
from .upload_reading import BinaryStream, SizeLimits, read_upload

HEADER = ("id", "prediction")


@dataclass(frozen=True)
class AlignedPredictions:
    """One predicted value per ground-truth row, in the ground truth's order: float64 numbers, or label codes
    that share the ground truth's ``label_dictionary`` (labels it lacks get the codes after it)."""

    values: NDArray[np.generic]


def read_predictions(stream: BinaryStream, truth: GroundTruth, limits: SizeLimits) -> AlignedPredictions:
    """The validated predictions of ``stream``; a ``CsvProblem`` naming the first bad line otherwise."""
    rows = select_rows(read_records(read_upload(stream, limits), HEADER), HEADER)
    ids, predicted = rows.cells
    if truth.metric.numeric:
        values: NDArray[np.generic] = parse_numbers(predicted)
        invalid = np.isnan(values)
    else:
        values = label_codes(predicted, truth.label_dictionary)
        invalid = (predicted == "").to_numpy()
    if invalid.any():
        raise _first_problem(rows, truth, invalid)
    del predicted
    rows = rows.first_cells(1)  # the predictions' text is no longer needed: its memory goes
    alignment = None if rows.end_problem else align_all_ids(ids, truth.ids, lambda: truth.id_index)
    if alignment is None:
        alignment = _alignment_or_first_problem(rows, truth)
    return AlignedPredictions(alignment.to_truth_order(values))


def label_codes(labels: pl.Series, dictionary: pl.Series) -> NDArray[np.generic]:
    """Codes of ``labels`` in ``dictionary`` extended (sorted) with the labels it does not have."""
    distinct = labels.unique()
    extended = pl.concat([dictionary, distinct.filter(~distinct.is_in(dictionary.implode())).sort()])
    return labels.cast(pl.Enum(extended)).to_physical().to_numpy()


def _first_problem(rows: Rows, truth: GroundTruth, invalid: NDArray[np.bool_]) -> CsvProblem:
    """The first problem of a file with invalid predictions: on the first of them, or on an earlier row."""
    ids, predicted = rows.cells
    numeric = truth.metric.numeric

    def invalid_reason(row: int) -> str:
        if numeric:
            return f"prediction '{str(predicted[row])[:100]}' for id '{ids[row]}' is not a finite number"
        return f"the prediction for id '{ids[row]}' is empty"

    rules = [*_id_rules(rows, truth_rows_of(ids, truth.id_index)), RowRule(first_true(invalid), invalid_reason)]
    problem = first_problem(rows, rules)
    if problem is None:
        raise AssertionError("a file with an invalid prediction always has a first problem")
    return problem


def _id_rules(rows: Rows, truth_rows: NDArray[np.int64]) -> list[RowRule]:
    """Each id once, and only ids of the ground truth (``truth_rows`` is -1 for the others)."""
    ids = rows.cells[0]
    return [
        duplicate_rule(rows, ids),
        RowRule(first_true(truth_rows < 0), lambda row: f"unknown id '{str(ids[row])[:100]}'"),
    ]


def _alignment_or_first_problem(rows: Rows, truth: GroundTruth) -> Alignment:
    """The slow, exact path: each id's ground-truth row by a join, then the id rules as columns."""
    ids = rows.cells[0]
    truth_rows = truth_rows_of(ids, truth.id_index)
    problem = first_problem(rows, _id_rules(rows, truth_rows))
    if problem is not None:
        raise problem
    if len(ids) < len(truth):
        covered = np.zeros(len(truth), dtype=np.bool_)
        covered[truth_rows] = True
        first_missing = int(np.argmin(covered))
        raise CsvProblem(
            rows.last_line + 1,
            f"the file ends without predictions for {len(truth) - len(ids)} id(s), "
            f"the first being '{truth.ids[first_missing]}'",
        )
    return Alignment(truth_rows)
