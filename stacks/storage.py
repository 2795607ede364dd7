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
# Every upload ticket requires the object tag upload=pending; completing the upload re-tags it upload=complete
# (PLAN.md, "Storage keys and tags"). What still says pending two days later was abandoned, or discarded by the
# service (which tags instead of deleting: no task may delete in this bucket).
UPLOAD_TAG = "upload"
PENDING_UPLOAD = "pending"
PENDING_UPLOAD_EXPIRY = cdk.Duration.days(2)
# The expired upload's version: the bucket is versioned, so expiring a current object only hides it behind a delete
# marker; an abandoned file has nothing worth 90 days of storage.
PENDING_UPLOAD_NONCURRENT_EXPIRY = cdk.Duration.days(1)
# Browsers cache the answer to the preflight of an upload this long.
CORS_MAX_AGE_SECONDS = 3000


def browser_upload_origin(config: EnvironmentConfig) -> str:
    """The origin a browser uploads from: the page the service serves.

    With a domain, exactly `https://<domain>`. Without one (dev), the service's address is its load balancer's DNS
    name, which exists only once the Service stack has created the load balancer: a token this stack cannot refer to,
    since it is deployed first and a stateful stack never depends on the stateless one. Dev therefore allows any load
    balancer of its region over HTTP. That widens nothing that matters: CORS only tells a browser which pages may
    send the request; S3 accepts an upload only with a ticket that the service signed for one key, one size range and
    a few minutes.
    """
    if config.domain is not None:
        return f"https://{config.domain.domain_name}"
    return f"http://*.{config.region}.elb.amazonaws.com"


@dataclass(frozen=True)
class StorageStackProps:
    config: EnvironmentConfig


class StorageStack(cdk.Stack):
    """The submissions bucket (participants' prediction files, hosts' ground truths) and the bucket that receives
    access logs of the submissions bucket and of the load balancer."""

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
                ),
                # Only objects tagged upload=pending: a completed upload (upload=complete) or an object written
                # without a ticket (no tag) is never matched.
                s3.LifecycleRule(
                    id="ExpireUploadsNeverCompleted",
                    tag_filters={UPLOAD_TAG: PENDING_UPLOAD},
                    expiration=PENDING_UPLOAD_EXPIRY,
                    noncurrent_version_expiration=PENDING_UPLOAD_NONCURRENT_EXPIRY,
                ),
            ],
            # Browser uploads: a presigned POST from the service's page (the form fields travel in the body).
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=[browser_upload_origin(config)],
                    allowed_headers=["*"],
                    exposed_headers=["ETag", "Location"],
                    max_age=CORS_MAX_AGE_SECONDS,
                )
            ],
            removal_policy=removal_policy,
        )

        cdk.CfnOutput(self, "SubmissionsBucketName", value=self.submissions_bucket.bucket_name)
