"""What happens to a stateful resource when its stack is deleted or the resource replaced: kept everywhere but dev,
where `cdk destroy` must leave nothing behind (EnvironmentConfig.keeps_data).

"Kept" is CloudFormation's RetainExceptOnCreate: kept on every update and on deletion, but deleted when the stack
operation that created it rolls back. A failed first deployment then cleans up after itself: a plain Retain would
leave the bucket, log group or secret behind under its fixed name, and the retry would fail with "already exists".
"""

from __future__ import annotations

import aws_cdk as cdk

from stacks.config import EnvironmentConfig


def retained_outside_dev(config: EnvironmentConfig) -> cdk.RemovalPolicy:
    return cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if config.keeps_data else cdk.RemovalPolicy.DESTROY


def snapshotted_outside_dev(config: EnvironmentConfig) -> cdk.RemovalPolicy:
    """For databases: a final snapshot, then deletion."""
    return cdk.RemovalPolicy.SNAPSHOT if config.keeps_data else cdk.RemovalPolicy.DESTROY
