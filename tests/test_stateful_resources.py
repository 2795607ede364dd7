"""Stateful resources keep their logical ids: a changed id makes CloudFormation create a new resource and delete
the old one (an empty database, a lost bucket). Changing one of these ids is never an ordinary change."""

from __future__ import annotations

import pytest

from tests.conftest import SynthesizedPlatform

STATEFUL_LOGICAL_IDS = {
    ("Database", "AWS::RDS::DBInstance"): {"Postgres9DC8BB04"},
    ("Database", "AWS::KMS::Key"): {"StorageKeyB6649B55"},
    ("Storage", "AWS::S3::Bucket"): {"SubmissionsDC7188AC", "AccessLogs8B620ECA"},
    ("Network", "AWS::EC2::VPC"): {"Vpc8378EB38"},
    # The environment's key: retained log groups and the service's secrets stay readable only with it.
    ("Network", "AWS::KMS::Key"): {"EnvironmentKeyC299B772"},
}
# CDK names the generated database secret after its full construct path (the stage's place in the app included:
# staging and prod live inside the pipeline stack) and the password rules. Moving a stage, or changing the excluded
# characters or the user name, replaces the secret; this test says so before a deploy does.
DATABASE_SECRET_LOGICAL_IDS = {
    "Dev": "DevDatabasePostgresSecret1AA837123fdaad7efa858a3daf9490cf0a702aeb",
    "Staging": "PipelineStagingDatabasePostgresSecret0B1A45013fdaad7efa858a3daf9490cf0a702aeb",
    "Prod": "PipelineProdDatabasePostgresSecret02B4C5563fdaad7efa858a3daf9490cf0a702aeb",
}

# The web service's own login (stacks/database_app_user.py): a construct of its own, so its id has no stage in it.
APP_USER_LOGIN_LOGICAL_ID = "AppUserSecretE5620901"


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
@pytest.mark.parametrize(("kind", "resource_type"), sorted(STATEFUL_LOGICAL_IDS))
def test_stateful_resource_keeps_its_logical_id(
    synthesized: SynthesizedPlatform, stage: str, kind: str, resource_type: str
) -> None:
    logical_ids = set(synthesized.resources(f"{stage}/{kind}", resource_type))

    assert logical_ids == STATEFUL_LOGICAL_IDS[(kind, resource_type)]


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_database_secret_keeps_its_logical_id(synthesized: SynthesizedPlatform, stage: str) -> None:
    logical_ids = set(synthesized.resources(f"{stage}/Database", "AWS::SecretsManager::Secret"))

    assert logical_ids == {DATABASE_SECRET_LOGICAL_IDS[stage], APP_USER_LOGIN_LOGICAL_ID}
