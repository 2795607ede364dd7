"""Alarms of a work queue and its dead-letter queue (the scoring queue of issue 10): `OperatorAlarms.watch_queue`."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs

from stacks.monitoring.alarm_spec import GREATER_OR_EQUAL, AlarmSpec

# A submission waits for its score while its message is in the queue. Scoring takes seconds; a message older than
# ten minutes means the workers are down, stuck or far too few (the backlog scaling has not caught up).
MAX_MESSAGE_AGE = cdk.Duration.minutes(10)


def queue_alarms(*, queue: sqs.IQueue, dead_letter_queue: sqs.IQueue, name: str) -> list[AlarmSpec]:
    period = cdk.Duration.minutes(1)
    return [
        AlarmSpec(
            name=f"{name}-queue-age",
            description=f"The oldest {name} message waited over {MAX_MESSAGE_AGE.to_minutes():g} minutes for 5 "
            "minutes: workers are down, stuck or too few. Check the workers' running tasks and their logs.",
            metric=queue.metric_approximate_age_of_oldest_message(period=period, statistic="Maximum"),
            threshold=MAX_MESSAGE_AGE.to_seconds(),
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=5,
        ),
        AlarmSpec(
            name=f"{name}-dead-letters",
            description=f"A {name} message failed every attempt and reached the dead-letter queue: its submission "
            "will never be scored on its own. Read the message and the worker's log for it, fix, then redrive.",
            # Visible messages: one is enough, a dead letter is never normal.
            metric=dead_letter_queue.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum"),
            threshold=1,
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=1,
        ),
    ]
