"""WebService: the web task definition, the Fargate service that runs it, and its scaling."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.off_hours import scale_to_zero_outside_working_hours
from stacks.service.container_environment import ContainerEnvironment
from stacks.service.load_balancer import CONTAINER_PORT
from stacks.service.runtime import ServiceRuntime, private_fargate_service
from stacks.service.submission_storage import grant_web_uploads

CPU_TARGET_PERCENT = 60
REQUESTS_PER_TASK_PER_MINUTE = 1000


@dataclass(frozen=True)
class WebServiceProps:
    config: EnvironmentConfig
    runtime: ServiceRuntime
    container_environment: ContainerEnvironment
    security_group: ec2.SecurityGroup
    submissions_bucket: s3.IBucket
    database_secret: secretsmanager.ISecret  # the app user's: the only secret the task role may read
    deployment_alarm_names: list[str]


class WebService:
    """Builds into `scope` (see stacks/service/__init__.py): the resources keep the ids they had in the stack."""

    def __init__(self, scope: Construct, props: WebServiceProps) -> None:
        config = props.config
        self._config = config
        self.task_definition = props.runtime.task_definition("WebTask", "web")
        self.task_definition.add_container(
            "web",
            image=props.runtime.image,
            essential=True,
            port_mappings=[ecs.PortMapping(container_port=CONTAINER_PORT, name="http")],
            logging=ecs.LogDriver.aws_logs(stream_prefix="web", log_group=props.runtime.log_group),
            environment=props.container_environment.environment,
            secrets=props.container_environment.secrets,
            stop_timeout=cdk.Duration.seconds(30),
        )
        self._grant_task_access(props.submissions_bucket, props.database_secret)
        self.service = private_fargate_service(
            scope,
            "Service",
            service_name=config.resource_name("web"),
            cluster=props.runtime.cluster,
            task_definition=self.task_definition,
            security_group=props.security_group,
            # Spot where the cost profile allows it: a reclaimed task is replaced like a failed one.
            capacity_provider_strategies=(
                [ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1)]
                if config.cost_profile.fargate_spot
                else None
            ),
            deployment_alarms=ecs.DeploymentAlarmConfig(
                alarm_names=props.deployment_alarm_names, behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM
            ),
            health_check_grace_period=cdk.Duration.seconds(60),
        )

    def scale_on(self, target_group: elbv2.ApplicationTargetGroup) -> None:
        """Between the configured bounds, on CPU and on requests per task: out fast, in slowly."""
        scaling = self.service.auto_scale_task_count(
            min_capacity=self._config.service.min_count, max_capacity=self._config.service.max_count
        )
        scaling.scale_on_cpu_utilization(
            "CpuScaling",
            target_utilization_percent=CPU_TARGET_PERCENT,
            scale_in_cooldown=cdk.Duration.minutes(5),
            scale_out_cooldown=cdk.Duration.minutes(1),
        )
        scaling.scale_on_request_count(
            "RequestScaling",
            requests_per_target=REQUESTS_PER_TASK_PER_MINUTE,
            target_group=target_group,
            scale_in_cooldown=cdk.Duration.minutes(5),
            scale_out_cooldown=cdk.Duration.minutes(1),
        )
        off_hours = self._config.cost_profile.off_hours
        if off_hours is not None:
            scale_to_zero_outside_working_hours(
                scaling,
                off_hours,
                min_capacity=self._config.service.min_count,
                max_capacity=self._config.service.max_count,
            )

    def _grant_task_access(self, submissions_bucket: s3.IBucket, database_secret: secretsmanager.ISecret) -> None:
        """The web task signs upload tickets and completes uploads (stacks/service/submission_storage.py), and reads
        its own database login; the migration task and the workers get their own, smaller grants."""
        task_role = self.task_definition.task_role
        grant_web_uploads(task_role, submissions_bucket)
        # The app re-reads the rotated password itself when a new connection is refused: ECS injects secrets
        # only at task start (aws/containers-roadmap#495).
        database_secret.grant_read(task_role)
