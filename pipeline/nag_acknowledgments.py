"""cdk-nag acknowledgments for the constructs CDK Pipelines generates.

CDK Pipelines writes its own IAM policies: they use wildcards where names are created at run time (artifact
object keys, CodeBuild log streams and report groups) or where AWS offers no resource-level permission. Each
finding is acknowledged on the one generated role it concerns, with the reason it is acceptable; anything new
that CDK Pipelines generates after an upgrade shows up as an unacknowledged finding and fails synthesis.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines, region_info
from constructs import IConstruct

from stacks.nag import acknowledge, acknowledge_lambda_basic_execution, iam5

ARTIFACTS_READ = (
    "Reads the pipeline's own artifacts: object keys are chosen per execution, so the grant covers the objects of "
    "this one bucket (and its KMS key), nothing else."
)
ARTIFACTS_WRITE = (
    "Writes the pipeline's own artifacts: object keys are chosen per execution, so the grant covers the objects of "
    "this one bucket (and its KMS key), nothing else."
)
CODEBUILD_RUNTIME_NAMES = (
    "CodeBuild creates this project's log streams and report groups at run time; the wildcard is limited to names "
    "that start with this project's name."
)


def _artifact_rules(artifact_bucket_id: str, *, write: bool, kms_key: bool = True) -> list[str]:
    rules = [iam5("Action::s3:GetBucket*"), iam5("Action::s3:GetObject*"), iam5("Action::s3:List*")]
    rules.append(iam5(f"Resource::<{artifact_bucket_id}.Arn>/*"))
    if kms_key:
        rules += [iam5("Action::kms:GenerateDataKey*"), iam5("Action::kms:ReEncrypt*")]
    if write:
        rules += [iam5("Action::s3:Abort*"), iam5("Action::s3:DeleteObject*")]
    return rules


def _partition(region: str) -> str:
    partition = region_info.RegionInfo.get(region).partition
    if partition is None:
        raise ValueError(f"unknown region {region}: its partition names the generated ARNs")
    return partition


def _project_runtime_rules(project: codebuild.Project) -> list[str]:
    stack = cdk.Stack.of(project)
    logical_id = stack.get_logical_id(_cfn(project))
    prefix = f"arn:{_partition(stack.region)}"
    return [
        iam5(f"Resource::{prefix}:codebuild:{stack.region}:{stack.account}:report-group/<{logical_id}>-*"),
        iam5(f"Resource::{prefix}:logs:{stack.region}:{stack.account}:log-group:/aws/codebuild/<{logical_id}>:*"),
    ]


def _role(construct: IConstruct) -> iam.Role:
    if isinstance(construct, iam.Role):
        return construct
    raise TypeError(f"{construct.node.path} is not a role")


def acknowledge_generated_findings(
    pipeline: pipelines.CodePipeline,
    build: pipelines.CodeBuildStep,
    artifact_bucket: s3.Bucket,
    build_cache: s3.Bucket,
) -> None:
    """Call after `pipeline.build_pipeline()`: before it, the generated constructs do not exist."""
    stack = cdk.Stack.of(pipeline)
    artifacts_id = stack.get_logical_id(_cfn(artifact_bucket))
    code_pipeline = pipeline.pipeline

    # The pipeline's own role and the source action's role move artifacts between stages. (The approval and
    # permissions-check actions have roles too, without artifact grants: nothing to acknowledge there.)
    acknowledge(code_pipeline.role, *_artifact_rules(artifacts_id, write=True), reason=ARTIFACTS_WRITE)
    source_stage = code_pipeline.node.find_child("Source")
    for action_role in source_stage.node.find_all():
        if isinstance(action_role, iam.Role) and action_role.node.id == "CodePipelineActionRole":
            acknowledge(action_role, *_artifact_rules(artifacts_id, write=True), reason=ARTIFACTS_WRITE)

    # Build: writes cdk.out as the synth artifact and keeps its pip/npm cache in the cache bucket.
    build_role = build.project.role or _missing(build.project)
    acknowledge(build_role, *_artifact_rules(artifacts_id, write=True), reason=ARTIFACTS_WRITE)
    acknowledge(
        build_role,
        iam5(f"Resource::<{stack.get_logical_id(_cfn(build_cache))}.Arn>/*"),
        reason="The build cache's object keys are chosen by CodeBuild; the grant covers this one cache bucket.",
    )
    acknowledge(
        build.project,
        "AwsSolutions-CB5",
        reason="The build runs the repository's own `make lint test synth` on Debian 12 with Python 3.11 and "
        "PostgreSQL 15 from the distribution, the same versions as CI and developers; no CodeBuild-curated image "
        "carries them.",
    )

    for project in pipeline.node.find_all():
        if not isinstance(project, codebuild.Project) or project.role is None:
            continue
        if "/Assets/" in project.node.path:
            # Asset projects share one role per asset type, acknowledged below; they only read the artifacts.
            acknowledge(project.role, *_artifact_rules(artifacts_id, write=False, kms_key=False), reason=ARTIFACTS_READ)
            continue
        acknowledge(project.role, *_project_runtime_rules(project), reason=CODEBUILD_RUNTIME_NAMES)
        if project.node.path != build.project.node.path:  # jsii proxies of one construct need not be identical
            # Smoke tests, self-mutation and the permissions check read the synthesized templates.
            acknowledge(project.role, *_artifact_rules(artifacts_id, write=False), reason=ARTIFACTS_READ)

    self_mutation = pipeline.node.find_child("UpdatePipeline").node.find_child("SelfMutation")
    acknowledge(
        _role(self_mutation.node.find_child("Role")),
        iam5(f"Resource::arn:*:iam::{stack.account}:role/*"),
        reason="Self-mutation runs `cdk deploy` of this pipeline stack: sts:AssumeRole on this account's roles, but "
        "only those tagged as CDK bootstrap roles (aws-cdk:bootstrap-role deploy/file-/image-publishing, an IAM "
        "condition).",
    )
    acknowledge(
        _role(self_mutation.node.find_child("Role")),
        iam5("Resource::*"),
        reason="cloudformation:DescribeStacks and s3:ListBucket on *: self-mutation's `cdk deploy` looks up the "
        "pipeline stack and the bootstrap bucket, whose names CDK learns at run time; CDK Pipelines generates the "
        "statement.",
    )
    assets = pipeline.node.find_child("Assets")
    for role_id in ("DockerRole", "FileRole"):
        role = _role(assets.node.find_child(role_id))
        acknowledge(
            role,
            iam5("Resource::*"),
            reason="codebuild:StartBuild/StopBuild/BatchGetBuilds on *: the pipeline's asset actions run the "
            "publishing projects that CDK Pipelines generates, one per asset; CDK Pipelines generates the statement.",
        )
        region, account = stack.region, stack.account
        acknowledge(
            role,
            iam5(f"Resource::arn:{_partition(region)}:codebuild:{region}:{account}:report-group/*"),
            iam5(f"Resource::arn:{_partition(region)}:logs:{region}:{account}:log-group:/aws/codebuild/*"),
            reason="The shared asset-publishing projects are created per asset; CodeBuild names their log groups and "
            "report groups at run time.",
        )

    security_check = pipeline.node.find_child("PipelinesSecurityCheck")
    auto_approve = security_check.node.find_child("CDKPipelinesAutoApprove")
    auto_approve_role = _role(auto_approve.node.find_child("ServiceRole"))
    acknowledge_lambda_basic_execution(auto_approve_role, "CDK Pipelines' auto-approve function")
    acknowledge(
        auto_approve_role,
        iam5("Resource::*"),
        reason="codepipeline:GetPipelineState/PutApprovalResult on *, but only on pipelines tagged "
        "SECURITY_CHECK=ALLOW_APPROVE (an IAM condition): the function approves the pipeline that invokes it.",
    )
    security_check_role = _role(security_check.node.find_child("CDKSecurityCheck").node.find_child("Role"))
    acknowledge(
        security_check_role,
        iam5("Resource::*"),
        iam5(f"Resource::<{stack.get_logical_id(_cfn(auto_approve))}.Arn>:*"),
        reason="sts:AssumeRole on *, but only roles tagged aws-cdk:bootstrap-role=deploy (an IAM condition): the "
        "permissions-broadening check's `cdk diff` assumes the production account's bootstrap deploy role; and it "
        "invokes the auto-approve function's versions and aliases (<arn>:*).",
    )


def _cfn(construct: IConstruct) -> cdk.CfnElement:
    child = construct.node.default_child
    if not isinstance(child, cdk.CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return child


def _missing(project: codebuild.IProject) -> iam.IRole:
    raise TypeError(f"{project.node.path} has no role")
