"""Who may do what in the submissions bucket, by object-key prefix (PLAN.md, "Storage keys and tags").

- `submissions/<competition>/<team>/<uuid>.csv[.gz]`: participants' files, uploaded straight to S3 with a presigned
  POST that the web task signs, and read by the scoring workers.
- `ground-truth/<competition>/...`: hosts' uploaded ground truths and their Parquet files, written by the web task
  (and, once, by the migration task: the data migration that turns the previous release's JSON rows into Parquet
  files) and read by the workers.

No task may delete: an upload that is never completed, or a discarded one, keeps (or gets back) the tag
`upload=pending`, and the bucket's lifecycle rule removes it (stacks/storage.py). Wildcards appear only on these two
key prefixes, never on the bucket's whole key space.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from stacks.nag import acknowledge, iam5

SUBMISSIONS_PREFIX = "submissions/"
GROUND_TRUTH_PREFIX = "ground-truth/"
# Signing a presigned POST that requires the `tagging` field needs PutObject and PutObjectTagging; completing an
# upload reads the object (size, checksum) and tags it `upload=complete`.
# Completion pins the object (PLAN.md, "Phase 4"): the bucket is versioned, the web task records the VersionId it
# checked and tags exactly that version; S3 authorizes a request that names a version with the *Version actions,
# not with GetObject/PutObjectTagging.
WEB_OBJECT_ACTIONS = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:PutObjectTagging",
    "s3:GetObjectTagging",
    "s3:GetObjectVersion",
    "s3:PutObjectVersionTagging",
    "s3:GetObjectVersionTagging",
)
# The worker reads the version the submission recorded (GetObject with VersionId needs GetObjectVersion), and ground
# truths by their current key.
WORKER_OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
# The data migration checks whether a Parquet file exists, then writes it.
MIGRATION_OBJECT_ACTIONS = ("s3:PutObject", "s3:GetObject")


def grant_web_uploads(role: iam.IRole, bucket: s3.IBucket) -> None:
    _grant_objects(
        role,
        bucket,
        (SUBMISSIONS_PREFIX, GROUND_TRUTH_PREFIX),
        WEB_OBJECT_ACTIONS,
        reason="Upload tickets name a new key under these prefixes for every file; the web task signs them and tags "
        "the objects on completion, and may not delete (the lifecycle rule expires what is never completed).",
    )
    _grant_list(role, bucket)


def grant_worker_reads(role: iam.IRole, bucket: s3.IBucket) -> None:
    _grant_objects(
        role,
        bucket,
        (SUBMISSIONS_PREFIX, GROUND_TRUTH_PREFIX),
        WORKER_OBJECT_ACTIONS,
        reason="A scoring worker reads any submitted file (the version its submission recorded) and any ground truth "
        "by the key the message leads it to; it writes, tags and deletes nothing.",
    )
    # A file gone from storage is then a 404, which the worker turns into a readable `failed` at once, instead of
    # a 403 retried until the dead-letter queue.
    _grant_list(role, bucket)


def grant_migration_ground_truths(role: iam.IRole, bucket: s3.IBucket) -> None:
    _grant_objects(
        role,
        bucket,
        (GROUND_TRUTH_PREFIX,),
        MIGRATION_OBJECT_ACTIONS,
        reason="The data migration writes each stored ground truth as a Parquet file under a key made of its "
        "competition and content version; it touches no submission.",
    )
    _grant_list(role, bucket)


def _grant_objects(
    role: iam.IRole, bucket: s3.IBucket, prefixes: tuple[str, ...], actions: tuple[str, ...], *, reason: str
) -> None:
    grants = s3.BucketGrants.from_bucket(bucket)
    for prefix in prefixes:
        grants.actions_on_object_keys(role, f"{prefix}*", *actions)
    acknowledge(role, *(iam5(f"Resource::{bucket.bucket_arn}/{prefix}*") for prefix in prefixes), reason=reason)


def _grant_list(role: iam.IRole, bucket: s3.IBucket) -> None:
    """Without ListBucket a missing key answers 403 instead of 404, and django-storages' exists() raises. Not
    narrowed by an `s3:prefix` condition: AWS documents that key only for listing requests, not for the 404/403
    choice of a HEAD or GET, and a 403 there would fail completions and the ground-truth migration. Listing shows
    key names only (opaque ids), never contents."""
    iam.Grant.add_to_principal(grantee=role, actions=["s3:ListBucket"], resource_arns=[bucket.bucket_arn])
