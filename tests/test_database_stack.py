"""DatabaseStack: the security and reliability properties of the platform's PostgreSQL, per environment."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from stacks.config import PlatformConfig
from stacks.database import DATABASE_PORT, POSTGRES_VERSION
from tests.conftest import SynthesizedPlatform


def db_instance(synthesized: SynthesizedPlatform, stage: str) -> dict[str, Any]:
    (instance,) = synthesized.resources(f"{stage}/Database", "AWS::RDS::DBInstance").values()
    return instance


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
            "EnablePerformanceInsights": True,
            "PerformanceInsightsKMSKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^StorageKey"), "Arn"]},
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
def test_multi_az_and_backup_retention_come_from_config(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)

    properties = db_instance(synthesized, env.stage_id)["Properties"]

    assert properties["MultiAZ"] is env.database.multi_az
    assert properties["BackupRetentionPeriod"] == env.database.backup_retention_days
    assert properties["DBInstanceClass"] == f"db.{env.database.instance_class}"
    assert properties["AllocatedStorage"] == str(env.database.allocated_storage_gib)
    assert properties["MaxAllocatedStorage"] == env.database.max_allocated_storage_gib


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_database_outside_dev_survives_deletion(synthesized: SynthesizedPlatform, stage: str) -> None:
    instance = db_instance(synthesized, stage)

    assert instance["Properties"]["DeletionProtection"] is True
    assert instance["DeletionPolicy"] == "Snapshot"
    assert instance["UpdateReplacePolicy"] == "Snapshot"
    (key,) = synthesized.resources(f"{stage}/Database", "AWS::KMS::Key").values()
    assert key["DeletionPolicy"] == "Retain"
    assert synthesized.stacks[f"{stage}/Database"].termination_protection


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


def test_postgresql_logs_go_to_a_log_group_with_retention(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Database").has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/rds/instance/competition-platform-prod/postgresql", "RetentionInDays": 365},
    )
