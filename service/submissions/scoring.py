"""The SubmissionScorer: scores a stored submission against the Public and Private parts of the ground truth.

``score_submission`` depends on nothing from the request, so it can move to a worker queue unchanged. A
submission whose scoring fails is marked failed and never reaches a leaderboard.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from competitions.metrics import MetricSpec
from competitions.models import GroundTruth, Usage
from leaderboards.services import record_scored_submission
from teams.models import Team

from .models import Submission, SubmissionStatus
from .predictions import Predictions, parse_predictions

logger = logging.getLogger(__name__)


def score_predictions(
    ground_truth_rows: dict[str, list[object]], predictions: Predictions, metric: MetricSpec
) -> tuple[float, float]:
    """(public score, private score) of validated predictions."""
    parts: dict[str, tuple[list[object], list[object]]] = {Usage.PUBLIC: ([], []), Usage.PRIVATE: ([], [])}
    for row_id, (expected, usage) in ground_truth_rows.items():
        expected_values, predicted_values = parts[str(usage)]
        expected_values.append(expected)
        predicted_values.append(predictions[row_id])
    return metric.score(*parts[Usage.PUBLIC]), metric.score(*parts[Usage.PRIVATE])


def score_submission(submission: Submission, predictions: Predictions | None = None) -> Submission:
    """Score one pending submission; ``predictions`` saves re-reading the file when the caller has them."""
    competition = submission.competition
    try:
        ground_truth = GroundTruth.objects.get(competition=competition)
        if predictions is None:
            with submission.file.open("rb") as stored:
                predictions = parse_predictions(
                    stored, ground_truth.rows, competition.metric_spec, settings.SUBMISSION_MAX_BYTES
                )
        public_score, private_score = score_predictions(ground_truth.rows, predictions, competition.metric_spec)
    except Exception as exc:  # any failure marks the submission failed; it must never rank
        logger.exception("scoring submission %s failed", submission.pk)
        Submission.objects.filter(pk=submission.pk).update(
            status=SubmissionStatus.FAILED,
            error=f"scoring failed: {type(exc).__name__}",
            scored_at=timezone.now(),
        )
        submission.refresh_from_db()
        return submission
    with transaction.atomic():
        # The team's row lock orders this after (or before) a deletion of the team's submissions, which rewrites
        # the same board rows; a submission deleted before it was scored has nothing left to rank.
        Team.lock(submission.team_id)
        submission.status = SubmissionStatus.SCORED
        submission.public_score = public_score
        submission.private_score = private_score
        submission.scored_at = timezone.now()
        fields = ["status", "public_score", "private_score", "scored_at"]
        if Submission.objects.filter(pk=submission.pk).update(**{name: getattr(submission, name) for name in fields}):
            record_scored_submission(submission=submission, metric=competition.metric_spec)
    return submission
