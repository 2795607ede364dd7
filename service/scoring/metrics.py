"""Evaluation metrics as numpy reductions over aligned arrays, with the definitions of ``competitions/metrics.py``.

Labels are integer codes (any coding: two arrays compare equal where the labels are equal); numbers are float64.
Every metric takes an optional row mask ``where`` (the Public or the Private part), so that both parts are
scored from the same aligned arrays without copying them. Results equal the row-by-row functions' up to rounding
(relative 1e-12 in the tests), are the same on every CPU (no BLAS), and do not depend on the order of the rows
in a submission (they are aligned to the ground truth first).
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

Labels = NDArray[np.integer]
Numbers = NDArray[np.floating]
RowMask = NDArray[np.bool_]


class Metric(StrEnum):
    """The metrics a competition can use; the values are the names stored on a competition."""

    ACCURACY = "accuracy"
    MACRO_F1 = "macro_f1"
    RMSE = "rmse"
    MAE = "mae"

    @property
    def numeric(self) -> bool:
        """Numbers (rmse, mae) or labels (accuracy, macro_f1)."""
        return self in (Metric.RMSE, Metric.MAE)

    @property
    def higher_is_better(self) -> bool:
        return not self.numeric


def accuracy(expected: Labels, predicted: Labels, where: RowMask | None = None) -> float:
    """The share of rows whose predicted label is the expected one."""
    expected, predicted = _selected_labels(expected, predicted, where)
    return _finite("accuracy", int(np.count_nonzero(expected == predicted)) / len(expected))


def macro_f1(expected: Labels, predicted: Labels, where: RowMask | None = None) -> float:
    """Unweighted mean of the per-label F1 over every label seen in either array (like scikit-learn's
    ``f1_score(average="macro")`` with the union of both as ``labels``)."""
    expected, predicted = _selected_labels(expected, predicted, where)
    size = int(max(expected.max(), predicted.max())) + 1
    true_count = np.bincount(expected, minlength=size)
    predicted_count = np.bincount(predicted, minlength=size)
    true_positive = np.bincount(expected[expected == predicted], minlength=size)
    seen = (true_count + predicted_count) > 0
    per_label = 2 * true_positive[seen] / (true_count[seen] + predicted_count[seen])
    return _finite("macro_f1", float(np.mean(per_label)))


def rmse(expected: Numbers, predicted: Numbers, where: RowMask | None = None) -> float:
    """Root of the mean squared difference."""
    rows = _check_numbers(expected, predicted, where)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow gives inf, refused by _finite
        squared = np.subtract(predicted, expected, dtype=np.float64)
        np.square(squared, out=squared)
        return _finite("rmse", math.sqrt(_sum(squared, where) / rows))


def mae(expected: Numbers, predicted: Numbers, where: RowMask | None = None) -> float:
    """Mean absolute difference."""
    rows = _check_numbers(expected, predicted, where)
    with np.errstate(over="ignore", invalid="ignore"):
        absolute = np.subtract(predicted, expected, dtype=np.float64)
        np.abs(absolute, out=absolute)
        return _finite("mae", _sum(absolute, where) / rows)


def _sum(values: NDArray[np.float64], where: RowMask | None) -> float:
    return float(np.sum(values) if where is None else np.sum(values, where=where))


def _rows(expected: NDArray[np.generic], predicted: NDArray[np.generic], where: RowMask | None) -> int:
    """How many rows are scored; the arrays must be aligned, the mask (if any) as long as them."""
    if expected.shape != predicted.shape or expected.ndim != 1:
        shapes = f"{expected.shape} and {predicted.shape}"
        raise ValueError(f"expected and predicted must be aligned 1-d arrays, got {shapes}")
    if where is not None and (where.shape != expected.shape or where.dtype != np.bool_):
        raise ValueError("where must be a boolean mask with one entry per row")
    rows = len(expected) if where is None else int(np.count_nonzero(where))
    if not rows:
        raise ValueError("cannot score an empty set of rows")
    return rows


def _selected_labels(expected: Labels, predicted: Labels, where: RowMask | None) -> tuple[Labels, Labels]:
    _rows(expected, predicted, where)
    if where is not None:
        expected, predicted = expected[where], predicted[where]
    for name, codes in (("expected", expected), ("predicted", predicted)):
        if not np.issubdtype(codes.dtype, np.integer) or int(codes.min()) < 0:
            raise ValueError(f"{name} labels must be non-negative integer codes")
    return expected, predicted


def _check_numbers(expected: Numbers, predicted: Numbers, where: RowMask | None) -> int:
    rows = _rows(expected, predicted, where)
    for name, values in (("expected", expected), ("predicted", predicted)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} values must be finite numbers (NaN and infinity are refused)")
    return rows


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} is not finite")
    return value
