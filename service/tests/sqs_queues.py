"""moto's SQS for the scoring tests: the scoring queue and its dead-letter queue (redrive after two receives), the
settings pointed at them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from django.core.cache import cache

from submissions.worker import dispatch
from submissions.worker.sqs_loop import WorkerConfig

from .moto_aws import REGION, fake_aws


@dataclass
class Queues:
    client: Any
    url: str
    dead_letters: str

    def receive(self, url: str | None = None, visibility: int | None = None) -> list[dict[str, Any]]:
        """Every visible message (up to SQS's 10 a call), so that ``len()`` and unpacking count them all."""
        extra = {} if visibility is None else {"VisibilityTimeout": visibility}
        response = self.client.receive_message(
            QueueUrl=url or self.url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            **extra,
        )
        return response.get("Messages", [])

    def config(self, **changes: Any) -> WorkerConfig:
        values: dict[str, Any] = {
            "queue_url": self.url,
            "max_receives": 2,
            "max_seconds": 30,
            "heartbeat_seconds": 0.3,
            "lease_seconds": 2,
            "stop_seconds": 0.5,
            "wait_seconds": 0,
            "retry_base_seconds": 0,
        }
        return WorkerConfig(**{**values, **changes})


@contextmanager
def scoring_queues(monkeypatch: Any, settings: Any) -> Iterator[Queues]:
    """The queues in moto, the settings and the web process's SQS client pointed at them (the ``queues`` fixture)."""
    cache.clear()  # committed throttle counters of earlier transactional tests
    with fake_aws(monkeypatch):
        client = boto3.client("sqs", region_name=REGION)
        dead_letters = client.create_queue(QueueName="scoring-dlq")["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "2"})
        url = client.create_queue(QueueName="scoring", Attributes={"VisibilityTimeout": "2", "RedrivePolicy": redrive})[
            "QueueUrl"
        ]
        settings.SCORING_QUEUE_URL = url
        settings.SCORING_DEAD_LETTER_QUEUE_URL = dead_letters
        settings.SCORING_MAX_RECEIVES = 2
        monkeypatch.setattr(dispatch, "_sqs_client", None)
        yield Queues(client, url, dead_letters)
