"""DatabaseMigrations: the one-off migration task of the service image, and the deployment step that runs it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import triggers
from constructs import Construct

from stacks.log_groups import encrypted_log_group
from stacks.nag import acknowledge, acknowledge_lambda_basic_execution, iam5

RUNNER_CODE = Path(__file__).resolve().parent / "runner"
MIGRATION_COMMAND = ["python", "manage.py", "migrate", "--noinput"]
CONTAINER_NAME = "migrate"
# Lambda's own limit is 15 minutes; a migration that needs longer belongs in a separate, reviewed operation.
MIGRATION_TIMEOUT = cdk.Duration.minutes(14)


@dataclass(frozen=True)
class DatabaseMigrationsProps:
    cluster: ecs.ICluster
    # The cluster's literal name: IAM statements and their cdk-nag acknowledgment name its tasks.
    cluster_name: str
    task_definition: ecs.FargateTaskDefinition
    image: ecs.ContainerImage
    # Changes with every build of the image (the asset hash): it makes each new image a new runner version.
    image_version: str
    environment: dict[str, str]
    secrets: dict[str, ecs.Secret]
    log_group: logs.ILogGroup
    log_key: kms.IKey  # the environment's key: the runner's own log group
    subnets: ec2.SubnetSelection
    security_group: ec2.SecurityGroup
    # The services that run the image (web, scoring workers): each is updated only after the migrations succeeded.
    run_before: Sequence[ecs.FargateService]


class DatabaseMigrations(Construct):
    """Runs `manage.py migrate` once per deployment that changes the image, before the services are updated.

    The runner function's environment holds the image's asset hash, so every new image gives a new function version
    in the template and the Trigger runs again (the task definition ARN alone is a Ref whose text never changes).
    A failed migration fails the stack update: CloudFormation rolls back and the running version keeps serving.
    During that rollback CloudFormation replays the Trigger with the previous handler version; the runner sees its
    stack in UPDATE_ROLLBACK_IN_PROGRESS and does nothing, so a rollback never runs the old image's `migrate`.
    `cdk deploy 'Dev/*'` runs it too.
    """

    def __init__(self, scope: Construct, construct_id: str, props: DatabaseMigrationsProps) -> None:
        super().__init__(scope, construct_id)
        task_definition = props.task_definition
        task_definition.add_container(
            CONTAINER_NAME,
            image=props.image,
            essential=True,
            command=MIGRATION_COMMAND,
            logging=ecs.LogDriver.aws_logs(stream_prefix="migrate", log_group=props.log_group),
            environment=props.environment,
            secrets=props.secrets,
        )
        vpc_subnets = props.cluster.vpc.select_subnets(
            subnet_type=props.subnets.subnet_type, subnet_group_name=props.subnets.subnet_group_name
        )

        runner_logs = encrypted_log_group(
            self,
            "RunnerLogs",
            retention=logs.RetentionDays.SIX_MONTHS,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            encryption_key=props.log_key,
        )
        self.runner = lambda_.Function(
            self,
            "Runner",
            description="Runs the database migration task and waits for its exit code",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(RUNNER_CODE), exclude=["__pycache__", "*.pyc"]),
            timeout=MIGRATION_TIMEOUT,
            memory_size=256,
            log_group=runner_logs,
            environment={
                "CLUSTER": props.cluster.cluster_name,
                "TASK_DEFINITION": task_definition.task_definition_arn,
                "IMAGE_VERSION": props.image_version,
                "CONTAINER_NAME": CONTAINER_NAME,
                "SUBNETS": ",".join(vpc_subnets.subnet_ids),
                "SECURITY_GROUPS": props.security_group.security_group_id,
                "LOG_GROUP": props.log_group.log_group_name,
                # The runner skips the migration while this stack rolls back (see runner/index.py).
                "STACK_ID": cdk.Aws.STACK_ID,
            },
        )
        task_definition.grant_run(self.runner)
        cluster_tasks = cdk.Stack.of(self).format_arn(
            service="ecs", resource="task", resource_name=f"{props.cluster_name}/*"
        )
        self.runner.add_to_role_policy(
            iam.PolicyStatement(actions=["ecs:DescribeTasks", "ecs:StopTask"], resources=[cluster_tasks])
        )
        # Its own stack's status and nothing else: the stack ARN, not a name pattern.
        self.runner.add_to_role_policy(
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[cdk.Aws.STACK_ID])
        )

        self.trigger = triggers.Trigger(
            self,
            "RunOnDeploy",
            handler=self.runner,
            timeout=MIGRATION_TIMEOUT,
            execute_on_handler_change=True,
            # The task needs its definition and its way to the database before it runs; the services wait for it.
            execute_after=[task_definition, props.security_group],
            execute_before=list(props.run_before),
        )
        self._acknowledge_findings(cluster_tasks)

    def _acknowledge_findings(self, cluster_tasks: str) -> None:
        role = self.runner.role
        if role is None:  # lambda_.Function always creates one when none is given
            raise RuntimeError("the migration runner has no role")
        acknowledge_lambda_basic_execution(role, "The migration runner")
        acknowledge(
            role,
            iam5(f"Resource::{cluster_tasks}"),
            reason="Task ids exist only after RunTask; Describe/StopTask are limited to tasks of this cluster.",
        )
