"""DatabaseAppUser: the web service's own PostgreSQL login, with least privilege and alternating-users rotation.

The service does not connect as the master user (the owner of the schema, which migrations keep using). It connects
as `app`, a login role the migration task creates if it is missing (from this secret's first password) and grants
DML on every table and sequence of the schema. Rotation alternates between `app` and `app_clone`: the rotation
function logs in with the master secret, creates the clone once with `GRANT app TO app_clone`, and from then on
changes the password of whichever of the two is not current, so connections opened with the other keep working.

The secret, its rotation function and the function's way to the database port live here, in the stateful stack. The
rotation *schedule* does not: creating a schedule makes Secrets Manager test the configuration at once, by running
the function's `testSecret` step even when it does not rotate (`RotateImmediatelyOnUpdate: false`), and that step
logs in as `app`, which exists only once the Service stack's migration task has created it. So the Service stack
creates the schedule after its migration Trigger (stacks/service/app_login_rotation.py), from the function ARN this
construct exports.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from stacks.config import EnvironmentConfig
from stacks.log_groups import secret_rotation_log_group
from stacks.nag import acknowledge
from stacks.removal_policies import retained_outside_dev

# The base role; the rotation's clone is `app_clone`. Grants go to the base role, which the clone inherits.
APP_USER = "app"
# RDS's default for generated database passwords (rds.DatabaseSecret): characters a connection string or shell
# would need to escape. The rotation generates new passwords with the same rule.
EXCLUDED_CHARACTERS = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"
# Where CDK's SecretRotation puts the schedule it adds to the secret.
ROTATION_SCHEDULE_ID = "RotationSchedule"


@dataclass(frozen=True)
class DatabaseAppUserProps:
    config: EnvironmentConfig
    instance: rds.DatabaseInstance
    # The generated master secret itself, not its attachment to the instance: the same ARN, but no dependency on the
    # instance, so that this secret and its rotation function can be created before the instance (stacks/database.py).
    master_secret: secretsmanager.ISecret
    encryption_key: kms.IKey  # the database's key, which encrypts the master secret too
    log_key: kms.IKey  # the environment's key: the rotation function's log group
    rotation_subnets: ec2.SubnetSelection


class DatabaseAppUser(Construct):
    """The app user's secret (username, password, and the instance's host, port and database once attached), and
    its rotation."""

    def __init__(self, scope: Construct, construct_id: str, props: DatabaseAppUserProps) -> None:
        super().__init__(scope, construct_id)
        self.generated_secret = rds.DatabaseSecret(
            self,
            "Secret",
            username=APP_USER,
            # The multi-user rotation reads `masterarn` from the secret to log in as the master user.
            master_secret=props.master_secret,
            secret_name=props.config.secret_name("database-app"),
            exclude_characters=EXCLUDED_CHARACTERS,
            encryption_key=props.encryption_key,
        )
        self.generated_secret.apply_removal_policy(retained_outside_dev(props.config))
        # Adds host, port, dbname and engine to the secret: the web task reads all of its DATABASE_* from it.
        self.secret = self.generated_secret.attach(props.instance)
        self.rotation = secretsmanager.SecretRotation(
            self,
            "Rotation",
            application=secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_MULTI_USER,
            secret=self.secret,
            master_secret=props.master_secret,
            target=props.instance,
            vpc=props.instance.vpc,
            vpc_subnets=props.rotation_subnets,
            exclude_characters=EXCLUDED_CHARACTERS,
        )
        # SecretRotation always schedules: that schedule is removed (so its interval is not set here) and made again
        # in the Service stack (see above).
        if not self.secret.node.try_remove_child(ROTATION_SCHEDULE_ID):
            raise RuntimeError(f"{self.secret.node.path}: no {ROTATION_SCHEDULE_ID} where CDK's SecretRotation puts it")
        application = self.rotation.node.default_child
        if not isinstance(application, cdk.CfnResource):
            raise RuntimeError(f"{self.rotation.node.path}: the rotation function's application is not its child")
        # The nested stack's output: a strong reference, so CloudFormation refuses to remove the function while the
        # Service stack's schedule names it.
        self.rotation_function_arn = application.get_att("Outputs.RotationLambdaARN").to_string()
        self.rotation_ingress: list[IConstruct] = list(rotation_ingress_rules(self.rotation))
        acknowledge(
            self.generated_secret,
            "AwsSolutions-SMG4",
            reason="Rotated by this stack's rotation function on a schedule the Service stack creates after the "
            "migration that creates the app role (a schedule is tested at once; stacks/service/app_login_rotation.py), "
            "so cdk-nag, which looks only in this stack, does not see it (tests/test_database_stack.py checks it).",
        )
        secret_rotation_log_group(self, "RotationLogs", props.config, self.rotation, encryption_key=props.log_key)


def rotation_ingress_rules(rotation: secretsmanager.SecretRotation) -> list[ec2.CfnSecurityGroupIngress]:
    """The rules that let a rotation function reach its database's port (CDK's SecretRotation adds them to the
    database's security group, in the function's stack). A schedule created before them would test the rotation
    against a closed port."""
    group = rotation.node.find_child("SecurityGroup")
    if not isinstance(group, ec2.SecurityGroup):
        raise RuntimeError(f"{rotation.node.path}: the rotation function's security group is not where CDK puts it")
    rules = [
        construct
        for construct in cdk.Stack.of(rotation).node.find_all()
        if isinstance(construct, ec2.CfnSecurityGroupIngress)
        and construct.source_security_group_id == group.security_group_id
    ]
    if not rules:
        raise RuntimeError(f"{rotation.node.path}: no ingress rule lets the rotation function reach the database")
    return rules
