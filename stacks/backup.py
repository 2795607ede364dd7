"""DatabaseBackup: daily AWS Backup recovery points of the database, kept longer than RDS's automated backups can be,
and optionally copied to a vault in a second region.

RDS's automated backups (`database.backupRetentionDays`, at most 35 days) give point-in-time restore; they are
deleted with the instance unless retained, and they stay in the instance's region. This plan adds what they do not:
snapshots kept for `operations.backup.retentionDays`, in a vault whose recovery points outlive the instance and its
stack, and with `copyToVaultArn` a copy in another region. README, "Restoring the database", says how to use either.

Not in dev: dev's database is destroyed with its stack, and a vault that holds recovery points cannot be deleted
(the configuration loader refuses a backup section there).
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from constructs import Construct, IConstruct

from stacks.config import BackupConfig, EnvironmentConfig
from stacks.nag import acknowledge, aws_managed_policy

# 05:00 UTC: after RDS's own backup window (02:00–03:00) and Sunday's maintenance window (03:30–04:30). AWS Backup
# cannot snapshot an instance while RDS backs it up or maintains it, and a job that starts late only waits.
DAILY_AT = events.Schedule.cron(hour="5", minute="0")
START_WINDOW = cdk.Duration.hours(1)
COMPLETION_WINDOW = cdk.Duration.hours(6)


def backup_vault_name(config: EnvironmentConfig) -> str:
    """Fixed: the alarms watch the vault's job metrics by name, and the restore runbook names it."""
    return config.resource_name("database")


@dataclass(frozen=True)
class DatabaseBackupProps:
    config: EnvironmentConfig
    backup: BackupConfig
    instance: rds.DatabaseInstance
    encryption_key: kms.IKey  # the database's key: the vault's own records stay under the same key as its data


class DatabaseBackup(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: DatabaseBackupProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        retention = cdk.Duration.days(props.backup.retention_days)
        # RDS snapshots keep the database's key whatever the vault's; a copy in another region is encrypted with
        # the destination vault's key there.
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=backup_vault_name(config),
            encryption_key=props.encryption_key,
            # A vault that holds recovery points cannot be deleted; they are the point of it. Kept on every update
            # and deletion, but deleted (empty) when the create that made it rolls back: the retry would otherwise
            # meet the fixed vault name of the failed attempt (README: "First deployment").
            removal_policy=cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        copy_actions = []
        if props.backup.copy_to_vault_arn is not None:
            copy_actions.append(
                backup.BackupPlanCopyActionProps(
                    destination_backup_vault=backup.BackupVault.from_backup_vault_arn(
                        self, "CopyVault", props.backup.copy_to_vault_arn
                    ),
                    delete_after=retention,
                )
            )
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=config.resource_name("database"),
            backup_vault=self.vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="Daily",
                    schedule_expression=DAILY_AT,
                    start_window=START_WINDOW,
                    completion_window=COMPLETION_WINDOW,
                    delete_after=retention,
                    copy_actions=copy_actions,
                )
            ],
        )
        selection = self.plan.add_selection(
            "Database", resources=[backup.BackupResource.from_rds_database_instance(props.instance)]
        )
        self._selection = selection
        acknowledge(
            selection,
            aws_managed_policy("service-role/AWSBackupServiceRolePolicyForBackup"),
            reason="AWS Backup's own service-role policy lets it snapshot and tag the selected resources; AWS keeps "
            "it in step with the resource types Backup supports, and the selection names the one database.",
        )

    def before_the_instance(self) -> list[IConstruct]:
        """The CloudFormation resources that do not need the instance: the vault, the plan and the selection's role
        (stacks/database.py creates the deletion-protected instance after them). Not the constructs: the plan holds
        the selection, which names the instance."""
        role = self._selection.node.find_child("Role")
        return [
            child
            for child in (self.vault.node.default_child, self.plan.node.default_child, role.node.default_child)
            if child is not None
        ]
