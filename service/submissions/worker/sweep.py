"""``manage.py sweep_scoring``: what the request path and the workers leave for later, made good. Idempotent and
quick; infra runs it every 5 minutes (an ECS RunTask of the worker's task definition).

1. ``queued`` submissions whose message may be lost (the send failed or the web task died after the commit) are
   sent again (``Submission.objects.message_may_be_lost``);
2. the submissions of dead-letter messages become ``failed`` (``dead_letters``);
3. ``awaiting_upload`` submissions whose ticket expired are deleted: they never took a daily slot, were never scored,
   and an upload with their ticket is no longer possible (the object, tagged ``upload=pending``, expires by the
   bucket's lifecycle rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Submission, SubmissionStatus
from . import dispatch
from .dead_letters import fail_dead_letters

# An upload that started just before its ticket expired may finish, and be completed, a while after.
TICKET_MARGIN = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SweepCounts:
    resent: int
    not_sent: int
    failed: int
    deleted: int

    def summary(self) -> str:
        return (
            f"sweep_scoring: resent {self.resent} queued submission(s) ({self.not_sent} could not be sent), "
            f"failed {self.failed} from dead letters, deleted {self.deleted} expired upload ticket(s)"
        )


def sweep() -> SweepCounts:
    resent, not_sent = resend_lost_messages()
    return SweepCounts(resent=resent, not_sent=not_sent, failed=fail_dead_lettered(), deleted=delete_expired_tickets())


def resend_lost_messages() -> tuple[int, int]:
    """(sent, not sent) among the queued submissions whose message may be lost."""
    sent = not_sent = 0
    for submission_id in Submission.objects.message_may_be_lost().order_by("pk").values_list("pk", flat=True):
        if dispatch.send(submission_id):
            sent += 1
        else:
            not_sent += 1
    return sent, not_sent


def fail_dead_lettered() -> int:
    if not settings.SCORING_DEAD_LETTER_QUEUE_URL:  # no queues (local): in-process scoring fails them itself
        return 0
    return fail_dead_letters(
        dispatch.sqs_client(),
        queue_url=settings.SCORING_DEAD_LETTER_QUEUE_URL,
        max_receives=settings.SCORING_MAX_RECEIVES,
    )


def delete_expired_tickets() -> int:
    cutoff = timezone.now() - dt.timedelta(seconds=settings.UPLOAD_TICKET_SECONDS) - TICKET_MARGIN
    with transaction.atomic():
        # Locked while deleted: a (very late) completion that changes a row meanwhile is skipped, never deleted.
        expired = Submission.objects.select_for_update(skip_locked=True).filter(
            status=SubmissionStatus.AWAITING_UPLOAD, created_at__lt=cutoff
        )
        _, deleted = Submission.objects.filter(pk__in=list(expired.values_list("pk", flat=True))).delete()
    return deleted.get(Submission._meta.label, 0)
