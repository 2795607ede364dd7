"""Every status change of a submission after its completion: conditional UPDATEs on the current status.

A message may be delivered twice, or redelivered after a worker died mid-scoring, and two workers may score one
submission at once: each change names the status it starts from, so only one of them takes effect, and the board
is updated (or the slot given back) only by the change that did. The final changes take the team's row lock first
(the lock order of every writer of a team's rows: team, then its quota, submissions and board rows), so they
happen one after the other with a deletion of the team's submissions.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from leaderboards.services import record_scored_submission
from scoring.scorer import Scores
from teams.models import Team

from .models import SCORABLE, Submission, SubmissionStatus
from .slots import give_back_slot


def start_scoring(submission_id: int) -> bool:
    """``queued`` (or ``scoring``, a redelivered message) -> ``scoring``; False when it is final, deleted or not yet
    completed: there is nothing to do."""
    return bool(
        Submission.objects.filter(pk=submission_id, status__in=SCORABLE).update(status=SubmissionStatus.SCORING)
    )


def finish_scored(submission: Submission, scores: Scores, row_count: int) -> bool:
    """``scoring`` -> ``scored`` with both scores, and the submission offered to both boards in the same transaction."""
    with transaction.atomic():
        Team.lock(submission.team_id)
        now = timezone.now()
        changed = Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.SCORING).update(
            status=SubmissionStatus.SCORED,
            public_score=scores.public,
            private_score=scores.private,
            row_count=row_count,
            error="",
            error_line=None,
            scored_at=now,
        )
        if changed:
            submission.status = SubmissionStatus.SCORED
            submission.public_score, submission.private_score = scores.public, scores.private
            submission.row_count, submission.scored_at = row_count, now
            record_scored_submission(submission=submission, metric=submission.competition.metric_spec)
    return bool(changed)


def finish_invalid(submission: Submission, line: int, reason: str) -> bool:
    """``scoring`` -> ``invalid`` with the first bad line and why; the daily slot is given back."""
    return _finish_unscored(
        submission, SubmissionStatus.INVALID, reason, line, from_statuses=(SubmissionStatus.SCORING,)
    )


def finish_failed(submission: Submission, reason: str, *, attempt: dt.datetime | None = None) -> bool:
    """``queued``/``scoring`` -> ``failed`` (scoring cannot finish: a metric that is not finite, a file gone, the
    retries spent); the daily slot is given back. With ``attempt`` (the ``queued_at`` the caller judged by), only if
    the submission was not requeued since: a dead letter of an earlier attempt never fails a requeued submission."""
    return _finish_unscored(submission, SubmissionStatus.FAILED, reason, None, from_statuses=SCORABLE, attempt=attempt)


def _finish_unscored(
    submission: Submission,
    status: SubmissionStatus,
    reason: str,
    line: int | None,
    *,
    from_statuses: tuple[SubmissionStatus, ...],
    attempt: dt.datetime | None = None,
) -> bool:
    current = Submission.objects.filter(pk=submission.pk, status__in=from_statuses)
    if attempt is not None:
        current = current.filter(queued_at=attempt)
    with transaction.atomic():
        Team.lock(submission.team_id)
        changed = current.update(status=status, error=reason[:2000], error_line=line, scored_at=timezone.now())
        if changed:
            give_back_slot(submission.pk, submission.team_id)
    return bool(changed)


def requeue_failed(submission: Submission) -> bool:
    """``failed`` -> ``queued`` (an operator's ``requeue_submission`` once the cause is fixed): its error cleared and
    its message to be sent again (``sent_at`` cleared). It takes no daily slot again: the failure was the platform's,
    and the slot was given back when it failed."""
    with transaction.atomic():
        Team.lock(submission.team_id)
        return bool(
            Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.FAILED).update(
                status=SubmissionStatus.QUEUED,
                error="",
                error_line=None,
                scored_at=None,
                queued_at=timezone.now(),
                sent_at=None,
            )
        )
