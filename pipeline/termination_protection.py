"""Termination protection that is real for the stacks CDK Pipelines deploys.

A stack's `termination_protection` is applied by `cdk deploy`, but not by CDK Pipelines, whose CloudFormation actions
ignore it (aws/aws-cdk#17871): without this step, staging and production would show "termination protection: off"
in CloudFormation whatever the code says. After a stage is deployed, this step assumes the target account's CDK
bootstrap deploy role (the role the pipeline's deploy actions use; the bootstrap template grants it
`cloudformation:UpdateTerminationProtection` for `cdk deploy` and `cdk destroy`, and trusts the pipeline account
through `cdk bootstrap --trust`) and turns protection on for every stack of the stage that asks for it, then reads it
back. It runs after the whole stage deployed, so a stack whose first create fails is never protected and can be
deleted and retried (README: "First deployment").

scripts/synth_summary.py reads these commands from the pipeline's template: it prints "on" for a pipeline-deployed
stack only when this step enables it.
"""

from __future__ import annotations

import shlex

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines, region_info

from stacks.stage import PlatformStage

STEP_ID = "TerminationProtection"
PROFILE = "target"
# The qualifier of `cdk bootstrap` (its default); the deploy role's name is fixed by the bootstrap template.
BOOTSTRAP_QUALIFIER = cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
ENABLE_COMMAND = "aws cloudformation update-termination-protection --enable-termination-protection"


def protected_stacks(stage: PlatformStage) -> list[cdk.Stack]:
    return [child for child in stage.node.children if isinstance(child, cdk.Stack) and child.termination_protection]


def deploy_role_arn(account: str, region: str) -> str:
    partition = region_info.RegionInfo.get(region).partition
    if partition is None:
        raise ValueError(f"unknown region {region}: its partition names the deploy role's ARN")
    return f"arn:{partition}:iam::{account}:role/cdk-{BOOTSTRAP_QUALIFIER}-deploy-role-{account}-{region}"


def termination_protection_commands(stack_names: list[str], *, role_arn: str, region: str) -> list[str]:
    """Shell commands (for the AWS CLI of CodeBuild's managed image) that enable protection on each stack in the
    account of `role_arn`, and fail unless CloudFormation then reports it on."""
    profile = f"--profile {PROFILE}"
    commands = [
        f"aws configure set role_arn {role_arn} {profile}",
        # CodeBuild hands its project role's credentials to the container like ECS does.
        f"aws configure set credential_source EcsContainer {profile}",
        f"aws configure set region {region} {profile}",
    ]
    for name in stack_names:
        stack = shlex.quote(name)
        commands.append(f"{ENABLE_COMMAND} --stack-name {stack} {profile}")
        commands.append(
            f'test "$(aws cloudformation describe-stacks --stack-name {stack} {profile} '
            f"--query 'Stacks[0].EnableTerminationProtection' --output text)\" = True"
        )
    return commands


def termination_protection_step(stage: PlatformStage) -> pipelines.CodeBuildStep | None:
    """The post-deployment step of `stage`, or None when none of its stacks asks for protection."""
    stacks = protected_stacks(stage)
    if not stacks:
        return None
    config = stage.config
    role_arn = deploy_role_arn(config.account, config.region)
    return pipelines.CodeBuildStep(
        STEP_ID,
        commands=termination_protection_commands(
            [s.stack_name for s in stacks], role_arn=role_arn, region=config.region
        ),
        role_policy_statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])],
    )
