"""StorageStack: the platform's data buckets. Stateful: the service stack can be destroyed without touching them."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import EnvironmentConfig

ACCESS_LOG_RETENTION = cdk.Duration.days(365)
NONCURRENT_SUBMISSION_RETENTION = cdk.Duration.days(90)


@dataclass(frozen=True)
class StorageStackProps:
    config: EnvironmentConfig


class StorageStack(cdk.Stack):
    """The submissions bucket (participants' prediction files) and the bucket that receives access logs of the
    submissions bucket and of the load balancer."""

    def __init__(self, scope: Construct, construct_id: str, props: StorageStackProps) -> None:
        config = props.config
        super().__init__(
            scope,
            construct_id,
            description="Competition platform: submission files and access logs (stateful)",
            termination_protection=config.keeps_data,
        )
        # Outside dev the buckets outlive their stack; in dev `cdk destroy` removes them once they are empty.
        removal_policy = cdk.RemovalPolicy.RETAIN if config.keeps_data else cdk.RemovalPolicy.DESTROY

        # Load balancer access logs support only S3-managed keys (SSE-S3), not KMS.
        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=ACCESS_LOG_RETENTION)],
            removal_policy=removal_policy,
        )
        cdk.Validations.of(self.access_logs_bucket).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-S1",
                reason="This is the access-log bucket itself; logging its own access into itself would loop.",
            )
        )

        self.submissions_bucket = s3.Bucket(
            self,
            "Submissions",
            bucket_name=config.submissions_bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="s3/submissions/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireOverwrittenVersions",
                    noncurrent_version_expiration=NONCURRENT_SUBMISSION_RETENTION,
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=removal_policy,
        )

        cdk.CfnOutput(self, "SubmissionsBucketName", value=self.submissions_bucket.bucket_name)
