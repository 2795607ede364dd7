"""Log groups of one environment: production keeps its logs longer, every other environment a month; outside dev
the group outlives its stack (logs are evidence after an incident), dev leaves nothing behind.

Every log group is encrypted with the environment's key (stacks/encryption.py): the key is a required argument, so a
new group cannot forget it. Setting or changing a group's KmsKeyId updates it in place (AssociateKmsKey); only the
events written afterwards are encrypted with the key.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.removal_policies import retained_outside_dev

OUTSIDE_PRODUCTION = logs.RetentionDays.ONE_MONTH


def environment_log_group(
    scope: Construct,
    construct_id: str,
    config: EnvironmentConfig,
    *,
    production_retention: logs.RetentionDays,
    encryption_key: kms.IKey,
    log_group_name: str | None = None,
) -> logs.LogGroup:
    return encrypted_log_group(
        scope,
        construct_id,
        retention=production_retention if config.is_production else OUTSIDE_PRODUCTION,
        removal_policy=retained_outside_dev(config),
        encryption_key=encryption_key,
        log_group_name=log_group_name,
    )


def encrypted_log_group(
    scope: Construct,
    construct_id: str,
    *,
    retention: logs.RetentionDays,
    removal_policy: cdk.RemovalPolicy,
    encryption_key: kms.IKey,
    log_group_name: str | None = None,
) -> logs.LogGroup:
    """A log group whose retention and removal do not follow the environment (the migration runner's)."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        retention=retention,
        removal_policy=removal_policy,
        encryption_key=encryption_key,
    )


def lambda_log_group_name(function_name: str) -> str:
    """Where Lambda writes a function's logs unless told otherwise: creating the group first (with its key and
    retention) is the only way to set them for a function CDK does not create itself (the rotation function comes
    from the Serverless Application Repository)."""
    return f"/aws/lambda/{function_name}"


def secret_rotation_log_group(
    scope: Construct,
    construct_id: str,
    config: EnvironmentConfig,
    rotation: secretsmanager.SecretRotation,
    *,
    encryption_key: kms.IKey,
) -> logs.LogGroup:
    """The log group of a rotation function, created before the function first runs (the rotation schedule rotates
    at once when it is created). CDK names the function after the rotation construct's unique id."""
    group = environment_log_group(
        scope,
        construct_id,
        config,
        production_retention=logs.RetentionDays.ONE_YEAR,
        encryption_key=encryption_key,
        log_group_name=lambda_log_group_name(rotation_function_name(rotation)),
    )
    rotation.node.add_dependency(group)
    return group


def rotation_function_name(rotation: secretsmanager.SecretRotation) -> str:
    """The name CDK gives the rotation function it deploys from the Serverless Application Repository (its
    `functionName` parameter): tests/test_monitoring.py checks that the template says the same."""
    return cdk.Names.unique_id(rotation)
