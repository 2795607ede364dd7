"""The row-by-row scorer: both parts of validated predictions, one Python object per row."""

from __future__ import annotations

from .metrics import MetricSpec
from .predictions import Predictions

PUBLIC, PRIVATE = "Public", "Private"


def score_predictions(
    ground_truth_rows: dict[str, list[object]], predictions: Predictions, metric: MetricSpec
) -> tuple[float, float]:
    """(public score, private score) of validated predictions."""
    parts: dict[str, tuple[list[object], list[object]]] = {PUBLIC: ([], []), PRIVATE: ([], [])}
    for row_id, (expected, usage) in ground_truth_rows.items():
        expected_values, predicted_values = parts[str(usage)]
        expected_values.append(expected)
        predicted_values.append(predictions[row_id])
    return metric.score(*parts[PUBLIC]), metric.score(*parts[PRIVATE])
