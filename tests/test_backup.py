"""AWS Backup outside dev: a daily plan for the database with the configured retention, a vault that outlives the
stack, and the optional copy to a second region."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import PlatformConfig
from tests.conftest import SynthesizedPlatform


def plan_rule(synthesized: SynthesizedPlatform, stage: str) -> dict[str, Any]:
    (plan,) = synthesized.resources(f"{stage}/Database", "AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    return dict(rule)


def test_dev_has_no_backup_plan(synthesized: SynthesizedPlatform) -> None:
    assert synthesized.resources("Dev/Database", "AWS::Backup::BackupPlan") == {}
    assert synthesized.resources("Dev/Database", "AWS::Backup::BackupVault") == {}


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_daily_backups_are_kept_as_long_as_configured(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    backup = config.environment(environment).operations.backup
    assert backup is not None

    rule = plan_rule(synthesized, environment.capitalize())

    assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": backup.retention_days}


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_the_plan_selects_the_database_instance(synthesized: SynthesizedPlatform, stage: str) -> None:
    (selection,) = synthesized.resources(f"{stage}/Database", "AWS::Backup::BackupSelection").values()
    (instance_id,) = synthesized.resources(f"{stage}/Database", "AWS::RDS::DBInstance")

    (resource,) = selection["Properties"]["BackupSelection"]["Resources"]

    assert {"Ref": instance_id} in resource["Fn::Join"][1]


@pytest.mark.parametrize("stage", ["Staging", "Prod"])
def test_vault_outlives_its_stack_under_the_database_key(synthesized: SynthesizedPlatform, stage: str) -> None:
    (vault,) = synthesized.resources(f"{stage}/Database", "AWS::Backup::BackupVault").values()
    (key_id,) = synthesized.resources(f"{stage}/Database", "AWS::KMS::Key")

    assert (vault["DeletionPolicy"], vault["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert vault["Properties"]["BackupVaultName"] == f"competition-platform-{stage.lower()}-database"


def test_prod_copies_each_recovery_point_to_the_configured_vault(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    backup = config.environment("prod").operations.backup
    assert backup is not None and backup.copy_to_vault_arn is not None

    (copy,) = plan_rule(synthesized, "Prod")["CopyActions"]

    assert copy == {
        "DestinationBackupVaultArn": backup.copy_to_vault_arn,
        "Lifecycle": {"DeleteAfterDays": backup.retention_days},
    }


def test_staging_keeps_its_recovery_points_in_its_own_region(synthesized: SynthesizedPlatform) -> None:
    assert plan_rule(synthesized, "Staging").get("CopyActions", []) == []
