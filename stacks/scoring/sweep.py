"""ScoringSweep: `python manage.py sweep_scoring` every five minutes, as a one-off task of the workers' definition.

The sweep (PLAN.md, "Phase 4") is the scoring path's safety net, idempotent and seconds long: it sends again the
`queued` submissions whose message may be lost, marks the submissions of dead letters `failed` (it reads the
dead-letter queue with a short visibility and leaves the messages there for operators), and deletes `awaiting_upload`
rows whose ticket expired. It needs what a worker has (the queues, the app user's login, the bucket), so it runs the
workers' task definition with the command overridden, in their subnets and security group, on their capacity
providers (Spot where they run on Spot; production's on-demand base makes its single task on-demand).

EventBridge Scheduler calls `ecs:RunTask` directly (a universal target, like stacks/off_hours.py: its input is the API
request itself, command override included). Its role may run only that task definition's family, only in this
cluster, pass exactly the task's two roles to ECS, and tag the tasks it starts (the task definition's tags propagate:
cost allocation). The schedule is created after the migration Trigger: a deployment's new revision sweeps only once
its migrations ran. In dev it runs within the cost profile's working hours only: outside them the database is
stopped and the services are held at zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct, IConstruct

from stacks.config import EnvironmentConfig, OffHoursConfig
from stacks.nag import acknowledge, iam5
from stacks.off_hours import WORKING_DAYS
from stacks.scheduler import scheduler_role, universal_target_arn
from stacks.service.runtime import TASK_SUBNETS

SWEEP_COMMAND = ["python", "manage.py", "sweep_scoring"]
SWEEP_EVERY_MINUTES = 5
# A run that Scheduler could not start (ECS throttled it, no Spot capacity) is retried until the next one is due.
SWEEP_RETRIES = 3
SWEEP_MAX_EVENT_AGE_SECONDS = 4 * 60
STARTED_BY = "scoring-sweep"


def sweep_schedule_expression(off_hours: OffHoursConfig | None) -> str:
    """Every five minutes; with off hours, only from the start of the working day to the stop."""
    if off_hours is None:
        return f"rate({SWEEP_EVERY_MINUTES} minutes)"
    hours = f"{off_hours.start_hour_utc}-{off_hours.stop_hour_utc - 1}"
    return f"cron(0/{SWEEP_EVERY_MINUTES} {hours} ? * {WORKING_DAYS} *)"


@dataclass(frozen=True)
class ScoringSweepProps:
    config: EnvironmentConfig
    cluster: ecs.ICluster
    cluster_name: str  # the literal name: the role's conditions and its cdk-nag acknowledgment name it
    task_definition: ecs.FargateTaskDefinition  # the workers'
    container_name: str
    security_group: ec2.ISecurityGroup  # the workers'
    capacity: Sequence[ecs.CapacityProviderStrategy] | None  # the workers'; None: on-demand Fargate
    after: Sequence[IConstruct]  # the migration Trigger


class ScoringSweep(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ScoringSweepProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        self.role = self._role(props)
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            # Named: the restore runbook (README) suspends it by name.
            name=config.resource_name("scoring-sweep"),
            description=f"{' '.join(SWEEP_COMMAND)} on the {config.name} scoring workers' task definition",
            schedule_expression=sweep_schedule_expression(config.cost_profile.off_hours),
            schedule_expression_timezone="UTC",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=universal_target_arn(config, service="ecs", action="runTask"),
                role_arn=self.role.role_arn,
                input=cdk.Stack.of(self).to_json_string(_universal_target_input(props)),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=SWEEP_RETRIES, maximum_event_age_in_seconds=SWEEP_MAX_EVENT_AGE_SECONDS
                ),
            ),
        )
        self.schedule.node.add_dependency(*props.after)

    def _role(self, props: ScoringSweepProps) -> iam.Role:
        stack = cdk.Stack.of(self)
        role = scheduler_role(
            self, props.config, description=f"EventBridge Scheduler runs the {props.config.name} scoring sweep"
        )
        family = stack.format_arn(
            service="ecs", resource="task-definition", resource_name=f"{props.task_definition.family}:*"
        )
        in_this_cluster = {"ArnEquals": {"ecs:cluster": props.cluster.cluster_arn}}
        tasks = stack.format_arn(service="ecs", resource="task", resource_name=f"{props.cluster_name}/*")
        role.add_to_policy(iam.PolicyStatement(actions=["ecs:RunTask"], resources=[family], conditions=in_this_cluster))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecs:TagResource"],
                resources=[tasks],
                conditions={"StringEquals": {"ecs:CreateAction": "RunTask"}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[
                    props.task_definition.task_role.role_arn,
                    props.task_definition.obtain_execution_role().role_arn,
                ],
                conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            )
        )
        acknowledge(
            role,
            iam5(f"Resource::{family}"),
            iam5(f"Resource::{tasks}"),
            reason="Every revision of the workers' task family (a deployment registers a new one; a rollback returns "
            "to an old one), only in this cluster; task ids exist only once RunTask made them, and TagResource is "
            "allowed only as part of RunTask.",
        )
        return role


def _universal_target_input(props: ScoringSweepProps) -> dict[str, Any]:
    """The RunTask request, spelt as the universal target's input wants it (the API's members, capitalized)."""
    subnets = props.cluster.vpc.select_subnets(subnet_type=TASK_SUBNETS.subnet_type).subnet_ids
    placement: dict[str, Any] = (
        {
            "CapacityProviderStrategy": [
                {"CapacityProvider": item.capacity_provider, "Weight": item.weight or 0, "Base": item.base or 0}
                for item in props.capacity
            ]
        }
        if props.capacity
        else {"LaunchType": "FARGATE"}
    )
    return {
        "Cluster": props.cluster.cluster_arn,
        "TaskDefinition": props.task_definition.task_definition_arn,
        "Count": 1,
        **placement,
        "NetworkConfiguration": {
            "AwsvpcConfiguration": {
                "Subnets": subnets,
                "SecurityGroups": [props.security_group.security_group_id],
                "AssignPublicIp": "DISABLED",
            }
        },
        "Overrides": {"ContainerOverrides": [{"Name": props.container_name, "Command": SWEEP_COMMAND}]},
        "PropagateTags": "TASK_DEFINITION",
        "StartedBy": STARTED_BY,
    }
