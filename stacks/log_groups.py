"""Log groups of one environment: production keeps its logs longer, every other environment a month; outside dev
the group outlives its stack (logs are evidence after an incident), dev leaves nothing behind."""

from __future__ import annotations

from aws_cdk import aws_logs as logs
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
    log_group_name: str | None = None,
) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        retention=production_retention if config.is_production else OUTSIDE_PRODUCTION,
        removal_policy=retained_outside_dev(config),
    )
