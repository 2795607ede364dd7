"""Termination protection that is real: CDK Pipelines ignores a stack's `termination_protection`
(aws/aws-cdk#17871), so the pipeline turns it on after each stage's deployment, and the synth summary says "on" only
for what CloudFormation will show as on."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.termination_protection import ENABLE_COMMAND, PROFILE, deploy_role_arn
from platform_app import REPO_ROOT
from scripts.synth_summary import summarize
from stacks.config import PlatformConfig
from tests.conftest import PIPELINE_STACK, SynthesizedPlatform
from tests.fixtures.cloud_assemblies import write_assembly
from tests.test_pipeline_stack import build_spec, stage

BOOTSTRAP_TEMPLATE = REPO_ROOT / "node_modules" / "aws-cdk" / "lib" / "api" / "bootstrap" / "bootstrap-template.yaml"
STAGES = [("Staging", "staging"), ("Prod", "prod")]


def declared_protected(synthesized: SynthesizedPlatform, environment: str) -> list[str]:
    stage_stacks = synthesized.platform.stages[environment].node.children
    return sorted(s.stack_name for s in stage_stacks if getattr(s, "termination_protection", False))


@pytest.mark.parametrize(("name", "environment"), STAGES)
def test_the_pipeline_protects_every_stack_that_asks_for_it_after_the_stage_is_deployed(
    synthesized: SynthesizedPlatform, config: PlatformConfig, name: str, environment: str
) -> None:
    env = config.environment(environment)
    actions = stage(synthesized, name)
    (step,) = [action for action in actions if action["Name"] == "TerminationProtection"]
    commands = build_spec(synthesized, f"Pipeline/{name}/TerminationProtection")["phases"]["build"]["commands"]

    enabled = sorted(
        shlex.split(command)[shlex.split(command).index("--stack-name") + 1]
        for command in commands
        if command.startswith(ENABLE_COMMAND)
    )
    assert enabled == declared_protected(synthesized, environment)
    assert f"{name}-Database" in enabled and f"{name}-Certificate" not in enabled
    assert f"aws configure set role_arn {deploy_role_arn(env.account, env.region)} --profile {PROFILE}" in commands
    assert sum("EnableTerminationProtection" in command and "= True" in command for command in commands) == len(
        enabled
    ), "each protection is read back"
    deploys = [action["RunOrder"] for action in actions if action["ActionTypeId"]["Category"] == "Deploy"]
    assert step["RunOrder"] > max(deploys), "only once every stack of the stage exists"


@pytest.mark.parametrize(("name", "environment"), STAGES)
def test_the_step_may_assume_only_the_target_accounts_deploy_role(
    synthesized: SynthesizedPlatform, config: PlatformConfig, name: str, environment: str
) -> None:
    env = config.environment(environment)
    policies = synthesized.resources(PIPELINE_STACK, "AWS::IAM::Policy")
    (policy,) = [p for logical_id, p in policies.items() if f"{name}TerminationProtectionRole" in logical_id]

    assume = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Action"] == "sts:AssumeRole"]

    assert assume == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": deploy_role_arn(env.account, env.region)}
    ]


def bootstrap_deploy_role() -> dict[str, Any]:
    role: dict[str, Any] = yaml.safe_load(BOOTSTRAP_TEMPLATE.read_text())["Resources"]["DeploymentActionRole"]
    return role


def test_the_bootstrap_deploy_role_may_update_termination_protection() -> None:
    """Read from the bootstrap template of the pinned CDK CLI (package.json): `cdk bootstrap` creates that role."""
    properties = bootstrap_deploy_role()["Properties"]
    actions = [
        action
        for policy in properties["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
        for action in statement["Action"]
    ]

    assert "cloudformation:UpdateTerminationProtection" in actions
    assert ":iam::aws:policy/AWSCloudFormationReadOnlyAccess" in json.dumps(properties["ManagedPolicyArns"])
    assert properties["RoleName"] == {"Fn::Sub": "cdk-${Qualifier}-deploy-role-${AWS::AccountId}-${AWS::Region}"}
    trusted = json.dumps(properties["AssumeRolePolicyDocument"])
    assert '"Ref": "TrustedAccounts"' in trusted, "`cdk bootstrap --trust <pipeline account>` lets the pipeline in"


def test_the_summary_says_on_exactly_where_cloudformation_will(synthesized: SynthesizedPlatform) -> None:
    rows = {line.split()[0]: line.split(None, 2)[2] for line in summarize(synthesized.outdir).splitlines()[1:-2]}

    for display_name, stack in ((s.display_name, s) for s in synthesized.stacks.values()):
        expected_on = stack.termination_protection
        assert rows[display_name].startswith("on") is expected_on, display_name
    assert rows["Pipeline/Prod/Database"] == "on (set by the pipeline after deploying)"
    assert rows["Pipeline"] == "on", "deployed by `cdk deploy Pipeline` and its own self-mutation, which apply it"
    assert rows["Pipeline/Staging/Service"] == "off"


def assembly_deploying(tmp_path: Path, buildspec_commands: list[str]) -> Path:
    """A pipeline that deploys Prod-Database (declared protected) and runs one step with the given commands."""
    pipeline = {
        "Resources": {
            "Pipeline": {
                "Type": "AWS::CodePipeline::Pipeline",
                "Properties": {
                    "Stages": [
                        {
                            "Name": "Prod",
                            "Actions": [
                                {
                                    "Name": "Database.Deploy",
                                    "ActionTypeId": {"Provider": "CloudFormation"},
                                    "Configuration": {"StackName": "Prod-Database"},
                                }
                            ],
                        }
                    ]
                },
            },
            "Step": {
                "Type": "AWS::CodeBuild::Project",
                "Properties": {
                    "Source": {"BuildSpec": json.dumps({"phases": {"build": {"commands": buildspec_commands}}})}
                },
            },
        }
    }
    root = write_assembly(tmp_path, {"Pipeline": pipeline, "Pipeline/Prod/Database": {"Resources": {}}})
    manifest_path = root / "assembly-Pipeline-Prod" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (artifact,) = manifest["artifacts"].values()
    artifact["properties"].update(stackName="Prod-Database", terminationProtection=True)
    manifest_path.write_text(json.dumps(manifest))
    return root


def summary_row(assembly: Path, display_name: str) -> str:
    (row,) = [line for line in summarize(assembly).splitlines() if line.startswith(f"{display_name} ")]
    return row.split(None, 2)[2]


def test_a_pipeline_stack_declared_protected_without_a_step_is_reported_off(tmp_path: Path) -> None:
    assembly = assembly_deploying(tmp_path, ["echo deploying"])

    assert summary_row(assembly, "Pipeline/Prod/Database") == (
        "off (declared, but CDK Pipelines ignores it and no pipeline step sets it)"
    )


def test_a_step_that_protects_the_stack_in_another_account_does_not_count(tmp_path: Path) -> None:
    other_account = deploy_role_arn("222222222222", "eu-west-1")  # the fixture deploys into 333333333333
    assembly = assembly_deploying(
        tmp_path,
        [
            f"aws configure set role_arn {other_account} --profile target",
            f"{ENABLE_COMMAND} --stack-name Prod-Database",
        ],
    )

    assert summary_row(assembly, "Pipeline/Prod/Database").startswith("off")


def test_a_step_that_protects_the_stack_in_its_account_counts(tmp_path: Path) -> None:
    own_account = deploy_role_arn("333333333333", "eu-west-1")
    assembly = assembly_deploying(
        tmp_path,
        [f"aws configure set role_arn {own_account} --profile target", f"{ENABLE_COMMAND} --stack-name Prod-Database"],
    )

    assert summary_row(assembly, "Pipeline/Prod/Database") == "on (set by the pipeline after deploying)"
