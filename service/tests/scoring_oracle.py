"""Today's row-by-row parsers and scorer, run side by side with the scoring engine by the parity tests.

Every import of the old path is here, so that moving those modules touches one file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from competitions.csv_files import CsvProblem as RowByRowProblem
from competitions.ground_truth import parse_ground_truth as parse_ground_truth_row_by_row
from competitions.metrics import METRICS
from scoring.ground_truth import GroundTruth, parse_ground_truth
from scoring.metrics import Metric
from scoring.problems import CsvProblem
from scoring.scorer import score_predictions
from scoring.upload_reading import SizeLimits
from submissions.predictions import parse_predictions as parse_predictions_row_by_row
from submissions.scoring import score_predictions as score_predictions_row_by_row

LABEL_TRUTH = (
    b"id,expected,usage\na,cat,Public\nb,dog,Private\nc,cat,Public\nd,dog,Private\ne,bird,Public\nf,cat,Private\n"
)
NUMBER_TRUTH = b"id,expected,usage\na,1.5,Public\nb,2,Private\nc,-3,Public\nd,0,Private\ne,10,Public\nf,1e-3,Private\n"
MAX_BYTES = 1 << 20
LIMITS = SizeLimits(max_bytes=MAX_BYTES, max_decompressed_bytes=MAX_BYTES)


@dataclass(frozen=True)
class Outcome:
    """A file's verdict: the first problem (line, reason), or the scores / ground-truth rows it produced."""

    problem: tuple[int, str] | None = None
    scores: tuple[float, float] | None = None
    rows: dict[str, list[object]] | None = None
    scoring_failed: bool = False  # valid, but the metric is not finite (the submission is marked failed)

    def assert_matches(self, other: Outcome) -> None:
        assert self.problem == other.problem
        assert self.scoring_failed == other.scoring_failed
        if self.scores is not None or other.scores is not None:
            assert self.scores == pytest.approx(other.scores, rel=1e-12, abs=1e-15)
        assert self.rows == other.rows


def predictions_row_by_row(data: bytes, truth_csv: bytes, metric: str, max_bytes: int = MAX_BYTES) -> Outcome:
    spec = METRICS[metric]
    truth = parse_ground_truth_row_by_row(io.BytesIO(truth_csv), spec, MAX_BYTES)
    try:
        predictions = parse_predictions_row_by_row(io.BytesIO(data), truth.rows, spec, max_bytes)
    except RowByRowProblem as problem:
        return Outcome(problem=(problem.line, problem.reason))
    try:
        return Outcome(scores=score_predictions_row_by_row(truth.rows, predictions, spec))
    except (ValueError, OverflowError):  # what score_submission turned into a failed submission
        return Outcome(scoring_failed=True)


def predictions_columnar(data: bytes, truth: GroundTruth, limits: SizeLimits = LIMITS) -> Outcome:
    try:
        scores = score_predictions(io.BytesIO(data), truth, limits)
    except CsvProblem as problem:
        return Outcome(problem=(problem.line, problem.reason))
    except ValueError:
        return Outcome(scoring_failed=True)
    return Outcome(scores=(scores.public, scores.private))


def ground_truth_row_by_row(data: bytes, metric: str, max_bytes: int = MAX_BYTES) -> Outcome:
    try:
        parsed = parse_ground_truth_row_by_row(io.BytesIO(data), METRICS[metric], max_bytes)
    except RowByRowProblem as problem:
        return Outcome(problem=(problem.line, problem.reason))
    return Outcome(rows=parsed.rows)


def ground_truth_columnar(data: bytes, metric: str, limits: SizeLimits = LIMITS) -> Outcome:
    try:
        truth = parse_ground_truth(io.BytesIO(data), Metric(metric), limits)
    except CsvProblem as problem:
        return Outcome(problem=(problem.line, problem.reason))
    return Outcome(rows=rows_of(truth))


def rows_of(truth: GroundTruth) -> dict[str, list[object]]:
    """The ground truth in the row-by-row parser's shape: id -> [expected, usage]."""
    usages = ["Public" if public else "Private" for public in truth.is_public.tolist()]
    return {
        row_id: [expected, usage]
        for row_id, expected, usage in zip(truth.ids.to_list(), truth.expected.to_list(), usages, strict=True)
    }


def truth_of(truth_csv: bytes, metric: str) -> GroundTruth:
    return parse_ground_truth(io.BytesIO(truth_csv), Metric(metric), LIMITS)
