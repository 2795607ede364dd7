"""Scoring a predictions file on the Public and Private parts of a ground truth in one pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .ground_truth import GroundTruth
from .metrics import Metric, accuracy, macro_f1, mae, rmse
from .predictions import AlignedPredictions, read_predictions
from .upload_reading import BinaryStream, SizeLimits

# Numbers for rmse and mae, label codes for accuracy and macro_f1: the ground truth's metric decides.
METRIC_FUNCTIONS: dict[Metric, Callable[[NDArray[Any], NDArray[Any], NDArray[np.bool_]], float]] = {
    Metric.ACCURACY: accuracy,
    Metric.MACRO_F1: macro_f1,
    Metric.RMSE: rmse,
    Metric.MAE: mae,
}


@dataclass(frozen=True)
class Scores:
    public: float
    private: float


def score_predictions(stream: BinaryStream, truth: GroundTruth, limits: SizeLimits) -> Scores:
    """Validate ``stream`` against ``truth`` (``CsvProblem`` on the first bad line) and score both parts.

    A ``ValueError`` means the metric itself is not finite (e.g. rmse overflowing): the submission failed.
    """
    return score_aligned(read_predictions(stream, truth, limits), truth)


def score_aligned(predictions: AlignedPredictions, truth: GroundTruth) -> Scores:
    function = METRIC_FUNCTIONS[truth.metric]
    expected = truth.expected_values
    predicted = predictions.values
    public = function(expected, predicted, truth.is_public)
    return Scores(public, function(expected, predicted, truth.is_private))
