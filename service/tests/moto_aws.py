"""moto for the S3 and SQS tests: a fake account in-process (``mock_aws``), the storages pointed at its bucket."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

REGION = "eu-west-1"
BUCKET = "platform-submissions-test"


def s3_storage(folder: str) -> dict[str, Any]:
    """The settings' S3 storage (competition_platform/settings.py) for the moto bucket."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "region_name": REGION,
            "location": folder,
            "file_overwrite": False,
            "default_acl": None,
            "signature_version": "s3v4",
            "addressing_style": "virtual",
        },
    }


@contextmanager
def fake_aws(monkeypatch: Any) -> Iterator[Any]:
    """Credentials for moto only, the mock, and the bucket; yields the S3 client."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's fake account
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        # Versioned, as the submissions bucket is (a completion pins the version it checked).
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield s3


def tags_of(s3: Any, key: str, version: str = "") -> dict[str, str]:
    """The tags of the object's ``version`` (the current one when "")."""
    which = {"VersionId": version} if version else {}
    return {tag["Key"]: tag["Value"] for tag in s3.get_object_tagging(Bucket=BUCKET, Key=key, **which)["TagSet"]}
