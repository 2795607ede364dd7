"""Evaluation metrics as numpy reductions over aligned arrays, with the definitions of ``competitions/metrics.py``.

Labels are integer codes (any coding: two arrays compare equal where the labels are equal); numbers are float64.
Sums use numpy's pairwise summation: the result equals the row-by-row functions' (left-to-right sums) up to
rounding (relative 1e-12 in the tests), is the same on every CPU (no BLAS), and does not depend on the order of
the rows in a submission (they are aligned to the ground truth first).
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

Labels = NDArray[np.integer]
Numbers = NDArray[np.floating]


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


def accuracy(expected: Labels, predicted: Labels) -> float:
    """The share of rows whose predicted label is the expected one."""
    _check_labels(expected, predicted)
    return _finite("accuracy", int(np.count_nonzero(expected == predicted)) / len(expected))


def macro_f1(expected: Labels, predicted: Labels) -> float:
    """Unweighted mean of the per-label F1 over every label seen in either array (like scikit-learn's
    ``f1_score(average="macro")`` with the union of both as ``labels``)."""
    _check_labels(expected, predicted)
    size = int(max(expected.max(), predicted.max())) + 1
    true_count = np.bincount(expected, minlength=size)
    predicted_count = np.bincount(predicted, minlength=size)
    true_positive = np.bincount(expected[expected == predicted], minlength=size)
    seen = (true_count + predicted_count) > 0
    per_label = 2 * true_positive[seen] / (true_count[seen] + predicted_count[seen])
    return _finite("macro_f1", float(np.mean(per_label)))


def rmse(expected: Numbers, predicted: Numbers) -> float:
    """Root of the mean squared difference."""
    _check_numbers(expected, predicted)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow gives inf, refused by _finite
        difference = predicted - expected
        return _finite("rmse", math.sqrt(float(np.sum(np.square(difference))) / len(difference)))


def mae(expected: Numbers, predicted: Numbers) -> float:
    """Mean absolute difference."""
    _check_numbers(expected, predicted)
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite("mae", float(np.sum(np.abs(predicted - expected))) / len(expected))


def _check_same_rows(expected: NDArray[np.generic], predicted: NDArray[np.generic]) -> None:
    if expected.shape != predicted.shape or expected.ndim != 1:
        raise ValueError(
            f"expected and predicted must be aligned 1-d arrays, got {expected.shape} and {predicted.shape}"
        )
    if not len(expected):
        raise ValueError("cannot score an empty set of rows")


def _check_labels(expected: Labels, predicted: Labels) -> None:
    _check_same_rows(expected, predicted)
    for name, codes in (("expected", expected), ("predicted", predicted)):
        if not np.issubdtype(codes.dtype, np.integer) or int(codes.min()) < 0:
            raise ValueError(f"{name} labels must be non-negative integer codes")


def _check_numbers(expected: Numbers, predicted: Numbers) -> None:
    _check_same_rows(expected, predicted)
    for name, values in (("expected", expected), ("predicted", predicted)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} values must be finite numbers (NaN and infinity are refused)")


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} is not finite")
    return value
