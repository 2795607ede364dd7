"""Sending a submission to be scored once the transaction that queued it commits.

With ``SCORING_QUEUE_URL`` the message goes to SQS (the web task's ``sqs:SendMessage``); without it the same unit
of work runs in this process (``in_process.run``), so the local flow is the real flow minus the network.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import boto3
from django.conf import settings

from core import after_commit

from . import in_process
from .messages import ScoringMessage

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


def send(submission_id: int) -> None:
    if settings.SCORING_QUEUE_URL:
        message = ScoringMessage(submission_id).encode()
        sqs_client().send_message(QueueUrl=settings.SCORING_QUEUE_URL, MessageBody=message)
    else:
        in_process.run(submission_id)
