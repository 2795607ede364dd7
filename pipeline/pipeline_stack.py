"""PipelineStack: a `git push` to the configured branch is the only way changes reach staging and production.

Source (GitHub via CodeConnections) → Build (make lint, make test, make synth) → UpdatePipeline (self-mutation) →
Assets (image and Lambda code) → Staging (deploy, migrations inside the deploy, smoke test, termination protection)
→ Prod (permissions check, manual approval, deploy, migrations, smoke test, termination protection). Failures are
published to an encrypted SNS topic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import pipelines
from constructs import Construct

from pipeline.nag_acknowledgments import acknowledge_generated_findings
from pipeline.termination_protection import termination_protection_step
from pipeline.tool_pins import (
    BUILD_IMAGE,
    CDK_ASSETS_VERSION,
    managed_image_options,
    node_runtime_options,
    pin_permissions_check,
)
from stacks.buckets import ACCESS_LOG_RETENTION, access_log_bucket, private_bucket
from stacks.config import PipelineConfig, PlatformConfig
from stacks.stage import PlatformStage

REPO_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_NAME = "competition-platform"
# The Build step's image (BUILD_IMAGE, pinned in tool_pins.py) is Debian 12 like CI and developers' machines: Python
# 3.11 and PostgreSQL 15 from the distribution, so the build runs the same `make` targets on the same versions.
# Pulled from ECR Public (no Docker Hub rate limits).
BUILD_INSTALL_COMMANDS = [
    "apt-get update -qq",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make postgresql-15 >/dev/null",
]
BUILD_COMMANDS = ["make lint", "make test JUNIT_DIR=reports", "make synth"]
SMOKE_TEST_TIMEOUT_SECONDS = 300
ARTIFACT_RETENTION = cdk.Duration.days(90)


def pinned_cdk_cli_version(root: Path = REPO_ROOT) -> str:
    """The CDK CLI version from package.json: the pipeline's self-mutation and asset publishing use the same CLI as
    developers and CI."""
    package = json.loads((root / "package.json").read_text())
    version: str = package["devDependencies"]["aws-cdk"]
    return version


@dataclass(frozen=True)
class PipelineStackProps:
    platform: PlatformConfig


class PipelineStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, props: PipelineStackProps) -> None:
        config = props.platform.pipeline
        super().__init__(
            scope,
            construct_id,
            description="Competition platform: delivery pipeline from GitHub to staging and production",
            env=cdk.Environment(account=config.account, region=config.region),
            termination_protection=True,
        )

        artifact_bucket, build_cache = self._buckets()
        test_reports = codebuild.ReportGroup(
            self, "TestReports", type=codebuild.ReportGroupType.TEST, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.alerts = self._alerts_topic(config)
        self.source = pipelines.CodePipelineSource.connection(
            config.repository, config.branch, connection_arn=config.connection_arn, trigger_on_push=True
        )
        self.build = self._build_step(build_cache, test_reports)
        self.pipeline = self._code_pipeline(artifact_bucket)
        self.staging = PlatformStage(self, props.platform.environment("staging"))
        self.prod = PlatformStage(self, props.platform.environment("prod"))
        self.pipeline.add_stage(self.staging, post=self._after_deployment(self.staging))
        self.approval = self._add_production()

        # Generated constructs (projects, roles, the CodePipeline itself) exist only after this call.
        self.pipeline.build_pipeline()
        pin_permissions_check(self.pipeline, pinned_cdk_cli_version())
        acknowledge_generated_findings(self.pipeline, self.build, artifact_bucket, build_cache)
        test_reports.grant_write(self.build.project)
        self._notify_failures()

        cdk.CfnOutput(self, "PipelineName", value=PIPELINE_NAME)
        cdk.CfnOutput(self, "AlertsTopicArn", value=self.alerts.topic_arn)

    def _buckets(self) -> tuple[s3.Bucket, s3.Bucket]:
        """The artifact bucket (encrypted with a key the deploy roles may use) and the build cache, both logged."""
        access_logs = access_log_bucket(
            self, "AccessLogs", retention=ACCESS_LOG_RETENTION, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        artifact_key = kms.Key(
            self,
            "ArtifactKey",
            description="Encrypts the pipeline's artifacts; staging and production deploy roles may decrypt",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        artifact_bucket = private_bucket(
            self,
            "Artifacts",
            encryption_key=artifact_key,
            access_logs=access_logs,
            access_logs_prefix="artifacts/",
            lifecycle_rules=[s3.LifecycleRule(id="ExpireOldArtifacts", expiration=ARTIFACT_RETENTION)],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        build_cache = private_bucket(
            self,
            "BuildCache",
            access_logs=access_logs,
            access_logs_prefix="build-cache/",
            lifecycle_rules=[s3.LifecycleRule(id="ExpireCache", expiration=cdk.Duration.days(30))],
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        return artifact_bucket, build_cache

    def _build_step(self, build_cache: s3.IBucket, test_reports: codebuild.ReportGroup) -> pipelines.CodeBuildStep:
        """Lint, test and synthesize (the same make targets as a developer's machine) on a pinned image."""
        return pipelines.CodeBuildStep(
            "Build",
            input=self.source,
            install_commands=BUILD_INSTALL_COMMANDS,
            commands=BUILD_COMMANDS,
            primary_output_directory="cdk.out",
            build_environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.from_docker_registry(BUILD_IMAGE),
                compute_type=codebuild.ComputeType.MEDIUM,
            ),
            cache=codebuild.Cache.bucket(build_cache, prefix="build"),
            timeout=cdk.Duration.minutes(60),
            partial_build_spec=codebuild.BuildSpec.from_object(
                {
                    "env": {"variables": {"PIP_CACHE_DIR": "/root/.cache/pip", "npm_config_cache": "/root/.npm"}},
                    "cache": {"paths": ["/root/.cache/pip/**/*", "/root/.npm/**/*", ".cache/jsii/**/*"]},
                    "reports": {test_reports.report_group_arn: {"files": ["reports/*.xml"], "file-format": "JUNITXML"}},
                }
            ),
        )

    def _code_pipeline(self, artifact_bucket: s3.IBucket) -> pipelines.CodePipeline:
        return pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=PIPELINE_NAME,
            pipeline_type=codepipeline.PipelineType.V2,
            synth=self.build,
            self_mutation=True,
            cross_account_keys=True,
            enable_key_rotation=True,
            artifact_bucket=artifact_bucket,
            # One asset at a time: parallel publishing multiplies CodeBuild projects and cost (aws/aws-cdk#23016).
            publish_assets_in_parallel=False,
            cli_version=pinned_cdk_cli_version(),
            cdk_assets_cli_version=CDK_ASSETS_VERSION,
            # Every generated project on a pinned image; those that run Node tools on a pinned Node.
            code_build_defaults=managed_image_options(),
            self_mutation_code_build_defaults=node_runtime_options(),
            asset_publishing_code_build_defaults=node_runtime_options(),
            docker_enabled_for_synth=False,
        )

    def _add_production(self) -> pipelines.ManualApprovalStep:
        """Production after a check for broadened permissions and a person's approval."""
        permissions_check = pipelines.ConfirmPermissionsBroadening(
            "CheckPermissionsBroadening", stage=self.prod, notification_topic=self.alerts
        )
        approval = pipelines.ManualApprovalStep(
            "PromoteToProduction",
            comment="Staging is deployed and its smoke test passed. Promote this commit to production?",
        )
        approval.add_step_dependency(permissions_check)
        self.pipeline.add_stage(self.prod, pre=[permissions_check, approval], post=self._after_deployment(self.prod))
        return approval

    def _notify_failures(self) -> None:
        self.pipeline.pipeline.notify_on(
            "PipelineFailures",
            self.alerts,
            events=[
                codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
                codepipeline.PipelineNotificationEvents.ACTION_EXECUTION_FAILED,
                codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
            ],
            notification_rule_name=f"{PIPELINE_NAME}-alerts",
        )

    def _alerts_topic(self, config: PipelineConfig) -> sns.Topic:
        key = kms.Key(
            self,
            "AlertsKey",
            description="Encrypts the pipeline alerts topic",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # CodeStar notifications publish into the encrypted topic: they need the key as well as the topic policy.
        key.grant(iam.ServicePrincipal("codestar-notifications.amazonaws.com"), "kms:GenerateDataKey*", "kms:Decrypt")
        topic = sns.Topic(
            self, "Alerts", display_name="Competition platform pipeline", master_key=key, enforce_ssl=True
        )
        if config.notification_email:
            topic.add_subscription(subscriptions.EmailSubscription(config.notification_email))
        return topic

    def _after_deployment(self, stage: PlatformStage) -> list[pipelines.Step]:
        """The smoke test, and termination protection for the stacks that ask for it (CDK Pipelines ignores it)."""
        protection = termination_protection_step(stage)
        return [self._smoke_test(stage), *([protection] if protection else [])]

    def _smoke_test(self, stage: PlatformStage) -> pipelines.ShellStep:
        """Fails the stage unless the deployed service is ready and serves a public API read within the timeout."""
        return pipelines.ShellStep(
            "SmokeTest",
            input=self.source,
            env_from_cfn_outputs={"SERVICE_URL": stage.service.service_url_output},
            commands=[f'python3 -m scripts.smoke_test --url "$SERVICE_URL" --timeout {SMOKE_TEST_TIMEOUT_SECONDS}'],
        )
