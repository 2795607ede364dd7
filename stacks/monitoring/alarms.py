"""OperatorAlarms: the alarms that page an operator, named after their environment (`competition-platform-<env>-`
and the spec's name), notifying the alarm topic on ALARM and on OK.

An alarm is described by an `AlarmSpec` (what it watches, its threshold and why, what to do first); the families of
specs live beside their subject (service_alarms.py, database_alarms.py, request_logs.py, queue_alarms.py), and
ServiceMonitoring (service_monitoring.py) hands them to `watch`. The scoring queue's two alarms come through
`ServiceMonitoring.watch_queue(queue=..., dead_letter_queue=..., max_message_age=...)`, which calls `watch_queue`
here with a `WatchedQueue` and adds the queue's dashboard row.

Capacity alarms (`AlarmSpec.capacity`) are left out of dev: its load is a few engineers, its database the smallest
class, and an alarm costs 0.10 USD a month; dev keeps the alarms that say the code or the data is broken.

Not made here: the two deployment alarms the web service rolls back on (stacks/service/deployment_alarms.py; they
notify the same topic through `notify`), the workers' scaling alarm, which pages nobody
(stacks/scoring/backlog_scaling.py), and ECS's service events, an EventBridge rule to the same topic
(service_events.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.monitoring.alarm_spec import AlarmSpec
from stacks.monitoring.queue_alarms import WatchedQueue, queue_alarms

_ALARM_NAME_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class OperatorAlarmsProps:
    config: EnvironmentConfig
    topic: sns.ITopic


def notify(alarm: cloudwatch.Alarm, topic: sns.ITopic) -> None:
    """The topic hears the alarm fire and clear: an operator sees both the trouble and its end."""
    action = cloudwatch_actions.SnsAction(topic)
    alarm.add_alarm_action(action)
    alarm.add_ok_action(action)


class OperatorAlarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: OperatorAlarmsProps) -> None:
        super().__init__(scope, construct_id)
        self._config = props.config
        self._topic = props.topic
        self.alarms: list[cloudwatch.Alarm] = []
        self.by_name: dict[str, cloudwatch.Alarm] = {}  # by the spec's name, without the environment's prefix

    def watch(self, *specs: AlarmSpec) -> list[cloudwatch.Alarm]:
        kept = [spec for spec in specs if not (spec.capacity and self._config.is_dev)]
        created = [self._alarm(spec) for spec in kept]
        self.alarms.extend(created)
        self.by_name.update(zip((spec.name for spec in kept), created, strict=True))
        return created

    def watch_queue(self, watched: WatchedQueue) -> list[cloudwatch.Alarm]:
        """A work queue and its dead-letter queue: the oldest message's age, and any message in the dead letters."""
        return self.watch(*queue_alarms(watched))

    def _alarm(self, spec: AlarmSpec) -> cloudwatch.Alarm:
        if not _ALARM_NAME_PART.match(spec.name):
            raise ValueError(f"alarm name {spec.name!r}: lower-case words joined by hyphens")
        alarm = cloudwatch.Alarm(
            self,
            "".join(word.capitalize() for word in spec.name.split("-")),
            alarm_name=self._config.resource_name(spec.name),
            alarm_description=spec.description,
            metric=spec.metric,
            threshold=spec.threshold,
            comparison_operator=spec.comparison,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
        )
        notify(alarm, self._topic)
        return alarm
