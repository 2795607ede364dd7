"""What happens to a stateful resource when its stack is deleted or the resource replaced: kept everywhere but dev,
where `cdk destroy` must leave nothing behind (EnvironmentConfig.keeps_data)."""

from __future__ import annotations

import aws_cdk as cdk

from stacks.config import EnvironmentConfig


def retained_outside_dev(config: EnvironmentConfig) -> cdk.RemovalPolicy:
    return cdk.RemovalPolicy.RETAIN if config.keeps_data else cdk.RemovalPolicy.DESTROY


def snapshotted_outside_dev(config: EnvironmentConfig) -> cdk.RemovalPolicy:
    """For databases: a final snapshot, then deletion."""
    return cdk.RemovalPolicy.SNAPSHOT if config.keeps_data else cdk.RemovalPolicy.DESTROY
