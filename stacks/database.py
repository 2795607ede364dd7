"""DatabaseStack: the platform's PostgreSQL on RDS. Stateful: nothing here may be replaced by an ordinary change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.backup import DatabaseBackup, DatabaseBackupProps
from stacks.config import EnvironmentConfig, OffHoursConfig
from stacks.database_app_user import (
    ROTATION_SCHEDULE_ID,
    DatabaseAppUser,
    DatabaseAppUserProps,
    rotation_ingress_rules,
)
from stacks.log_groups import environment_log_group, secret_rotation_log_group
from stacks.nag import acknowledge, aws_managed_policy
from stacks.off_hours import OffHoursSchedule, OffHoursScheduleProps, rotate_inside_working_hours
from stacks.removal_policies import retained_outside_dev, snapshotted_outside_dev

# A full minor version: a major-only version is deprecated for new instances (cfn-lint W3691), and an explicit
# minor makes every engine upgrade a reviewed change. Minor upgrades are applied by changing this line.
# stacks/postgres_support.py records when each minor leaves RDS standard support (a test fails once it has).
POSTGRES_VERSION = rds.PostgresEngineVersion.VER_17_9
DATABASE_NAME = "competitions"
# Not PostgreSQL's default 5432: scanners probing the default port find nothing (cdk-nag AwsSolutions-RDS11).
DATABASE_PORT = 5433
# The logs the instance exports to CloudWatch Logs: (construct id of its log group, RDS's name for it).
EXPORTED_LOGS = (("PostgresqlLogs", "postgresql"), ("UpgradeLogs", "upgrade"))
SECRET_ROTATION_INTERVAL = cdk.Duration.days(30)
# The rotation functions need Secrets Manager's public endpoint: private subnets with a way out.
ROTATION_SUBNETS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)


@dataclass(frozen=True)
class DatabaseStackProps:
    config: EnvironmentConfig
    vpc: ec2.IVpc
    log_key: kms.IKey  # the environment's key (stacks/encryption.py): this stack's log groups


class DatabaseStack(cdk.Stack):
    """RDS PostgreSQL in the isolated subnets, encrypted with its own KMS key, with a rotated secret.

    Other stacks use `instance` (for `connections`) and `secret` (for the credentials); they never change this
    stack's resources, so that deleting or replacing a stateless stack cannot touch the database.
    """

    def __init__(self, scope: Construct, construct_id: str, props: DatabaseStackProps) -> None:
        config = props.config
        super().__init__(
            scope,
            construct_id,
            description="Competition platform: PostgreSQL on RDS (stateful)",
            termination_protection=config.keeps_data,
        )
        self.config = config
        # The identifier names the instance's log group; a fixed name also makes an accidental replacement fail
        # loudly (the name is taken) instead of silently creating an empty database.
        instance_identifier = config.resource_name()
        self.encryption_key = kms.Key(
            self,
            "StorageKey",
            description=f"Encrypts the {config.name} competition platform database and its backups",
            enable_key_rotation=True,
            removal_policy=retained_outside_dev(config),
        )
        self.instance = self._instance(
            props,
            instance_identifier,
            parameter_group=self._parameter_group(),
            exported_logs=self._exported_log_groups(props, instance_identifier),
        )
        self.secret, owner_secret = self._owner_secret()
        self.rotation, self.rotation_schedule = self._rotate_owner(props)
        self.app_user = self._app_user(props, owner_secret)
        self.app_secret = self.app_user.secret
        self.backup = self._backup()
        self._create_the_instance_last()
        off_hours = config.cost_profile.off_hours
        if off_hours is not None and off_hours.stop_database:
            self._stop_outside_working_hours(config, off_hours, instance_identifier)

        cdk.CfnOutput(self, "DatabaseEndpoint", value=self.instance.db_instance_endpoint_address)
        cdk.CfnOutput(self, "DatabaseSecretArn", value=self.secret.secret_arn)
        cdk.CfnOutput(self, "DatabaseAppSecretArn", value=self.app_secret.secret_arn)

    def _parameter_group(self) -> rds.ParameterGroup:
        return rds.ParameterGroup(
            self,
            "Parameters",
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            description=f"Competition platform {self.config.name}: SSL only, slow-query and DDL logging",
            parameters={
                "rds.force_ssl": "1",
                "log_min_duration_statement": "500",
                "log_statement": "ddl",
                "log_connections": "1",
                "log_disconnections": "1",
            },
        )

    def _exported_log_groups(self, props: DatabaseStackProps, instance_identifier: str) -> list[logs.LogGroup]:
        """One log group per exported log, created before the instance. The engine upgrade log is written only
        during an upgrade, but RDS would otherwise create its group itself on the first one, unencrypted and kept
        forever."""
        return [
            environment_log_group(
                self,
                construct_id,
                self.config,
                log_group_name=f"/aws/rds/instance/{instance_identifier}/{log}",
                production_retention=logs.RetentionDays.ONE_YEAR,
                encryption_key=props.log_key,
            )
            for construct_id, log in EXPORTED_LOGS
        ]

    def _instance(
        self,
        props: DatabaseStackProps,
        instance_identifier: str,
        *,
        parameter_group: rds.ParameterGroup,
        exported_logs: list[logs.LogGroup],
    ) -> rds.DatabaseInstance:
        config = self.config
        instance = rds.DatabaseInstance(
            self,
            "Postgres",
            instance_identifier=instance_identifier,
            engine=rds.DatabaseInstanceEngine.postgres(version=POSTGRES_VERSION),
            instance_type=ec2.InstanceType(config.database.instance_class),
            vpc=props.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            publicly_accessible=False,
            port=DATABASE_PORT,
            database_name=DATABASE_NAME,
            credentials=rds.Credentials.from_generated_secret(
                "platform_admin", secret_name=config.secret_name("database"), encryption_key=self.encryption_key
            ),
            storage_type=rds.StorageType.GP3,
            allocated_storage=config.database.allocated_storage_gib,
            max_allocated_storage=config.database.max_allocated_storage_gib,
            storage_encrypted=True,
            storage_encryption_key=self.encryption_key,
            multi_az=config.database.multi_az,
            backup_retention=cdk.Duration.days(config.database.backup_retention_days),
            preferred_backup_window="02:00-03:00",
            preferred_maintenance_window="Sun:03:30-Sun:04:30",
            copy_tags_to_snapshot=True,
            delete_automated_backups=not config.keeps_data,
            deletion_protection=config.keeps_data,
            removal_policy=snapshotted_outside_dev(config),
            auto_minor_version_upgrade=False,
            allow_major_version_upgrade=False,
            parameter_group=parameter_group,
            cloudwatch_logs_exports=[log for _, log in EXPORTED_LOGS],
            # The loader refuses Performance Insights on the classes that do not offer it.
            **_performance_insights(config, self.encryption_key),
            monitoring_interval=cdk.Duration.seconds(60),
            iam_authentication=False,
        )
        # RDS writes into the groups above only if they exist before the export is switched on.
        instance.node.add_dependency(*exported_logs)
        self._acknowledge_findings(instance, config)
        return instance

    def _owner_secret(self) -> tuple[secretsmanager.ISecret, secretsmanager.Secret]:
        """The master (owner) credentials: migrations connect with them; the service never does. Kept like the
        instance. Returns the secret attached to the instance and the generated secret (the instance's child)."""
        secret = self.instance.secret
        if secret is None:  # from_generated_secret always creates one; this keeps the type checker honest
            raise RuntimeError("the database instance has no generated secret")
        generated_secret = self.instance.node.find_child("Secret")
        if not isinstance(generated_secret, secretsmanager.Secret):
            raise RuntimeError("the database instance's generated secret is not where CDK puts it")
        generated_secret.apply_removal_policy(retained_outside_dev(self.config))
        return secret, generated_secret

    def _rotate_owner(
        self, props: DatabaseStackProps
    ) -> tuple[secretsmanager.SecretRotation, secretsmanager.RotationSchedule]:
        """Rotation runs in a Lambda function in the private subnets (it needs Secrets Manager's public endpoint
        through the NAT); it reaches the database through the security group CDK opens for it. The owner's schedule
        is created here, after that opening (creating a schedule runs the function's testSecret step at once) and
        never rotates on creation; the app user's is created by the Service stack (see DatabaseAppUser)."""
        rotation = self.instance.add_rotation_single_user(
            automatically_after=SECRET_ROTATION_INTERVAL,
            vpc_subnets=ROTATION_SUBNETS,
            rotate_immediately_on_update=False,
        )
        schedule = self.secret.node.find_child(ROTATION_SCHEDULE_ID)
        if not isinstance(schedule, secretsmanager.RotationSchedule):
            raise RuntimeError(f"{self.secret.node.path}: the owner's rotation schedule is not where CDK puts it")
        schedule.node.add_dependency(*rotation_ingress_rules(rotation))
        secret_rotation_log_group(self, "PostgresRotationLogs", self.config, rotation, encryption_key=props.log_key)
        return rotation, schedule

    def _app_user(self, props: DatabaseStackProps, owner_secret: secretsmanager.Secret) -> DatabaseAppUser:
        return DatabaseAppUser(
            self,
            "AppUser",
            DatabaseAppUserProps(
                config=self.config,
                instance=self.instance,
                master_secret=owner_secret,
                encryption_key=self.encryption_key,
                log_key=props.log_key,
                rotation_subnets=ROTATION_SUBNETS,
            ),
        )

    def _backup(self) -> DatabaseBackup | None:
        backup = self.config.operations.backup
        if backup is None:
            return None
        return DatabaseBackup(
            self,
            "Backup",
            DatabaseBackupProps(
                config=self.config, backup=backup, instance=self.instance, encryption_key=self.encryption_key
            ),
        )

    def _create_the_instance_last(self) -> None:
        """Everything of this stack that does not need the instance is created before it: the rotation functions
        (nested stacks from the Serverless Application Repository, the slowest and most outside-dependent part), the
        app user's secret, and the backup vault, plan and role. What must follow the instance (the secrets'
        attachments, the owner's rotation schedule, which rotates nothing at creation, the rotation functions' way to
        the port, resource policies, the backup selection, whose role has long propagated by then) cannot fail for a
        reason outside the template, so a first create that fails after the deletion-protected instance exists, which
        would leave the stack in ROLLBACK_FAILED, is as unlikely as it can be made (README: "First deployment").
        Only the CloudFormation resource depends on them: the instance's children (its secret, its rotation) must
        not."""
        instance = self.instance.node.default_child
        if not isinstance(instance, rds.CfnDBInstance):
            raise RuntimeError("the database instance's CloudFormation resource is not where CDK puts it")
        app_secret = self.app_user.generated_secret.node.default_child
        if not isinstance(app_secret, cdk.CfnResource):
            raise RuntimeError("the app user's secret has no CloudFormation resource")
        instance.node.add_dependency(self.rotation, self.app_user.rotation, app_secret)
        if self.backup is not None:
            instance.node.add_dependency(*self.backup.before_the_instance())

    def _stop_outside_working_hours(
        self, config: EnvironmentConfig, off_hours: OffHoursConfig, identifier: str
    ) -> None:
        """Stopped outside working hours (storage is still billed; RDS starts a stopped instance by itself after seven
        days, longer than any weekend). The owner's secret then rotates inside working hours (the app user's schedule
        in the Service stack does the same)."""
        OffHoursSchedule(
            self,
            "OffHours",
            OffHoursScheduleProps(
                config=config,
                off_hours=off_hours,
                what=f"the {config.name} database",
                sdk_service="rds",
                stop_action="stopDBInstance",
                start_action="startDBInstance",
                resource_arn=self.instance.instance_arn,
                target_input={"DbInstanceIdentifier": identifier},
            ),
        )
        rotate_inside_working_hours(self.rotation_schedule, off_hours)

    def _acknowledge_findings(self, instance: rds.DatabaseInstance, config: EnvironmentConfig) -> None:
        acknowledge(
            instance.node.find_child("MonitoringRole"),
            aws_managed_policy("service-role/AmazonRDSEnhancedMonitoringRole"),
            reason="Enhanced monitoring needs exactly this AWS-maintained policy (CloudWatch Logs writes to the "
            "RDSOSMetrics group); AWS keeps it in step with the agent.",
        )
        if not config.database.multi_az:
            acknowledge(
                instance,
                "AwsSolutions-RDS3",
                reason=f"{config.name} runs single-AZ by configuration to save cost; the config loader rejects a "
                "production database without multi-AZ.",
            )
        if not config.keeps_data:
            acknowledge(
                instance,
                "AwsSolutions-RDS10",
                reason="dev holds only demo data and must be removable with cdk destroy; staging and prod have "
                "deletion protection.",
            )


def _performance_insights(config: EnvironmentConfig, key: kms.IKey) -> dict[str, Any]:
    """Performance Insights as configured: encrypted with the database's key and kept the free 7 days, or off."""
    if not config.database.performance_insights:
        return {"enable_performance_insights": False}
    return {
        "enable_performance_insights": True,
        "performance_insight_encryption_key": key,
        "performance_insight_retention": rds.PerformanceInsightRetention.DEFAULT,
    }
