"""``python manage.py requeue_submission ID [ID ...]``: an operator puts ``failed`` submissions back to ``queued``
and sends their scoring messages, once the cause of the failure is fixed (the dead-letter runbook in the README).
Nothing is requeued when one of the ids does not exist or is not ``failed``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from submissions import transitions
from submissions.models import Submission, SubmissionStatus
from submissions.worker import dispatch


class Command(BaseCommand):
    help = "Put failed submissions back to queued and send them to the scoring queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="+", type=int, metavar="ID", help="the id of a failed submission")

    def handle(self, *args: Any, **options: Any) -> None:
        ids: list[int] = list(dict.fromkeys(options["ids"]))
        submissions = Submission.objects.in_bulk(ids)
        refused = [_refusal(submission_id, submissions.get(submission_id)) for submission_id in ids]
        if any(refused):
            raise CommandError("nothing requeued: " + "; ".join(reason for reason in refused if reason))
        lost = []
        for submission_id in ids:
            if not transitions.requeue_failed(submissions[submission_id]):
                lost.append(submission_id)  # its status changed since it was read (another operator's requeue)
                continue
            sent = dispatch.send(submission_id)
            note = "" if sent else " (the message could not be sent: the next sweep_scoring sends it)"
            self.stdout.write(f"submission {submission_id}: queued{note}")
        if lost:
            raise CommandError(f"not requeued, no longer failed: {', '.join(map(str, lost))}")


def _refusal(submission_id: int, submission: Submission | None) -> str:
    if submission is None:
        return f"submission {submission_id} does not exist"
    if submission.status != SubmissionStatus.FAILED:
        return f"submission {submission_id} is {submission.status}, not failed"
    return ""
