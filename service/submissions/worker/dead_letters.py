"""The submissions of dead-letter messages become ``failed`` with a reason a participant can read (the sweep's
second step, ``manage.py sweep_scoring``; the one place that does it).

A message reaches the dead-letter queue after ``SCORING_MAX_RECEIVES`` receives that did not finish (the redrive
policy). It is read with a short visibility and never deleted: it stays for the operators' alarm and inspection
(the dead-letter runbook in the README), and the next sweep reads it again, a no-op once its submission is failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from .. import transitions
from ..models import SCORABLE, Submission
from .in_process import retries_spent_reason
from .messages import MalformedMessage, ScoringMessage

logger = logging.getLogger(__name__)

# Long enough for one sweep to page through the queue without seeing a message twice, short enough that the
# operators' console shows the messages again soon.
LOOK_VISIBILITY_SECONDS = 30
# Receives (of 10) per sweep at most: a sweep takes seconds even with a flooded dead-letter queue.
MAX_RECEIVES_PER_SWEEP = 100
# A dead-letter message sent before its submission was queued is a previous attempt's (the submission was requeued
# since): SQS's and the database's clocks may differ by this much.
CLOCK_SKEW = dt.timedelta(seconds=30)


def fail_dead_letters(client: Any, *, queue_url: str, max_receives: int) -> int:
    """Mark the submissions of the dead-letter queue's messages ``failed``; how many changed."""
    failed = 0
    for _ in range(MAX_RECEIVES_PER_SWEEP):
        response = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=LOOK_VISIBILITY_SECONDS,
            MessageSystemAttributeNames=["SentTimestamp"],
        )
        messages = response.get("Messages", [])
        if not messages:
            break
        failed += sum(_fail(message, max_receives) for message in messages)
    return failed


def _fail(message: dict[str, Any], max_receives: int) -> bool:
    body = message["Body"]
    try:
        submission_id = ScoringMessage.decode(body).submission_id
    except MalformedMessage:
        logger.error("malformed message in the dead-letter queue: %r", body[:200])
        return False
    submission = Submission.objects.filter(pk=submission_id, status__in=SCORABLE).first()
    if submission is None or not _of_this_attempt(message, submission):
        return False  # gone, already final (the usual case: an earlier sweep failed it), or an earlier attempt's
    # Guarded by the attempt judged here: a requeue committing meanwhile is not failed by this old message.
    changed = transitions.finish_failed(submission, retries_spent_reason(max_receives), attempt=submission.queued_at)
    if changed:
        logger.error(
            "submission %s failed: its message reached the dead-letter queue",
            submission_id,
            extra={"submission_id": submission_id},
        )
    return changed


def _of_this_attempt(message: dict[str, Any], submission: Submission) -> bool:
    """False for the message of an attempt before the submission was requeued (``requeue_submission``)."""
    sent_ms = message.get("Attributes", {}).get("SentTimestamp")
    if sent_ms is None or submission.queued_at is None:
        return True
    sent = dt.datetime.fromtimestamp(int(sent_ms) / 1000, tz=dt.UTC)
    return sent >= submission.queued_at - CLOCK_SKEW
