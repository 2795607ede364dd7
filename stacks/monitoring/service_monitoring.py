"""ServiceMonitoring: the alarms, request-log metrics, ECS service events and dashboard of one environment, built in
the Service stack (it sees the load balancer, the service, the container logs and the database).

Issue 10's scoring queue joins with one call, which adds its two alarms and its dashboard row:

    self.monitoring.watch_queue(queue=scoring.queue, dead_letter_queue=scoring.dead_letter_queue, max_message_age=...)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import EnvironmentConfig, OffHoursConfig
from stacks.monitoring.alarms import OperatorAlarms, OperatorAlarmsProps
from stacks.monitoring.dashboard import OperationsDashboard, OperationsDashboardProps
from stacks.monitoring.database_alarms import backup_alarms, database_alarms, rotation_alarms
from stacks.monitoring.queue_alarms import WatchedQueue, queue_age_alarm_name
from stacks.monitoring.request_logs import RequestLogMetrics, RequestLogMetricsProps
from stacks.monitoring.service_alarms import ServiceAlarmSubjects, service_alarms
from stacks.monitoring.service_events import EcsServiceEvents, EcsServiceEventsProps
from stacks.off_hours import OffHoursSchedule, OffHoursScheduleProps


@dataclass(frozen=True)
class ServiceMonitoringProps:
    config: EnvironmentConfig
    topic: sns.ITopic
    load_balancer: elbv2.ApplicationLoadBalancer
    target_group: elbv2.ApplicationTargetGroup
    service: ecs.FargateService
    cluster_name: str
    container_logs: logs.ILogGroup
    database: rds.IDatabaseInstance
    rotation_function_names: Mapping[str, str]  # secret → its rotation function
    backup_vault_name: str | None
    web_acl_name: str | None
    # Alarms made elsewhere (the deployment alarms) that the dashboard shows with the rest.
    other_alarms: Sequence[cloudwatch.IAlarm]


class ServiceMonitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ServiceMonitoringProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        self._config = config
        self.request_logs = RequestLogMetrics(
            self, "RequestLogs", RequestLogMetricsProps(config=config, log_group=props.container_logs)
        )
        self.alarms = OperatorAlarms(self, "Alarms", OperatorAlarmsProps(config=config, topic=props.topic))
        self.alarms.watch(
            *service_alarms(
                ServiceAlarmSubjects(
                    load_balancer=props.load_balancer,
                    target_group=props.target_group,
                    service=props.service,
                    cluster_name=props.cluster_name,
                    container_insights=config.cost_profile.container_insights,
                )
            ),
            *self.request_logs.alarms(),
            *database_alarms(props.database, config.database),
            *rotation_alarms(props.rotation_function_names),
            *(backup_alarms(props.backup_vault_name) if props.backup_vault_name else []),
        )
        self.service_events = EcsServiceEvents(
            self,
            "EcsServiceEvents",
            EcsServiceEventsProps(config=config, cluster_name=props.cluster_name, topic=props.topic),
        )
        self.dashboard = OperationsDashboard(
            self,
            "Dashboard",
            OperationsDashboardProps(
                config=config,
                alarms=[*props.other_alarms, *self.alarms.alarms],
                load_balancer=props.load_balancer,
                target_group=props.target_group,
                service=props.service,
                cluster_name=props.cluster_name,
                request_logs=self.request_logs,
                database=props.database,
                web_acl_name=props.web_acl_name,
            ),
        )

    def watch_queue(
        self,
        *,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        max_message_age: cdk.Duration,
        name: str = "scoring",
    ) -> None:
        watched = WatchedQueue(
            queue=queue, dead_letter_queue=dead_letter_queue, name=name, max_message_age=max_message_age
        )
        self.dashboard.add_queue(watched, alarms=self.alarms.watch_queue(watched))
        off_hours = self._config.cost_profile.off_hours
        if off_hours is not None:
            self._quiet_outside_working_hours(self.alarms.by_name[queue_age_alarm_name(watched)], off_hours)

    def _quiet_outside_working_hours(self, alarm: cloudwatch.Alarm, off_hours: OffHoursConfig) -> None:
        """Outside working hours the workers are held at zero, so a message sent just before the stop waits until
        morning and its age would page every night: the alarm's actions are switched off at the stop and on again at
        the start (it still changes state; the dashboard shows it)."""
        OffHoursSchedule(
            self,
            f"{alarm.node.id}OutsideWorkingHours",
            OffHoursScheduleProps(
                config=self._config,
                off_hours=off_hours,
                what=f"the actions of the alarm {alarm.node.id}",
                sdk_service="cloudwatch",
                stop_action="disableAlarmActions",
                start_action="enableAlarmActions",
                resource_arn=alarm.alarm_arn,
                target_input={"AlarmNames": [alarm.alarm_name]},
            ),
        )
