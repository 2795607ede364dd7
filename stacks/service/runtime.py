"""ServiceRuntime: what the web, migration and worker tasks share: the cluster, the image, the log group, the Django
key, and the shape of their task definitions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.log_groups import environment_log_group
from stacks.nag import acknowledge, iam5
from stacks.removal_policies import retained_outside_dev

TASK_SUBNETS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
SERVICE_SOURCE = Path(__file__).resolve().parent.parent.parent / "service"
# Files in service/ that never go into the image; also keeps the asset hash stable when they change.
IMAGE_EXCLUDES = [
    "**/__pycache__",
    "**/*.pyc",
    ".pytest_cache",
    # hypothesis's example database, written by the service's tests (make test runs before make synth in the
    # pipeline): in the image's hash it would make a new image, and a migration run, of every build.
    ".hypothesis",
    "tests",
    "benchmarks",
    "media",
    "staticfiles",
    "db.sqlite3",
    "*.md",
]


@dataclass(frozen=True)
class ServiceRuntimeProps:
    config: EnvironmentConfig
    vpc: ec2.IVpc
    encryption_key: kms.IKey  # the environment's key: the container logs and the Django key


class ServiceRuntime:
    """Builds into `scope` (see stacks/service/__init__.py): the resources keep the ids they had in the stack."""

    def __init__(self, scope: Construct, props: ServiceRuntimeProps) -> None:
        self._scope = scope
        self._config = props.config
        self.encryption_key = props.encryption_key
        config = props.config
        self.cluster_name = config.resource_name()
        profile = config.cost_profile
        self.cluster = ecs.Cluster(
            scope,
            "Cluster",
            cluster_name=self.cluster_name,
            vpc=props.vpc,
            container_insights_v2=(
                ecs.ContainerInsights.ENABLED if profile.container_insights else ecs.ContainerInsights.DISABLED
            ),
            # FARGATE and FARGATE_SPOT as capacity providers, for a service that runs on Spot (the web service by
            # the cost profile, the scoring workers by their own setting).
            enable_fargate_capacity_providers=profile.fargate_spot or config.scoring.spot or None,
        )
        if not profile.container_insights:
            acknowledge(
                self.cluster,
                "AwsSolutions-ECS4",
                reason=f"{config.name} turns Container Insights off by its cost profile (about 9 USD a month of "
                "metrics); the loader refuses that in production.",
            )
        self.image_asset = ecr_assets.DockerImageAsset(
            scope,
            "Image",
            directory=str(SERVICE_SOURCE),
            platform=ecr_assets.Platform.LINUX_AMD64,
            exclude=IMAGE_EXCLUDES,
        )
        self.image = ecs.ContainerImage.from_docker_image_asset(self.image_asset)
        self.log_group = environment_log_group(
            scope,
            "ContainerLogs",
            config,
            production_retention=logs.RetentionDays.SIX_MONTHS,
            encryption_key=props.encryption_key,
        )
        self.django_secret_key = secretsmanager.Secret(
            scope,
            "DjangoSecretKey",
            description=f"Django SECRET_KEY of the {config.name} competition service",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
            encryption_key=props.encryption_key,
            removal_policy=retained_outside_dev(config),
        )
        acknowledge(
            self.django_secret_key,
            "AwsSolutions-SMG4",
            reason="Django signs sessions and tokens with this key; rotating it needs SECRET_KEY_FALLBACKS and a "
            "redeploy, so it is rotated by hand (README: rotating the Django secret key).",
        )

    def task_definition(self, construct_id: str, role: str) -> ecs.FargateTaskDefinition:
        """A Fargate task definition of the web service's size, in the family `competition-platform-<env>-<role>`."""
        size = self._config.service
        return fargate_task_definition(
            self._scope,
            construct_id,
            family=self._config.resource_name(role),
            cpu=size.cpu,
            memory_mib=size.memory_mib,
        )


def fargate_task_definition(
    scope: Construct, construct_id: str, *, family: str, cpu: int, memory_mib: int
) -> ecs.FargateTaskDefinition:
    """A Linux x86 Fargate task definition (the image is built for linux/amd64), with the findings every one of the
    platform's task definitions shares acknowledged."""
    task_definition = ecs.FargateTaskDefinition(
        scope,
        construct_id,
        family=family,
        cpu=cpu,
        memory_limit_mib=memory_mib,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.X86_64,
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
    )
    acknowledge(
        task_definition,
        "AwsSolutions-ECS2",
        reason="Only non-secret settings (allowed hosts, bucket name, secret ARN) are environment variables; "
        "every credential is an ECS secret from Secrets Manager.",
    )
    acknowledge(
        task_definition.obtain_execution_role(),
        iam5("Resource::*"),
        reason="ecr:GetAuthorizationToken has no resource-level permissions and must name *; the image pull "
        "itself is limited to the asset repository.",
    )
    return task_definition


def private_fargate_service(
    scope: Construct,
    construct_id: str,
    *,
    service_name: str,
    cluster: ecs.ICluster,
    task_definition: ecs.FargateTaskDefinition,
    security_group: ec2.ISecurityGroup,
    capacity_provider_strategies: list[ecs.CapacityProviderStrategy] | None,
    **settings: Any,
) -> ecs.FargateService:
    """A Fargate service in the private subnets, without public addresses, deployed by rolling update with a circuit
    breaker that rolls back; `settings` adds what only one service has (deployment alarms, a health-check grace)."""
    service = ecs.FargateService(
        scope,
        construct_id,
        service_name=service_name,
        cluster=cluster,
        task_definition=task_definition,
        vpc_subnets=TASK_SUBNETS,
        security_groups=[security_group],
        assign_public_ip=False,
        # A rolling deployment never drops below the current capacity and may double it while it runs.
        min_healthy_percent=100,
        max_healthy_percent=200,
        circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
        propagate_tags=ecs.PropagatedTagSource.SERVICE,
        enable_ecs_managed_tags=True,
        capacity_provider_strategies=capacity_provider_strategies,
        **settings,
    )
    if capacity_provider_strategies:
        # Created after the cluster's capacity provider association, which CloudFormation does not know by itself
        # (aws/containers-roadmap#631): otherwise a first create can fail with "capacity provider ... is not
        # associated with the cluster".
        service.node.add_dependency(cluster)
    return service
