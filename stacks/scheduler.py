"""What every EventBridge Scheduler schedule of the platform shares: a role only this account's schedules may
assume, and the universal target that calls one AWS API action directly
(`arn:<partition>:scheduler:::aws-sdk:<service>:<action>`: no function to write, deploy or patch). Used by the
off-hours schedules (stacks/off_hours.py) and the scoring sweep (stacks/scoring/sweep.py)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import region_info
from constructs import Construct

from stacks.config import EnvironmentConfig


def scheduler_role(scope: Construct, config: EnvironmentConfig, *, description: str) -> iam.Role:
    """The role a schedule calls its target with (construct id `Role`), assumable by Scheduler for this account only."""
    return iam.Role(
        scope,
        "Role",
        description=description,
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": config.account}}
        ),
    )


def universal_target_arn(config: EnvironmentConfig, *, service: str, action: str) -> str:
    """`action` is the API action as the AWS SDK spells it (`stopDBInstance`, `runTask`)."""
    partition = region_info.RegionInfo.get(config.region).partition or "aws"
    return f"arn:{partition}:scheduler:::aws-sdk:{service}:{action}"
