"""Who may do what in the submissions bucket (PLAN.md, "Storage keys and tags"): each task role has only its own
actions on its own key prefixes, and no role may delete."""

from __future__ import annotations

from typing import Any

from stacks.config import PlatformConfig
from tests.conftest import SynthesizedPlatform


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_each_task_role_gets_only_its_own_actions_in_the_submissions_bucket_and_none_may_delete(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    """The web task signs uploads and tags them, the workers read, the migration task writes ground truths' Parquet
    files; nothing else touches the bucket."""
    bucket = config.environment("prod").submissions_bucket_name
    policies = synthesized.resources("Prod/Service", "AWS::IAM::Policy")

    granted = {
        logical_id.split("Role")[0]: sorted(
            (action, resource.split(bucket, 1)[1])
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            for action in _as_list(statement["Action"])
            for resource in map(str, _as_list(statement["Resource"]))
            if bucket in resource
        )
        for logical_id, policy in policies.items()
    }
    both_prefixes = ("/ground-truth/*", "/submissions/*")

    assert {role: actions for role, actions in granted.items() if actions} == {
        "WebTaskTask": sorted(
            [("s3:ListBucket", "")]
            + [
                (action, prefix)
                for action in (
                    "s3:GetObject",
                    "s3:GetObjectTagging",
                    "s3:PutObject",
                    "s3:PutObjectTagging",
                    # Completion pins the object's version (PLAN.md, "Phase 4"): read it and tag that version.
                    "s3:GetObjectVersion",
                    "s3:GetObjectVersionTagging",
                    "s3:PutObjectVersionTagging",
                )
                for prefix in both_prefixes
            ]
        ),
        "ScoringWorkersTaskDefinitionTask": sorted(
            [("s3:ListBucket", "")]
            + [(action, prefix) for action in ("s3:GetObject", "s3:GetObjectVersion") for prefix in both_prefixes]
        ),
        "MigrationTaskTask": [
            ("s3:GetObject", "/ground-truth/*"),
            ("s3:ListBucket", ""),
            ("s3:PutObject", "/ground-truth/*"),
        ],
    }


def test_the_roles_that_read_objects_may_list_the_bucket_to_tell_a_missing_key(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    """ListBucket turns a missing key's 403 into a 404 (django-storages' exists(), the worker's "file gone").
    Unconditioned: `s3:prefix` is
    documented for listing requests only, and a 403 there would fail completions and the ground-truth migration."""
    bucket = config.environment("prod").submissions_bucket_name
    lists = {
        logical_id.split("Role")[0]: statement.get("Condition")
        for logical_id, policy in synthesized.resources("Prod/Service", "AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "s3:ListBucket" in _as_list(statement["Action"]) and bucket in str(statement["Resource"])
    }

    assert lists == {"WebTaskTask": None, "MigrationTaskTask": None, "ScoringWorkersTaskDefinitionTask": None}
