"""Evaluation metrics: pure functions over aligned lists of expected and predicted values.

The metric of a competition decides the type of the values (labels or numbers) and whether a higher score is
better. Nothing here knows about Django, files or requests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def accuracy(expected: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(1 for e, p in zip(expected, predicted, strict=True) if e == p) / len(expected)


def macro_f1(expected: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 over every label seen in either list (like scikit-learn)."""
    labels = set(expected) | set(predicted)
    true_pos = dict.fromkeys(labels, 0)
    pred_count = dict.fromkeys(labels, 0)
    true_count = dict.fromkeys(labels, 0)
    for e, p in zip(expected, predicted, strict=True):
        true_count[e] += 1
        pred_count[p] += 1
        if e == p:
            true_pos[e] += 1
    total = 0.0
    for label in labels:
        denominator = true_count[label] + pred_count[label]
        total += 2 * true_pos[label] / denominator if denominator else 0.0
    return total / len(labels)


def rmse(expected: Sequence[float], predicted: Sequence[float]) -> float:
    return math.sqrt(sum((e - p) ** 2 for e, p in zip(expected, predicted, strict=True)) / len(expected))


def mae(expected: Sequence[float], predicted: Sequence[float]) -> float:
    return sum(abs(e - p) for e, p in zip(expected, predicted, strict=True)) / len(expected)


@dataclass(frozen=True)
class MetricSpec:
    name: str
    higher_is_better: bool
    numeric: bool
    function: Callable[[Sequence[Any], Sequence[Any]], float]

    def score(self, expected: Sequence[Any], predicted: Sequence[Any]) -> float:
        if not expected:
            raise ValueError("cannot score an empty set of rows")
        value = float(self.function(expected, predicted))
        if not math.isfinite(value):
            raise ValueError(f"{self.name} is not finite")
        return value

    def parse_value(self, raw: str) -> object | None:
        """A cell of a ground-truth or predictions file: a finite number for numeric metrics, a non-empty label
        otherwise; None when it is not one."""
        if self.numeric:
            return parse_number(raw)
        return raw or None

    def sort_key(self, score: float) -> float:
        """A value where larger is always better: the leaderboard orders by it descending."""
        return score if self.higher_is_better else -score


METRICS: dict[str, MetricSpec] = {
    "accuracy": MetricSpec("accuracy", higher_is_better=True, numeric=False, function=accuracy),
    "macro_f1": MetricSpec("macro_f1", higher_is_better=True, numeric=False, function=macro_f1),
    "rmse": MetricSpec("rmse", higher_is_better=False, numeric=True, function=rmse),
    "mae": MetricSpec("mae", higher_is_better=False, numeric=True, function=mae),
}


def parse_number(raw: str) -> float | None:
    """A finite float, or None when the text is not one."""
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
