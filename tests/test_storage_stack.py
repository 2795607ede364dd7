"""StorageStack: the submissions bucket (with browser uploads and the expiry of uploads never completed) and the
access-log bucket."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from stacks.config import PlatformConfig
from tests.conftest import SynthesizedPlatform

BLOCK_ALL_PUBLIC_ACCESS = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def submissions_bucket(synthesized: SynthesizedPlatform, stage: str) -> dict[str, Any]:
    (bucket,) = [
        resource
        for logical_id, resource in synthesized.resources(f"{stage}/Storage", "AWS::S3::Bucket").items()
        if logical_id.startswith("Submissions")
    ]
    return bucket


def test_submissions_bucket_is_encrypted_private_versioned_and_logged(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    properties = submissions_bucket(synthesized, "Prod")["Properties"]

    assert properties["BucketName"] == config.environment("prod").submissions_bucket_name
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL_PUBLIC_ACCESS
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["LoggingConfiguration"]["LogFilePrefix"] == "s3/submissions/"


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_every_bucket_refuses_plain_http(synthesized: SynthesizedPlatform, stage: str) -> None:
    policies = synthesized.resources(f"{stage}/Storage", "AWS::S3::BucketPolicy")

    assert len(policies) == 2
    for policy in policies.values():
        statements = [
            {key: value for key, value in statement.items() if key != "Resource"}
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
        assert {
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
        } in statements


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_buckets_outside_dev_are_retained(synthesized: SynthesizedPlatform, stage: str) -> None:
    for bucket in synthesized.resources(f"{stage}/Storage", "AWS::S3::Bucket").values():
        # Kept on updates and deletion; deleted (empty) only when the first create that made it rolls back, so that
        # a retry does not meet the fixed bucket name of the failed attempt.
        assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert synthesized.stacks[f"{stage}/Storage"].termination_protection


def test_access_log_bucket_blocks_public_access_and_expires_logs(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Storage").has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": BLOCK_ALL_PUBLIC_ACCESS,
            "LifecycleConfiguration": {
                "Rules": [Match.object_like({"Id": "ExpireAccessLogs", "ExpirationInDays": 365})]
            },
        },
    )


@pytest.mark.parametrize(
    ("stage", "origin"),
    [
        ("Staging", "https://staging.compete.example.com"),
        ("Prod", "https://compete.example.com"),
        # Dev's load balancer name is known only after the Service stack exists (stacks/storage.py says why).
        ("Dev", "http://*.eu-west-1.elb.amazonaws.com"),
    ],
)
def test_browsers_may_post_uploads_from_the_services_origin_only(
    synthesized: SynthesizedPlatform, stage: str, origin: str
) -> None:
    (rule,) = submissions_bucket(synthesized, stage)["Properties"]["CorsConfiguration"]["CorsRules"]

    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [origin]


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_uploads_still_pending_after_two_days_expire_and_completed_ones_stay(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    rules = {
        rule["Id"]: rule
        for rule in submissions_bucket(synthesized, stage)["Properties"]["LifecycleConfiguration"]["Rules"]
    }

    pending = rules["ExpireUploadsNeverCompleted"]
    assert pending["TagFilters"] == [{"Key": "upload", "Value": "pending"}]
    assert (pending["ExpirationInDays"], pending["NoncurrentVersionExpiration"]["NoncurrentDays"]) == (2, 1)
    assert "Prefix" not in pending
    # Every other rule leaves current objects alone: a completed upload (upload=complete) is never expired.
    for rule_id, rule in rules.items():
        if rule_id != "ExpireUploadsNeverCompleted":
            assert "ExpirationInDays" not in rule and "ExpirationDate" not in rule, rule_id
