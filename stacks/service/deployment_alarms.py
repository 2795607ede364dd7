"""DeploymentAlarms: the alarms an ECS deployment watches; either one firing during a rollout rolls the service back."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.monitoring.alarms import notify

TARGET_5XX_PER_MINUTE = 10


def deployment_alarm_names(config: EnvironmentConfig) -> list[str]:
    """The alarms' names: the service names them in its deployment configuration before they exist."""
    return [config.resource_name("target-5xx"), config.resource_name("unhealthy-targets")]


@dataclass(frozen=True)
class DeploymentAlarmsProps:
    config: EnvironmentConfig
    target_group: elbv2.ApplicationTargetGroup
    service: ecs.FargateService
    alarm_topic: sns.ITopic  # operators hear a rollback, and the unhealthy-targets alarm is theirs too


class DeploymentAlarms:
    """Builds into `scope` (see stacks/service/__init__.py): the resources keep the ids they had in the stack."""

    def __init__(self, scope: Construct, props: DeploymentAlarmsProps) -> None:
        target_5xx_name, unhealthy_targets_name = deployment_alarm_names(props.config)
        metrics = props.target_group.metrics
        self.target_5xx = cloudwatch.Alarm(
            scope,
            "Target5xxAlarm",
            alarm_name=target_5xx_name,
            alarm_description="The service answers 5xx; a deployment in progress rolls back",
            metric=metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=cdk.Duration.minutes(1), statistic="Sum"
            ),
            threshold=TARGET_5XX_PER_MINUTE,
            evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.unhealthy_targets = cloudwatch.Alarm(
            scope,
            "UnhealthyTargetsAlarm",
            alarm_name=unhealthy_targets_name,
            alarm_description="Targets fail the health check; a deployment in progress rolls back",
            metric=metrics.unhealthy_host_count(period=cdk.Duration.minutes(1), statistic="Maximum"),
            threshold=1,
            evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        notify(self.target_5xx, props.alarm_topic)
        notify(self.unhealthy_targets, props.alarm_topic)
        # ECS looks the alarms up by name when a deployment starts: they must exist first.
        props.service.node.add_dependency(self.target_5xx, self.unhealthy_targets)
