"""ScoringQueue: the SQS queue the web tasks send scoring messages to and the workers take them from, and its
dead-letter queue.

- **Encryption: SQS-managed (SSE-SQS), not the environment's KMS key.** A message holds a submission's id and nothing
  else: no file, no personal data, no credential. SSE-SQS encrypts it at rest at no cost and needs no grant; the
  environment key would add `kms:GenerateDataKey`/`kms:Decrypt` to every sender and receiver (written by hand, since
  the key belongs to the Network stack: stacks/service/references.py) and a KMS request charge per data key, to
  protect an integer.
- **SSL only** (`enforce_ssl`): the queue policy denies every request without TLS.
- **Visibility timeout: the longest allowed scoring time plus the worker's stop timeout.** The worker extends a
  message's visibility while it scores (a heartbeat); this timeout is what holds when the heartbeat cannot, so it
  covers the longest a live worker may keep a message: `maxScoringSeconds`, and then a stop (ECS sends SIGTERM and
  waits the stop timeout before it kills the task) during which the worker finishes or releases it.
- **Redrive after `maxReceives` deliveries** to the dead-letter queue: nothing retries forever; the sweep
  (sweep.py) marks the submission of a dead letter `failed` with a reason its team can read.
- **Retention: 4 days in the queue, 14 (SQS's maximum) in the dead-letter queue.** A standard queue keeps a message's
  original enqueue time when it moves to the dead-letter queue, so the dead-letter queue must keep messages longer
  than the queue does, or a message that spent days in the queue would vanish on arrival. 4 days outlasts any outage
  the queue-age alarm has not reported for days; 14 leaves two weeks to read a dead letter and requeue its submission.

The messages are not data of their own: a queued submission is a row in PostgreSQL with status `queued`, so the queue
lives in the stateless Service stack with the services that use it (README, "What each stack contains").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import EnvironmentConfig

# Fargate's longest stop timeout: ECS waits this long after SIGTERM before it kills a worker.
WORKER_STOP_TIMEOUT = cdk.Duration.seconds(120)
# What SIGTERM leaves a worker to finish the message in hand (SCORING_STOP_SECONDS) before it releases it: the stop
# timeout less the worker's 10 s long poll (it may be waiting on one) and 10 s to release and exit cleanly.
WORKER_FINISH_SECONDS = int(WORKER_STOP_TIMEOUT.to_seconds()) - 10 - 10
QUEUE_RETENTION = cdk.Duration.days(4)
DEAD_LETTER_RETENTION = cdk.Duration.days(14)
# Long polling by default, for any receiver that does not ask for it (the worker does): fewer empty receives.
RECEIVE_WAIT = cdk.Duration.seconds(20)


def visibility_timeout(max_scoring_seconds: int) -> cdk.Duration:
    return cdk.Duration.seconds(max_scoring_seconds + WORKER_STOP_TIMEOUT.to_seconds())


@dataclass(frozen=True)
class ScoringQueueProps:
    config: EnvironmentConfig


class ScoringQueue(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ScoringQueueProps) -> None:
        super().__init__(scope, construct_id)
        self._config = props.config
        scoring = props.config.scoring
        self.max_receives = scoring.max_receives
        self.dead_letter_queue = self._queue("DeadLetters", "scoring-dead-letters", DEAD_LETTER_RETENTION)
        self.queue = self._queue(
            "Queue",
            "scoring",
            QUEUE_RETENTION,
            visibility_timeout=visibility_timeout(scoring.max_scoring_seconds),
            receive_message_wait_time=RECEIVE_WAIT,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=scoring.max_receives, queue=self.dead_letter_queue),
        )

    def _queue(self, construct_id: str, name: str, retention: cdk.Duration, **settings: Any) -> sqs.Queue:
        """Named after the environment, SQS-managed encryption, TLS only."""
        return sqs.Queue(
            self,
            construct_id,
            queue_name=self._config.resource_name(name),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=retention,
            **settings,
        )
