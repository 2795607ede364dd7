"""Validating a predictions file (``id,prediction``) against the ground truth, naming the first bad line."""

from __future__ import annotations

from typing import IO

from .csv_files import CsvProblem, metric_value, read_text, rows_with_unique_ids
from .metrics import MetricSpec

HEADER = ("id", "prediction")

Predictions = dict[str, object]  # id -> predicted label (str) or value (float)


def parse_predictions(
    upload: IO[bytes], ground_truth_rows: dict[str, list[object]], metric: MetricSpec, max_bytes: int
) -> Predictions:
    """Every ground-truth id once, no unknown ids, values of the metric's type; else ``CsvProblem``."""
    text = read_text(upload, max_bytes)
    predictions: Predictions = {}
    last_line = 1
    for line, (row_id, raw) in rows_with_unique_ids(text, HEADER):
        last_line = line
        if row_id not in ground_truth_rows:
            raise CsvProblem(line, f"unknown id '{row_id[:100]}'")
        predictions[row_id] = metric_value(
            metric,
            raw,
            line,
            not_a_number=f"prediction '{raw[:100]}' for id '{row_id}' is not a finite number",
            empty=f"the prediction for id '{row_id}' is empty",
        )
    if len(predictions) != len(ground_truth_rows):
        missing = [row_id for row_id in ground_truth_rows if row_id not in predictions]
        raise CsvProblem(
            last_line + 1,
            f"the file ends without predictions for {len(missing)} id(s), the first being '{missing[0]}'",
        )
    return predictions
