"""StorageStack: the platform's data buckets. Stateful: the service stack can be destroyed without touching them."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.buckets import ACCESS_LOG_RETENTION, access_log_bucket, private_bucket
from stacks.config import EnvironmentConfig
from stacks.removal_policies import retained_outside_dev

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
        removal_policy = retained_outside_dev(config)

        self.access_logs_bucket = access_log_bucket(
            self, "AccessLogs", retention=ACCESS_LOG_RETENTION, removal_policy=removal_policy
        )
        self.submissions_bucket = private_bucket(
            self,
            "Submissions",
            bucket_name=config.submissions_bucket_name,
            versioned=True,
            access_logs=self.access_logs_bucket,
            access_logs_prefix="s3/submissions/",
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
