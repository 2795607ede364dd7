"""ServiceStack: the competition service on ECS Fargate behind an Application Load Balancer. Stateless."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import EnvironmentConfig, ServiceConfig
from stacks.database import DATABASE_PORT
from stacks.migrations import DatabaseMigrations, DatabaseMigrationsProps
from stacks.removal_policies import retained_outside_dev

SERVICE_SOURCE = Path(__file__).resolve().parent.parent / "service"
CONTAINER_PORT = 8000
HEALTH_CHECK_PATH = "/healthz"
TASK_SUBNETS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
TARGET_5XX_PER_MINUTE = 10
CPU_TARGET_PERCENT = 60
REQUESTS_PER_TASK_PER_MINUTE = 1000
# Files in service/ that never go into the image; also keeps the asset hash stable when they change.
IMAGE_EXCLUDES = [
    "**/__pycache__",
    "**/*.pyc",
    ".pytest_cache",
    "tests",
    "benchmarks",
    "media",
    "staticfiles",
    "db.sqlite3",
    "*.md",
]


@dataclass(frozen=True)
class ServiceStackProps:
    config: EnvironmentConfig
    vpc: ec2.IVpc
    database: rds.DatabaseInstance
    database_secret: secretsmanager.ISecret
    access_logs_bucket: s3.IBucket


class ServiceStack(cdk.Stack):
    """Runs the image built from `service/` as a Fargate service and as a one-off migration task."""

    def __init__(self, scope: Construct, construct_id: str, props: ServiceStackProps) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Competition platform: ECS Fargate service behind a load balancer",
        )
        config = props.config

        cluster_name = f"competition-platform-{config.name}"
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=cluster_name,
            vpc=props.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        image_asset = ecr_assets.DockerImageAsset(
            self,
            "Image",
            directory=str(SERVICE_SOURCE),
            platform=ecr_assets.Platform.LINUX_AMD64,
            exclude=IMAGE_EXCLUDES,
        )
        image = ecs.ContainerImage.from_docker_image_asset(image_asset)
        log_group = logs.LogGroup(
            self,
            "ContainerLogs",
            retention=logs.RetentionDays.SIX_MONTHS if config.is_production else logs.RetentionDays.ONE_MONTH,
            removal_policy=retained_outside_dev(config),
        )
        django_secret_key = secretsmanager.Secret(
            self,
            "DjangoSecretKey",
            description=f"Django SECRET_KEY of the {config.name} competition service",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
            removal_policy=retained_outside_dev(config),
        )
        cdk.Validations.of(django_secret_key).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="Django signs sessions and tokens with this key; rotating it needs SECRET_KEY_FALLBACKS "
                "and a redeploy, so it is rotated by hand (README: rotating the Django secret key).",
            )
        )

        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=props.vpc,
            description="Internet to the load balancer on 80/443; out only to the service tasks",
            allow_all_outbound=False,
        )
        self.task_security_group = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=props.vpc,
            description="Service and migration tasks: in from the load balancer only",
            allow_all_outbound=False,
        )
        # Tasks reach ECR, Secrets Manager, CloudWatch Logs and S3 over HTTPS (through NAT or the S3 endpoint);
        # the database rule is added below; nothing else leaves the task.
        self.task_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs (ECR, Secrets Manager, logs, S3)"
        )
        # A literal port keeps the rule readable in `cdk diff` (the instance's port attribute is a cross-stack
        # token); the rule lives in this stack, so the database stack never depends on the service stack.
        self.task_security_group.connections.allow_to(
            props.database, ec2.Port.tcp(DATABASE_PORT), "Tasks to PostgreSQL"
        )

        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=props.vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            deletion_protection=config.is_production,
        )
        self.load_balancer.log_access_logs(props.access_logs_bucket, prefix=f"alb/{config.name}")
        cdk.Validations.of(self.load_balancer_security_group).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-EC23",
                reason="The load balancer is the platform's public entry point: 80 (redirect) and 443 from anywhere.",
            )
        )

        public_host = config.domain.domain_name if config.domain else self.load_balancer.load_balancer_dns_name
        self.service_url = f"https://{public_host}" if config.domain else f"http://{public_host}"
        # By name, not by reference: the service stack needs nothing from the storage stack's outputs for it.
        submissions_bucket = s3.Bucket.from_bucket_name(self, "SubmissionsBucket", config.submissions_bucket_name)
        settings = _container_settings(
            config=config,
            public_host=public_host,
            service_url=self.service_url,
            database_secret=props.database_secret,
            django_secret_key=django_secret_key,
            submissions_bucket=submissions_bucket,
        )

        self.task_definition = self._task_definition(
            "WebTask", f"competition-platform-{config.name}-web", config.service
        )
        self.task_definition.add_container(
            "web",
            image=image,
            essential=True,
            port_mappings=[ecs.PortMapping(container_port=CONTAINER_PORT, name="http")],
            logging=ecs.LogDriver.aws_logs(stream_prefix="web", log_group=log_group),
            environment=settings.environment,
            secrets=settings.secrets,
            stop_timeout=cdk.Duration.seconds(30),
        )

        self._grant_web_task_access(submissions_bucket, props.database_secret)

        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=f"competition-platform-{config.name}-web",
            cluster=self.cluster,
            task_definition=self.task_definition,
            vpc_subnets=TASK_SUBNETS,
            security_groups=[self.task_security_group],
            assign_public_ip=False,
            # A rolling deployment never drops below the current capacity and may double it while it runs.
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            deployment_alarms=ecs.DeploymentAlarmConfig(
                alarm_names=[_alarm_name(config, "target-5xx"), _alarm_name(config, "unhealthy-targets")],
                behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
            ),
            health_check_grace_period=cdk.Duration.seconds(60),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_ecs_managed_tags=True,
        )

        self.migration_task_definition = self._task_definition(
            "MigrationTask", f"competition-platform-{config.name}-migrate", config.service
        )
        self.migrations = DatabaseMigrations(
            self,
            "Migrations",
            DatabaseMigrationsProps(
                cluster=self.cluster,
                cluster_name=cluster_name,
                task_definition=self.migration_task_definition,
                image=image,
                image_version=image_asset.asset_hash,
                environment=settings.environment,
                secrets=settings.secrets,
                log_group=log_group,
                subnets=TASK_SUBNETS,
                security_group=self.task_security_group,
                run_before=self.service,
            ),
        )
        self._acknowledge_task_definition_findings()

        target_group = self._listeners(config).add_targets(
            "Service",
            port=CONTAINER_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            deregistration_delay=cdk.Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=HEALTH_CHECK_PATH,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(15),
                timeout=cdk.Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )

        scaling = self.service.auto_scale_task_count(
            min_capacity=config.service.min_count, max_capacity=config.service.max_count
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

        self._deployment_alarms(config, target_group)

        # The pipeline's smoke test reads this output (env_from_cfn_outputs).
        self.service_url_output = cdk.CfnOutput(
            self, "ServiceUrl", value=self.service_url, description="Public URL of the service"
        )
        cdk.CfnOutput(self, "ClusterName", value=self.cluster.cluster_name)
        cdk.CfnOutput(self, "MigrationTaskDefinitionArn", value=self.migration_task_definition.task_definition_arn)

    def _deployment_alarms(self, config: EnvironmentConfig, target_group: elbv2.ApplicationTargetGroup) -> None:
        """Alarms the ECS deployment watches: either one firing during a rollout rolls the service back."""
        errors = cloudwatch.Alarm(
            self,
            "Target5xxAlarm",
            alarm_name=_alarm_name(config, "target-5xx"),
            alarm_description="The service answers 5xx; a deployment in progress rolls back",
            metric=target_group.metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=cdk.Duration.minutes(1), statistic="Sum"
            ),
            threshold=TARGET_5XX_PER_MINUTE,
            evaluation_periods=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        unhealthy = cloudwatch.Alarm(
            self,
            "UnhealthyTargetsAlarm",
            alarm_name=_alarm_name(config, "unhealthy-targets"),
            alarm_description="Targets fail the health check; a deployment in progress rolls back",
            metric=target_group.metrics.unhealthy_host_count(period=cdk.Duration.minutes(1), statistic="Maximum"),
            threshold=1,
            evaluation_periods=3,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        # ECS looks the alarms up by name when a deployment starts: they must exist first.
        self.service.node.add_dependency(errors, unhealthy)

    def _grant_web_task_access(self, submissions_bucket: s3.IBucket, database_secret: secretsmanager.ISecret) -> None:
        """The web task reads, writes and deletes submission files, and nothing else in S3; the migration task
        needs no bucket access at all."""
        task_role = self.task_definition.task_role
        bucket_grants = s3.BucketGrants.from_bucket(submissions_bucket)
        bucket_grants.actions_on_object_keys(task_role, "*", "s3:GetObject", "s3:PutObject", "s3:DeleteObject")
        # Without ListBucket a missing key answers 403 instead of 404 and storage.exists() raises.
        bucket_grants.actions_on_bucket_and_object_keys(task_role, "*", "s3:ListBucket")
        # The app re-reads the rotated password itself when a new connection is refused: ECS injects secrets
        # only at task start (aws/containers-roadmap#495).
        database_secret.grant_read(task_role)
        cdk.Validations.of(task_role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{submissions_bucket.bucket_arn}/*]",
                reason="Submission files are created at run time under keys the service chooses; the grant is "
                "limited to Get/Put/DeleteObject in this one bucket.",
            )
        )

    def _acknowledge_task_definition_findings(self) -> None:
        for task_definition in (self.task_definition, self.migration_task_definition):
            cdk.Validations.of(task_definition).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions-ECS2",
                    reason="Only non-secret settings (allowed hosts, bucket name, secret ARN) are environment "
                    "variables; every credential is an ECS secret from Secrets Manager.",
                )
            )
            execution_role = task_definition.obtain_execution_role()
            cdk.Validations.of(execution_role).acknowledge(
                cdk.Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason="ecr:GetAuthorizationToken has no resource-level permissions and must name *; the "
                    "image pull itself is limited to the asset repository.",
                )
            )

    def _task_definition(self, construct_id: str, family: str, size: ServiceConfig) -> ecs.FargateTaskDefinition:
        return ecs.FargateTaskDefinition(
            self,
            construct_id,
            family=family,
            cpu=size.cpu,
            memory_limit_mib=size.memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )

    def _listeners(self, config: EnvironmentConfig) -> elbv2.ApplicationListener:
        """The listener that forwards to the service: HTTPS with a redirect from HTTP when the environment has a
        domain, plain HTTP otherwise (dev without a domain)."""
        if config.domain is None:
            self.load_balancer_security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP")
            return self.load_balancer.add_listener("Http", port=80, open=False)

        zone = route53.HostedZone.from_hosted_zone_attributes(
            self,
            "Zone",
            hosted_zone_id=config.domain.hosted_zone_id,
            zone_name=config.domain.hosted_zone_name,
        )
        certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=config.domain.domain_name,
            validation=acm.CertificateValidation.from_dns(zone),
        )
        route53.ARecord(
            self,
            "DnsRecord",
            zone=zone,
            record_name=config.domain.domain_name,
            target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(self.load_balancer)),
        )
        self.load_balancer_security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP redirect")
        self.load_balancer_security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS")
        self.load_balancer.add_listener(
            "Http",
            port=80,
            open=False,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
        )
        return self.load_balancer.add_listener(
            "Https",
            port=443,
            open=False,
            certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
        )


def _alarm_name(config: EnvironmentConfig, what: str) -> str:
    return f"competition-platform-{config.name}-{what}"


@dataclass(frozen=True)
class _ContainerSettings:
    environment: dict[str, str]
    secrets: dict[str, ecs.Secret]


def _container_settings(
    *,
    config: EnvironmentConfig,
    public_host: str,
    service_url: str,
    database_secret: secretsmanager.ISecret,
    django_secret_key: secretsmanager.ISecret,
    submissions_bucket: s3.IBucket,
) -> _ContainerSettings:
    """The service's 12-factor settings: plain configuration as environment variables, every credential as an
    ECS secret resolved from Secrets Manager at task start (never in the task definition)."""
    return _ContainerSettings(
        environment={
            "DJANGO_ALLOWED_HOSTS": public_host,
            "DJANGO_CSRF_TRUSTED_ORIGINS": service_url,
            "DJANGO_SECURE_SSL_REDIRECT": "true" if config.domain else "false",
            "DATABASE_SSLMODE": "require",
            "DATABASE_SECRET_ARN": database_secret.secret_arn,
            "SUBMISSIONS_BUCKET": submissions_bucket.bucket_name,
            "PLATFORM_ENVIRONMENT": config.name,
        },
        secrets={
            "DATABASE_HOST": ecs.Secret.from_secrets_manager(database_secret, "host"),
            "DATABASE_PORT": ecs.Secret.from_secrets_manager(database_secret, "port"),
            "DATABASE_NAME": ecs.Secret.from_secrets_manager(database_secret, "dbname"),
            "DATABASE_USER": ecs.Secret.from_secrets_manager(database_secret, "username"),
            "DATABASE_PASSWORD": ecs.Secret.from_secrets_manager(database_secret, "password"),
            "DJANGO_SECRET_KEY": ecs.Secret.from_secrets_manager(django_secret_key),
        },
    )
