"""ScoringWorkers: the Fargate service that scores submissions from the scoring queue.

The same image as the web service, with the command `python manage.py run_scoring_worker`, in the private subnets, with
a task role and a security group of its own: it takes messages from the queue (the sweep, which runs this task
definition, reads the dead-letter queue to mark those submissions failed), reads submitted files and ground truths,
connects to PostgreSQL as the app user, and reaches AWS APIs over HTTPS; nothing reaches it. It is updated in the same
deployment as the web service, after the migrations (stacks/migrations/), with its own circuit breaker, and it scales on
the queue's backlog (backlog_scaling.py). With `scoring.spot` it runs on Fargate Spot; production keeps its first
`minWorkers` on on-demand Fargate, so a shortage of Spot capacity slows a burst down but never stops scoring.

A stopped worker (a deployment, a scale-in, a reclaimed Spot task) gets SIGTERM and the stop timeout, Fargate's
longest, to finish the submission in hand or to release its message for another worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.database import DATABASE_PORT
from stacks.nag import acknowledge, iam5
from stacks.scoring.backlog_scaling import BacklogScaling, BacklogScalingProps
from stacks.scoring.queue import WORKER_STOP_TIMEOUT, ScoringQueue
from stacks.service.container_environment import ContainerEnvironment
from stacks.service.runtime import fargate_task_definition, private_fargate_service
from stacks.service.submission_storage import grant_worker_reads

WORKER_COMMAND = ["python", "manage.py", "run_scoring_worker"]
CONTAINER_NAME = "worker"


@dataclass(frozen=True)
class ScoringWorkersProps:
    config: EnvironmentConfig
    cluster: ecs.ICluster
    cluster_name: str  # the literal name: the task-protection grant and its cdk-nag acknowledgment name it
    image: ecs.ContainerImage  # the web service's image
    log_group: logs.ILogGroup  # the container log group: a submission's request and its scoring in one place
    container_environment: ContainerEnvironment
    vpc: ec2.IVpc
    database: rds.IDatabaseInstance
    scoring_queue: ScoringQueue
    submissions_bucket: s3.IBucket
    database_secret: secretsmanager.ISecret  # the app user's login, which the worker re-reads after a rotation


class ScoringWorkers(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: ScoringWorkersProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        # The task family and the service share the name: competition-platform-<env>-worker.
        name = config.resource_name("worker")
        size = config.scoring
        self.task_definition = fargate_task_definition(
            self, "TaskDefinition", family=name, cpu=size.cpu, memory_mib=size.memory_mib
        )
        self.task_definition.add_container(
            CONTAINER_NAME,
            image=props.image,
            essential=True,
            command=WORKER_COMMAND,
            logging=ecs.LogDriver.aws_logs(stream_prefix="worker", log_group=props.log_group),
            environment=props.container_environment.environment,
            secrets=props.container_environment.secrets,
            stop_timeout=WORKER_STOP_TIMEOUT,
        )
        self.security_group = self._security_group(props)
        self.capacity = worker_capacity(config)
        # New workers start before old ones stop; an old one finishes or releases its message on SIGTERM.
        self.service = private_fargate_service(
            self,
            "Service",
            service_name=name,
            cluster=props.cluster,
            task_definition=self.task_definition,
            security_group=self.security_group,
            capacity_provider_strategies=self.capacity,
        )
        self._grant(props)
        self.scaling = BacklogScaling(
            self, "Scaling", BacklogScalingProps(config=config, service=self.service, queue=props.scoring_queue.queue)
        )

    def _security_group(self, props: ScoringWorkersProps) -> ec2.SecurityGroup:
        group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=props.vpc,
            description="Scoring workers: nothing in; out to PostgreSQL and to AWS APIs over HTTPS",
            allow_all_outbound=False,
        )
        group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs (SQS, S3, ECR, logs)")
        # A literal port, as for the web tasks (stacks/service/security_groups.py): the rule lives in this stack.
        group.connections.allow_to(props.database, ec2.Port.tcp(DATABASE_PORT), "Scoring workers to PostgreSQL")
        return group

    def _grant(self, props: ScoringWorkersProps) -> None:
        role = self.task_definition.task_role
        # Receive, change visibility (the heartbeat, a release), delete: on the queue.
        props.scoring_queue.queue.grant_consume_messages(role)
        # Receive only on the dead-letter queue: the sweep (stacks/scoring/sweep.py, on this task definition) reads
        # dead letters with a short visibility to mark their submissions failed and leaves them there for operators.
        props.scoring_queue.dead_letter_queue.grant(role, "sqs:ReceiveMessage")
        # The sweep (stacks/scoring/sweep.py) and an operator's `requeue_submission` run this task definition and
        # send messages for `queued` submissions again (SQS-managed encryption: no key to grant).
        props.scoring_queue.queue.grant(role, "sqs:SendMessage")
        grant_worker_reads(role, props.submissions_bucket)
        props.database_secret.grant_read(role)
        self._grant_task_protection(props)

    def _grant_task_protection(self, props: ScoringWorkersProps) -> None:
        """A worker holding a message protects itself from scale-in through the ECS agent's endpoint
        (`$ECS_AGENT_URI/task-protection/v1/state`), which calls these two actions with the task role. The resource
        alone scopes them to this cluster, as CDK's own `ClusterGrants.task_protection` does: no `ecs:cluster`
        condition, which AWS does not document for these actions (a condition on a missing key denies)."""
        tasks = cdk.Stack.of(self).format_arn(service="ecs", resource="task", resource_name=f"{props.cluster_name}/*")
        self.task_definition.add_to_task_role_policy(
            iam.PolicyStatement(
                actions=["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"],
                resources=[tasks],
            )
        )
        acknowledge(
            self.task_definition.task_role,
            iam5(f"Resource::{tasks}"),
            reason="A task's id exists only once ECS started it: the workers' tasks are any task of this cluster, and "
            "the two actions only read or set a task's scale-in protection.",
        )


def worker_capacity(config: EnvironmentConfig) -> list[ecs.CapacityProviderStrategy] | None:
    """Spot where the config says so; production's on-demand floor first (ECS places `base` tasks on their provider
    before it shares the rest by weight)."""
    scoring = config.scoring
    if not scoring.spot:
        return None
    spot = ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1)
    if scoring.on_demand_workers == 0:
        return [spot]
    return [ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=scoring.on_demand_workers, weight=0), spot]
