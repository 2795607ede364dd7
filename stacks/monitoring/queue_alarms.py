"""Alarms of a work queue and its dead-letter queue (the scoring queue of issue 10): `OperatorAlarms.watch_queue`."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs

from stacks.monitoring.alarm_spec import GREATER_OR_EQUAL, ONE_MINUTE, AlarmSpec


def waiting_and_in_flight(queue: sqs.IQueue, expression: str, *, label: str) -> cloudwatch.MathExpression:
    """A math expression over the queue's messages `visible` (waiting) and `in_flight` (received, not yet deleted
    or released), each the minute's maximum."""
    return cloudwatch.MathExpression(
        expression=expression,
        using_metrics={
            "visible": queue.metric_approximate_number_of_messages_visible(period=ONE_MINUTE, statistic="Maximum"),
            "in_flight": queue.metric_approximate_number_of_messages_not_visible(
                period=ONE_MINUTE, statistic="Maximum"
            ),
        },
        period=ONE_MINUTE,
        label=label,
    )


def dead_letters(dead_letter_queue: sqs.IQueue) -> cloudwatch.IMetric:
    """Every message in the dead-letter queue, visible or not: the scoring sweep reads dead letters to mark their
    submissions failed and hides each for a short while as it reads it; they are still there until an operator
    purges them."""
    return waiting_and_in_flight(dead_letter_queue, "FILL(visible, 0) + FILL(in_flight, 0)", label="Dead letters")


@dataclass(frozen=True)
class WatchedQueue:
    """A work queue and its dead-letter queue, the name of their alarms (`<environment>-<name>-queue-age`) and the
    age of the oldest message that pages."""

    queue: sqs.IQueue
    dead_letter_queue: sqs.IQueue
    # A submission waits for its score while its message is in the queue: an older message means the workers are
    # down, stuck or far too few. From cdk.json (`scoring.queueAgeAlarmMinutes`), whose loader keeps it above the
    # longest scoring time (SQS counts a message's age while a worker holds it too).
    max_message_age: cdk.Duration
    name: str = "scoring"


def queue_age_alarm_name(watched: WatchedQueue) -> str:
    return f"{watched.name}-queue-age"


def queue_alarms(watched: WatchedQueue) -> list[AlarmSpec]:
    name = watched.name
    minutes = f"{watched.max_message_age.to_minutes():g}"
    return [
        AlarmSpec(
            name=queue_age_alarm_name(watched),
            description=f"The oldest {name} message waited over {minutes} minutes for 5 minutes: workers are down, "
            "stuck or too few. Check the workers' running tasks and their logs.",
            metric=watched.queue.metric_approximate_age_of_oldest_message(period=ONE_MINUTE, statistic="Maximum"),
            threshold=watched.max_message_age.to_seconds(),
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=5,
        ),
        AlarmSpec(
            name=f"{name}-dead-letters",
            description=f"A {name} message failed every attempt and reached the dead-letter queue: the sweep marks "
            "its submission failed. Read the message and the worker's log for it, fix, requeue_submission, then "
            "purge the dead letters (README: Runbook: scoring dead letters).",
            # One is enough, a dead letter is never normal.
            metric=dead_letters(watched.dead_letter_queue),
            threshold=1,
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=1,
        ),
    ]
