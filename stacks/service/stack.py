"""ServiceStack: the competition service on ECS Fargate behind an Application Load Balancer. Stateless."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.backup import backup_vault_name
from stacks.config import EnvironmentConfig
from stacks.database import SECRET_ROTATION_INTERVAL
from stacks.database_app_user import DatabaseAppUser
from stacks.edge.waf import WebApplicationFirewall, WebApplicationFirewallProps
from stacks.migrations import DatabaseMigrations, DatabaseMigrationsProps
from stacks.monitoring.service_monitoring import ServiceMonitoring, ServiceMonitoringProps
from stacks.scoring.queue import ScoringQueue, ScoringQueueProps
from stacks.scoring.sweep import ScoringSweep, ScoringSweepProps
from stacks.scoring.workers import CONTAINER_NAME as WORKER_CONTAINER
from stacks.scoring.workers import ScoringWorkers, ScoringWorkersProps
from stacks.service.app_login_rotation import AppLoginRotation, AppLoginRotationProps
from stacks.service.container_environment import (
    ContainerEnvironmentProps,
    ContainerEnvironments,
    container_environments,
)
from stacks.service.deployment_alarms import DeploymentAlarms, DeploymentAlarmsProps, deployment_alarm_names
from stacks.service.load_balancer import PublicLoadBalancer, PublicLoadBalancerProps
from stacks.service.references import grant_decrypt_via_secrets_manager, key_by_arn, secret_by_arn
from stacks.service.runtime import TASK_SUBNETS, ServiceRuntime, ServiceRuntimeProps
from stacks.service.security_groups import ServiceSecurityGroups, ServiceSecurityGroupsProps
from stacks.service.submission_storage import grant_migration_ground_truths
from stacks.service.web_service import WebService, WebServiceProps


@dataclass(frozen=True)
class ServiceStackProps:
    config: EnvironmentConfig
    vpc: ec2.IVpc
    database: rds.DatabaseInstance
    owner_database_secret: secretsmanager.ISecret  # migrations connect as the owner (the master user)
    app_database_secret: secretsmanager.ISecret  # the service connects as the app user
    app_user: DatabaseAppUser  # its rotation function, scheduled here once the migration has created the role
    access_logs_bucket: s3.IBucket
    certificate: acm.ICertificate | None  # with a domain, from the CertificateStack
    environment_key: kms.IKey  # log groups and the Django key (stacks/encryption.py)
    alarm_topic: sns.ITopic
    rotation_function_names: Mapping[str, str]  # the database secrets' rotation functions, by secret


class ServiceStack(cdk.Stack):
    """Runs the image built from `service/` as a Fargate service behind the load balancer, as the scoring workers that
    take submissions from the scoring queue, and as a one-off migration task.

    The constructor composes the parts; their ids, not their order, make the logical ids (stacks/service/__init__.py).
    """

    def __init__(self, scope: Construct, construct_id: str, props: ServiceStackProps) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Competition platform: ECS Fargate service behind a load balancer",
            # Production's entry point: protected from deletion as a stack, not by the load balancer's own deletion
            # protection, which would leave a failed first create in ROLLBACK_FAILED (stacks/service/load_balancer.py).
            termination_protection=props.config.is_production,
        )
        self.config = props.config
        # By ARN: grants on them stay in this stack (stacks/service/references.py says why).
        environment_key = key_by_arn(self, "EnvironmentKey", props.environment_key)
        # Both database logins are encrypted with the database's key: one reference to it serves both.
        owner_secret, database_key = secret_by_arn(self, "DatabaseSecret", props.owner_database_secret)
        app_secret, _ = secret_by_arn(self, "AppDatabaseSecret", props.app_database_secret, key=database_key)
        self.runtime = ServiceRuntime(
            self, ServiceRuntimeProps(config=self.config, vpc=props.vpc, encryption_key=environment_key)
        )
        self.security_groups = ServiceSecurityGroups(
            self, ServiceSecurityGroupsProps(vpc=props.vpc, database=props.database)
        )
        self.load_balancer = self._load_balancer(props)
        self.service_url = self.load_balancer.url
        # By name, not by reference: the service stack needs nothing from the storage stack's outputs for it.
        submissions_bucket = s3.Bucket.from_bucket_name(self, "SubmissionsBucket", self.config.submissions_bucket_name)
        self.scoring_queue = ScoringQueue(self, "ScoringQueue", ScoringQueueProps(config=self.config))
        self.container_environments = self._container_environments(owner_secret, app_secret, submissions_bucket)
        self.web = self._web(submissions_bucket, app_secret)
        self.workers = self._workers(props, submissions_bucket, app_secret)
        self.migration_task_definition = self.runtime.task_definition("MigrationTask", "migrate")
        grant_migration_ground_truths(self.migration_task_definition.task_role, submissions_bucket)
        self.migrations = self._migrations()
        self.app_login_rotation = self._app_login_rotation(props, app_secret)
        self.sweep = self._sweep()
        target_group = self.load_balancer.forward_to(self.web.service)
        self.web.scale_on(target_group)
        self.alarms = DeploymentAlarms(
            self,
            DeploymentAlarmsProps(
                config=self.config, target_group=target_group, service=self.web.service, alarm_topic=props.alarm_topic
            ),
        )
        self._grant_key_use(environment_key, database_key)
        self.firewall = self._firewall()
        self.monitoring = self._monitoring(props, target_group)
        self.monitoring.watch_queue(
            queue=self.scoring_queue.queue,
            dead_letter_queue=self.scoring_queue.dead_letter_queue,
            max_message_age=cdk.Duration.minutes(self.config.scoring.queue_age_alarm_minutes),
        )
        self._outputs()

    def _load_balancer(self, props: ServiceStackProps) -> PublicLoadBalancer:
        return PublicLoadBalancer(
            self,
            PublicLoadBalancerProps(
                config=self.config,
                vpc=props.vpc,
                security_group=self.security_groups.load_balancer,
                access_logs_bucket=props.access_logs_bucket,
                certificate=props.certificate,
            ),
        )

    def _container_environments(
        self, owner_secret: secretsmanager.ISecret, app_secret: secretsmanager.ISecret, submissions_bucket: s3.IBucket
    ) -> ContainerEnvironments:
        """What each kind of task is told (stacks/service/container_environment.py, the contract with settings.py)."""
        return container_environments(
            ContainerEnvironmentProps(
                config=self.config,
                public_host=self.load_balancer.public_host,
                service_url=self.service_url,
                owner_database_secret=owner_secret,
                app_database_secret=app_secret,
                django_secret_key=self.runtime.django_secret_key,
                submissions_bucket=submissions_bucket,
                scoring_queue=self.scoring_queue.queue,
                scoring_dead_letter_queue=self.scoring_queue.dead_letter_queue,
            )
        )

    def _web(self, submissions_bucket: s3.IBucket, app_secret: secretsmanager.ISecret) -> WebService:
        """The web service (the app user's login); it signs upload tickets and sends scoring messages."""
        web = WebService(
            self,
            WebServiceProps(
                config=self.config,
                runtime=self.runtime,
                container_environment=self.container_environments.web,
                security_group=self.security_groups.tasks,
                submissions_bucket=submissions_bucket,
                database_secret=app_secret,
                deployment_alarm_names=deployment_alarm_names(self.config),
            ),
        )
        self.scoring_queue.queue.grant_send_messages(web.task_definition.task_role)
        return web

    def _workers(
        self, props: ServiceStackProps, submissions_bucket: s3.IBucket, app_secret: secretsmanager.ISecret
    ) -> ScoringWorkers:
        """The scoring workers: the web service's image, cluster and logs, the app user's login."""
        return ScoringWorkers(
            self,
            "ScoringWorkers",
            ScoringWorkersProps(
                config=self.config,
                cluster=self.runtime.cluster,
                cluster_name=self.runtime.cluster_name,
                image=self.runtime.image,
                log_group=self.runtime.log_group,
                container_environment=self.container_environments.worker,
                vpc=props.vpc,
                database=props.database,
                scoring_queue=self.scoring_queue,
                submissions_bucket=submissions_bucket,
                database_secret=app_secret,
            ),
        )

    def _migrations(self) -> DatabaseMigrations:
        """Runs the migration task (same image as the web task; the owner's database login) before the service is
        updated."""
        return DatabaseMigrations(
            self,
            "Migrations",
            DatabaseMigrationsProps(
                cluster=self.runtime.cluster,
                cluster_name=self.runtime.cluster_name,
                task_definition=self.migration_task_definition,
                image=self.runtime.image,
                image_version=self.runtime.image_asset.asset_hash,
                environment=self.container_environments.migration.environment,
                secrets=self.container_environments.migration.secrets,
                log_group=self.runtime.log_group,
                log_key=self.runtime.encryption_key,
                subnets=TASK_SUBNETS,
                security_group=self.security_groups.tasks,
                run_before=[self.web.service, self.workers.service],
            ),
        )

    def _sweep(self) -> ScoringSweep:
        """`sweep_scoring` every five minutes on the workers' task definition, once the migrations ran."""
        return ScoringSweep(
            self,
            "ScoringSweep",
            ScoringSweepProps(
                config=self.config,
                cluster=self.runtime.cluster,
                cluster_name=self.runtime.cluster_name,
                task_definition=self.workers.task_definition,
                container_name=WORKER_CONTAINER,
                security_group=self.workers.security_group,
                capacity=self.workers.capacity,
                after=[self.migrations.trigger],
            ),
        )

    def _firewall(self) -> WebApplicationFirewall | None:
        """The web ACL in front of the load balancer, where the environment has one (not in dev: 5 USD a month
        and a dollar a rule for an environment only engineers use)."""
        mode = self.config.operations.waf
        if mode is None:
            return None
        return WebApplicationFirewall(
            self,
            "Firewall",
            WebApplicationFirewallProps(config=self.config, mode=mode, load_balancer=self.load_balancer.load_balancer),
        )

    def _monitoring(self, props: ServiceStackProps, target_group: elbv2.ApplicationTargetGroup) -> ServiceMonitoring:
        """The environment's alarms and dashboard (stacks/monitoring/): they notify the alarm topic."""
        config = self.config
        return ServiceMonitoring(
            self,
            "Monitoring",
            ServiceMonitoringProps(
                config=config,
                topic=props.alarm_topic,
                load_balancer=self.load_balancer.load_balancer,
                target_group=target_group,
                service=self.web.service,
                cluster_name=self.runtime.cluster_name,
                container_logs=self.runtime.log_group,
                database=props.database,
                rotation_function_names=props.rotation_function_names,
                backup_vault_name=backup_vault_name(config) if config.operations.backup else None,
                web_acl_name=self.firewall.name if self.firewall else None,
                other_alarms=[self.alarms.target_5xx, self.alarms.unhealthy_targets],
            ),
        )

    def _execution_roles(self) -> list[iam.IRole]:
        """The roles ECS starts each task with: they read the task's secrets."""
        return [
            self.web.task_definition.obtain_execution_role(),
            self.migration_task_definition.obtain_execution_role(),
            self.workers.task_definition.obtain_execution_role(),
        ]

    def _database_secret_readers(self) -> list[iam.IRole]:
        """The web and worker tasks themselves, which re-read the app user's secret when the password rotates."""
        return [self.web.task_definition.task_role, self.workers.task_definition.task_role]

    def _app_login_rotation(self, props: ServiceStackProps, app_secret: secretsmanager.ISecret) -> AppLoginRotation:
        """The app user's rotation schedule, created once the migration has created the role it rotates."""
        return AppLoginRotation(
            self,
            "AppLoginRotation",
            AppLoginRotationProps(
                config=self.config,
                secret=app_secret,
                rotation_function_arn=props.app_user.rotation_function_arn,
                interval=SECRET_ROTATION_INTERVAL,
                after=[self.migrations.trigger, *props.app_user.rotation_ingress],
            ),
        )

    def _grant_key_use(self, environment_key: kms.IKey, database_key: kms.IKey) -> None:
        """ECS reads the database secrets (database key) and the Django key (environment key) at task start; the
        tasks themselves re-read only the app user's database secret, after a rotation."""
        for role in self._execution_roles():
            grant_decrypt_via_secrets_manager(role, environment_key, database_key)
        for role in self._database_secret_readers():
            grant_decrypt_via_secrets_manager(role, database_key)

    def _outputs(self) -> None:
        # The pipeline's smoke test reads this output (env_from_cfn_outputs).
        self.service_url_output = cdk.CfnOutput(
            self, "ServiceUrl", value=self.service_url, description="Public URL of the service"
        )
        cdk.CfnOutput(self, "ClusterName", value=self.runtime.cluster.cluster_name)
        cdk.CfnOutput(self, "MigrationTaskDefinitionArn", value=self.migration_task_definition.task_definition_arn)
        # Where the Logs Insights queries of README, "Operations", run.
        cdk.CfnOutput(self, "ContainerLogGroupName", value=self.runtime.log_group.log_group_name)
        # What an operator reads or purges (README, "Runbook: scoring dead letters").
        cdk.CfnOutput(self, "ScoringQueueUrl", value=self.scoring_queue.queue.queue_url)
        cdk.CfnOutput(self, "ScoringDeadLetterQueueUrl", value=self.scoring_queue.dead_letter_queue.queue_url)
