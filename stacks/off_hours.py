"""OffHoursSchedule: stops a resource after working hours and starts it before them (EventBridge Scheduler).

Each schedule calls one AWS API action directly (a universal target, `arn:aws:scheduler:::aws-sdk:<service>:<action>`):
no function to write, deploy or patch. The scheduler's role may call exactly the stop and start actions on exactly
the one resource. Working hours are Monday to Friday in UTC (cdk.json `costProfile.offHours`), so the resource is
also off all weekend; `make cost` takes the same hours off its running time (scripts/cost/schedules.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import EnvironmentConfig, OffHoursConfig
from stacks.scheduler import scheduler_role, universal_target_arn

WORKING_DAYS = "MON-FRI"


@dataclass(frozen=True)
class OffHoursScheduleProps:
    config: EnvironmentConfig
    off_hours: OffHoursConfig
    what: str  # "the dev database": for the schedules' descriptions
    sdk_service: str  # "rds", "ec2": the service of the universal target
    stop_action: str  # "stopDBInstance": the API action, as the AWS SDK spells it
    start_action: str
    resource_arn: str
    target_input: Mapping[str, Any]  # the API call's parameters


class OffHoursSchedule(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: OffHoursScheduleProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        role = scheduler_role(
            self, config, description=f"EventBridge Scheduler stops and starts {props.what} outside working hours"
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[f"{props.sdk_service}:{_iam_action(a)}" for a in (props.stop_action, props.start_action)],
                resources=[props.resource_arn],
            )
        )
        target_input = cdk.Stack.of(self).to_json_string(dict(props.target_input))
        for schedule_id, action, hour, verb in (
            ("Stop", props.stop_action, props.off_hours.stop_hour_utc, "stops"),
            ("Start", props.start_action, props.off_hours.start_hour_utc, "starts"),
        ):
            scheduler.CfnSchedule(
                self,
                schedule_id,
                description=f"{verb} {props.what} ({WORKING_DAYS} at {hour:02d}:00 UTC)",
                schedule_expression=f"cron(0 {hour} ? * {WORKING_DAYS} *)",
                schedule_expression_timezone="UTC",
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=universal_target_arn(config, service=props.sdk_service, action=action),
                    role_arn=role.role_arn,
                    input=target_input,
                    # A call that fails (the instance is still backing up, or already in the state asked for) is
                    # retried a few times within the hour, then given up: the next working day tries again.
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_retry_attempts=5, maximum_event_age_in_seconds=3600
                    ),
                ),
            )


def scale_to_zero_outside_working_hours(
    scaling: ecs.ScalableTaskCount, off_hours: OffHoursConfig, *, min_capacity: int, max_capacity: int
) -> None:
    """An ECS service runs no task outside working hours (a maximum of 0 holds against its scaling policies) and gets
    its configured bounds back at the start of the day (Application Auto Scaling's scheduled actions)."""
    for action_id, hour, low, high in (
        ("StopOutsideWorkingHours", off_hours.stop_hour_utc, 0, 0),
        ("StartForWorkingHours", off_hours.start_hour_utc, min_capacity, max_capacity),
    ):
        scaling.scale_on_schedule(
            action_id,
            schedule=appscaling.Schedule.cron(minute="0", hour=str(hour), week_day=WORKING_DAYS),
            min_capacity=low,
            max_capacity=high,
        )


def rotate_inside_working_hours(schedule: secretsmanager.RotationSchedule, off_hours: OffHoursConfig) -> None:
    """A secret rotation needs the database (and the NAT instance) running: on the first Monday of each month, leaving
    an hour after the start and before the stop, instead of every 30 days at any hour."""
    resource = schedule.node.default_child
    if not isinstance(resource, secretsmanager.CfnRotationSchedule):
        raise TypeError(f"{schedule.node.path} has no AWS::SecretsManager::RotationSchedule")
    first_hour = off_hours.start_hour_utc + 1
    resource.add_property_override(
        "RotationRules",
        {
            "ScheduleExpression": f"cron(0 {first_hour} ? * 2#1 *)",  # 2#1: the first Monday (1 is Sunday)
            "Duration": f"{off_hours.stop_hour_utc - 1 - first_hour}h",
        },
    )


def _iam_action(sdk_action: str) -> str:
    """`stopDBInstance` → `StopDBInstance`: IAM names the SDK's camel-case actions with a capital first letter."""
    return sdk_action[0].upper() + sdk_action[1:]
