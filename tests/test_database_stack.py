"""DatabaseStack: the security and reliability properties of the platform's PostgreSQL, per environment."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Match

from scripts import infra_diff
from stacks.config import PlatformConfig
from stacks.database import DATABASE_PORT, POSTGRES_VERSION
from stacks.database_app_user import APP_USER
from stacks.postgres_support import STANDARD_SUPPORT_ENDS, standard_support_ends
from tests.conftest import SynthesizedPlatform
from tests.test_config import rejection
from tests.test_stateful_resources import DATABASE_SECRET_LOGICAL_IDS


def db_instance(synthesized: SynthesizedPlatform, stage: str) -> dict[str, Any]:
    (instance,) = synthesized.resources(f"{stage}/Database", "AWS::RDS::DBInstance").values()
    return instance


# RDS stops creating instances on a minor version about a month before its end of standard support: from then on a
# new environment's first deployment would fail on the pinned version.
CREATION_STOPS_BEFORE_THE_END = datetime.timedelta(days=31)


def test_pinned_minor_is_the_latest_postgresql_17_that_cdk_offers() -> None:
    offered = [name for name in dir(rds.PostgresEngineVersion) if re.fullmatch(r"VER_17_\d+", name) is not None]
    latest = max(offered, key=lambda name: int(name.rsplit("_", 1)[1]))

    assert POSTGRES_VERSION.postgres_full_version == getattr(rds.PostgresEngineVersion, latest).postgres_full_version


def test_pinned_minor_is_within_rds_standard_support() -> None:
    """From the committed table (stacks/postgres_support.py), never a network call: fails once RDS no longer creates
    instances on the pinned minor, so that a new environment is never first deployed on a retired version."""
    support = standard_support_ends(POSTGRES_VERSION.postgres_full_version)

    assert datetime.date.today() < support.ends - CREATION_STOPS_BEFORE_THE_END, (
        f"PostgreSQL {POSTGRES_VERSION.postgres_full_version} leaves RDS standard support on {support.ends} "
        f"({support.source}): pin a newer minor in stacks/database.py and add it to stacks/postgres_support.py"
    )


def test_support_table_names_a_source_for_every_minor() -> None:
    for version, support in STANDARD_SUPPORT_ENDS.items():
        assert re.fullmatch(r"17\.\d+", version)
        assert support.basis in {"notice", "calendar"}
        assert "github.com" in support.source or "docs.aws.amazon.com" in support.source


def test_engine_is_a_fully_pinned_postgresql_version(synthesized: SynthesizedPlatform) -> None:
    properties = db_instance(synthesized, "Prod")["Properties"]

    assert properties["Engine"] == "postgres"
    assert properties["EngineVersion"] == POSTGRES_VERSION.postgres_full_version
    assert properties["EngineVersion"].count(".") == 1, "a major-only version is deprecated for new instances"
    assert properties["AutoMinorVersionUpgrade"] is False


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_database_is_private_encrypted_with_its_own_key_and_monitored(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    synthesized.template(f"{stage}/Database").has_resource_properties(
        "AWS::RDS::DBInstance",
        {
            "PubliclyAccessible": False,
            "StorageEncrypted": True,
            "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^StorageKey"), "Arn"]},
            "Port": str(DATABASE_PORT),
            "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
            "MonitoringInterval": 60,
            "MonitoringRoleArn": Match.any_value(),
        },
    )


def test_database_lives_in_the_isolated_subnets(synthesized: SynthesizedPlatform) -> None:
    (subnet_group,) = synthesized.resources("Prod/Database", "AWS::RDS::DBSubnetGroup").values()

    subnet_refs = str(subnet_group["Properties"]["SubnetIds"])

    assert subnet_refs.count("IsolatedSubnet") == 3
    assert "PrivateSubnet" not in subnet_refs and "PublicSubnet" not in subnet_refs


def test_storage_key_rotates(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Database").has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_multi_az_backups_class_and_performance_insights_come_from_config(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)

    properties = db_instance(synthesized, env.stage_id)["Properties"]

    assert properties["MultiAZ"] is env.database.multi_az
    assert properties["BackupRetentionPeriod"] == env.database.backup_retention_days
    assert properties["DBInstanceClass"] == f"db.{env.database.instance_class}"
    assert properties["EnablePerformanceInsights"] is env.database.performance_insights
    if env.database.performance_insights:  # encrypted with the database's own key
        assert properties["PerformanceInsightsKMSKeyId"]["Fn::GetAtt"][0].startswith("StorageKey")
    else:
        assert "PerformanceInsightsKMSKeyId" not in properties
    assert properties["AllocatedStorage"] == str(env.database.allocated_storage_gib)
    assert properties["MaxAllocatedStorage"] == env.database.max_allocated_storage_gib


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_database_outside_dev_survives_deletion(synthesized: SynthesizedPlatform, stage: str) -> None:
    instance = db_instance(synthesized, stage)

    assert instance["Properties"]["DeletionProtection"] is True
    assert instance["DeletionPolicy"] == "Snapshot"
    assert instance["UpdateReplacePolicy"] == "Snapshot"
    (key,) = synthesized.resources(f"{stage}/Database", "AWS::KMS::Key").values()
    # Kept on every update and deletion, deleted only when the create that made them rolls back (a retry would
    # otherwise meet the fixed-name secrets of the failed attempt).
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    # Both logins outlive the stack like the instance: a snapshot restored without them has no known password.
    secrets = synthesized.resources(f"{stage}/Database", "AWS::SecretsManager::Secret").values()
    assert [secret["DeletionPolicy"] for secret in secrets] == ["RetainExceptOnCreate", "RetainExceptOnCreate"]
    assert synthesized.stacks[f"{stage}/Database"].termination_protection


# What may be created after the database instance in its stack: nothing that can fail for a reason outside the
# template (a secret's attachment, a rotation schedule that rotates nothing at creation, a resource policy, the
# rotation functions' way to the database port).
AFTER_THE_INSTANCE = {
    "AWS::Backup::BackupSelection",  # it names the instance; its role exists (and has propagated) before
    "AWS::SecretsManager::SecretTargetAttachment",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::SecretsManager::ResourcePolicy",
    "AWS::EC2::SecurityGroupIngress",
}


def dependencies(resources: dict[str, Any], logical_id: str) -> set[str]:
    """Every resource `logical_id` waits for, through DependsOn, Ref, Fn::GetAtt or Fn::Sub, transitively."""
    found: set[str] = set()
    pending = [logical_id]
    while pending:
        resource = resources[pending.pop()]
        depends_on = resource.get("DependsOn", [])
        direct = {*([depends_on] if isinstance(depends_on, str) else depends_on)}
        direct |= infra_diff.replacement.referenced_ids(resource.get("Properties", {}))
        new = (direct & resources.keys()) - found
        found |= new
        pending.extend(new)
    return found


@pytest.mark.parametrize("stage", ["Staging", "Prod"])  # dev's instance has no deletion protection to trip over
def test_the_deletion_protected_instance_is_the_last_thing_that_can_fail(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    """A first create that fails after the instance exists cannot roll back (deletion protection) and leaves the
    stack in ROLLBACK_FAILED: everything that does not need the instance, the rotation functions' nested stacks
    above all, is created before it."""
    resources = synthesized.template_json(f"{stage}/Database")["Resources"]
    (instance,) = synthesized.resources(f"{stage}/Database", "AWS::RDS::DBInstance")

    before = dependencies(resources, instance)
    after = {logical_id: resource["Type"] for logical_id, resource in resources.items() if logical_id not in before}

    assert {
        resource_type for logical_id, resource_type in after.items() if logical_id != instance
    } <= AFTER_THE_INSTANCE
    assert {"AWS::Serverless::Application", "AWS::SecretsManager::Secret"} <= {resources[i]["Type"] for i in before}


def test_dev_database_can_be_destroyed(synthesized: SynthesizedPlatform) -> None:
    instance = db_instance(synthesized, "Dev")

    assert instance["Properties"]["DeletionProtection"] is False
    assert instance["DeletionPolicy"] == "Delete"
    assert not synthesized.stacks["Dev/Database"].termination_protection


def test_parameter_group_forces_ssl(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Database").has_resource_properties(
        "AWS::RDS::DBParameterGroup", {"Parameters": Match.object_like({"rds.force_ssl": "1"})}
    )


def test_credentials_are_generated_into_secrets_manager_and_rotated(synthesized: SynthesizedPlatform) -> None:
    template = synthesized.template("Prod/Database")

    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"GenerateSecretString": Match.object_like({"GenerateStringKey": "password"})},
    )
    template.has_resource_properties(
        "AWS::SecretsManager::RotationSchedule",
        {"RotationRules": {"ScheduleExpression": "rate(30 days)"}},
    )
    properties = db_instance(synthesized, "Prod")["Properties"]
    assert "resolve:secretsmanager" in str(properties["MasterUserPassword"])


def test_the_service_has_its_own_login_rotated_by_alternating_users(synthesized: SynthesizedPlatform) -> None:
    secrets = synthesized.resources("Prod/Database", "AWS::SecretsManager::Secret")
    (app_secret,) = [secret for logical_id, secret in secrets.items() if logical_id.startswith("AppUserSecret")]
    template = app_secret["Properties"]["GenerateSecretString"]["SecretStringTemplate"]
    applications = synthesized.resources("Prod/Database", "AWS::Serverless::Application")

    # The multi-user rotation logs in as the master user (`masterarn`) to create and alter app / app_clone.
    assert template["Fn::Join"][1][0] == f'{{"username":"{APP_USER}","masterarn":"'
    assert template["Fn::Join"][1][1] == {"Ref": DATABASE_SECRET_LOGICAL_IDS["Prod"]}
    assert {logical_id.rstrip("0123456789ABCDEF") for logical_id in applications} == {
        "PostgresRotationSingleUser",
        "AppUserRotation",
    }


def test_postgresql_logs_go_to_a_log_group_with_retention(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Database").has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/rds/instance/competition-platform-prod/postgresql", "RetentionInDays": 365},
    )


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_the_engine_upgrade_log_group_exists_before_the_instance_like_the_postgresql_one(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    identifier = config.environment(stage.lower()).resource_name()
    resources = synthesized.template_json(f"{stage}/Database")["Resources"]
    groups = {
        resource["Properties"]["LogGroupName"].rsplit("/", 1)[1]: (logical_id, resource)
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Logs::LogGroup"
        and resource["Properties"]["LogGroupName"].startswith(f"/aws/rds/instance/{identifier}/")
    }
    (instance_id,) = [i for i, resource in resources.items() if resource["Type"] == "AWS::RDS::DBInstance"]

    assert set(groups) == {"postgresql", "upgrade"}
    (postgresql_id, postgresql), (upgrade_id, upgrade) = groups["postgresql"], groups["upgrade"]
    # Same key, retention and removal as the PostgreSQL log (tests/test_encryption.py checks the key itself).
    for key in ("KmsKeyId", "RetentionInDays"):
        assert upgrade["Properties"][key] == postgresql["Properties"][key]
    assert (upgrade["DeletionPolicy"], upgrade["UpdateReplacePolicy"]) == (
        postgresql["DeletionPolicy"],
        postgresql["UpdateReplacePolicy"],
    )
    assert {postgresql_id, upgrade_id} <= set(resources[instance_id]["DependsOn"])


@pytest.mark.parametrize("percent", [0, 51, 12.5])
def test_the_free_storage_alarm_share_is_a_whole_percent_from_1_to_50(percent: float) -> None:
    key = "prod.database.freeStorageAlarmPercent"

    assert rejection(key, percent) == (f"platform.environments.{key} = {percent}: expected a whole number from 1 to 50")
