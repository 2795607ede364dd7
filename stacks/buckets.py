"""The baseline every S3 bucket of the platform shares: private, SSL only, owner-enforced objects, encrypted, with
a lifecycle, and its access logged to an access-log bucket (which carries the same baseline, minus its own log)."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

# Access logs (of buckets and the load balancer) are kept a year, for security investigations.
ACCESS_LOG_RETENTION = cdk.Duration.days(365)


def access_log_bucket(
    scope: Construct, construct_id: str, *, retention: cdk.Duration, removal_policy: cdk.RemovalPolicy
) -> s3.Bucket:
    # SSE-S3: load balancer access logs do not support KMS keys. It logs nothing itself (that would loop); cdk-nag
    # accepts a bucket that receives other buckets' access logs without logging its own.
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=retention)],
        removal_policy=removal_policy,
    )


def private_bucket(
    scope: Construct,
    construct_id: str,
    *,
    access_logs: s3.IBucket,
    access_logs_prefix: str,
    lifecycle_rules: Sequence[s3.LifecycleRule],
    removal_policy: cdk.RemovalPolicy,
    encryption_key: kms.IKey | None = None,
    bucket_name: str | None = None,
    versioned: bool = False,
    cors: Sequence[s3.CorsRule] = (),
) -> s3.Bucket:
    """SSE-KMS with ``encryption_key``, SSE-S3 without one; ``cors`` for a bucket that browsers upload to."""
    return s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
        encryption_key=encryption_key,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=versioned,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=access_logs_prefix,
        lifecycle_rules=list(lifecycle_rules),
        cors=list(cors) or None,
        removal_policy=removal_policy,
    )
