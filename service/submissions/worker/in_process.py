"""The embedded default (no ``SCORING_QUEUE_URL``): the worker's unit of work in the process that queued it.

The same retries as the queue: an error a retry may cure is retried up to ``SCORING_MAX_RECEIVES`` times, then the
submission is ``failed`` with a reason a participant can read (what the dead-letter queue does in AWS).
"""

from __future__ import annotations

import logging

from django.conf import settings

from .. import transitions
from ..models import Submission
from .scoring import Outcome, score_submission

logger = logging.getLogger(__name__)


def retries_spent_reason(attempts: int) -> str:
    return (
        f"scoring did not finish after {attempts} attempts (the platform's operators are alerted); "
        "your daily slot was given back"
    )


def run(submission_id: int) -> Outcome:
    attempts: int = settings.SCORING_MAX_RECEIVES
    for attempt in range(1, attempts + 1):
        try:
            return score_submission(submission_id)
        except Exception:  # what a retry may cure; the last one ends the submission below
            logger.exception(
                "scoring submission %s failed (attempt %s of %s)",
                submission_id,
                attempt,
                attempts,
                extra={"submission_id": submission_id},
            )
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is not None and transitions.finish_failed(submission, retries_spent_reason(attempts)):
        return Outcome.FAILED
    return Outcome.NOTHING_TO_DO
