"""Sending a submission to be scored once the transaction that queued it commits.

With ``SCORING_QUEUE_URL`` the message goes to SQS (the web task's ``sqs:SendMessage``); without it the same unit
of work runs in this process (``in_process.run``), so the local flow is the real flow minus the network.

A send that fails is logged and nothing more: the submission was queued by a transaction that has committed, and
the caller's request succeeded. The submission stays ``queued`` with no ``sent_at``, and ``manage.py sweep_scoring``
sends it again (``Submission.objects.message_may_be_lost``).
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.utils import timezone

from core import after_commit

from ..models import Submission, SubmissionStatus
from . import in_process
from .messages import ScoringMessage

logger = logging.getLogger(__name__)

_clients_lock = threading.Lock()
_sqs_client: Any = None


def sqs_client() -> Any:
    """One SQS client per process (boto3 clients are thread-safe, their creation is not)."""
    global _sqs_client  # noqa: PLW0603 - created on first use, from the settings of that moment
    with _clients_lock:
        if _sqs_client is None:
            _sqs_client = boto3.client("sqs", region_name=settings.AWS_REGION or None)
        return _sqs_client


def enqueue(submission_id: int) -> None:
    """Have the submission scored after the current transaction commits: a rolled-back completion sends nothing."""
    after_commit.run(partial(send, submission_id))


def send(submission_id: int) -> bool:
    """Send the submission's scoring message now (without a queue: score it in this process); False when SQS could
    not be reached or refused it (logged; the sweep sends it again)."""
    if not settings.SCORING_QUEUE_URL:
        in_process.run(submission_id)
        return True
    message = ScoringMessage(submission_id).encode()
    try:
        sqs_client().send_message(QueueUrl=settings.SCORING_QUEUE_URL, MessageBody=message)
    except (BotoCoreError, ClientError):
        logger.exception(
            "could not send the scoring message of submission %s: the sweep sends it again",
            submission_id,
            extra={"submission_id": submission_id},
        )
        return False
    Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(sent_at=timezone.now())
    return True
