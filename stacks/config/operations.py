"""The `operations` section of one environment: who hears its alarms, how its web firewall acts, how its database
is backed up beyond RDS's own automated backups.

```jsonc
"operations": {
  "alarmEmail": "platform-alerts@example.com",       // or null: the alarm topic has no e-mail subscription
  "alarmChatWebhook": "https://events.example.com/…", // or null: an HTTPS endpoint that confirms SNS subscriptions
  "waf": "block",                                      // "count" | "block" | null (no web ACL; refused in prod)
  "backup": {"retentionDays": 35,                      // null in dev (refused there), required elsewhere
             "copyToVaultArn": "arn:aws:backup:eu-central-1:333333333333:backup-vault:competition-platform-dr"}
}
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stacks.config.environments import PRODUCTION
from stacks.config.rds_instances import RDS_INSTANCE_MEMORY_GIB
from stacks.config.reader import ConfigError, Reader, show

WafMode = Literal["count", "block"]
WAF_MODES: tuple[WafMode, ...] = ("count", "block")
# AWS Backup keeps a recovery point for at most 100 years; ten is more than any rule this platform answers to.
MAX_BACKUP_RETENTION_DAYS = 3650

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# https only: SNS signs what it sends, but over plain HTTP anyone on the path could read the alarm text.
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?$")
_BACKUP_VAULT_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:backup:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$"
)


@dataclass(frozen=True)
class BackupConfig:
    retention_days: int
    copy_to_vault_arn: str | None  # a vault in another region: the copy survives the loss of this one


@dataclass(frozen=True)
class OperationsConfig:
    alarm_email: str | None
    alarm_chat_webhook: str | None
    waf: WafMode | None  # None: no web ACL in front of the load balancer
    backup: BackupConfig | None  # None: RDS automated backups only (dev)


def load_operations(
    environment: str,
    operations: Reader,
    *,
    region: str,
    instance_class_key: str,
    instance_class: str,
    database_backup_retention_days: int,
) -> OperationsConfig:
    """The section's rules that involve the rest of the environment (its region, its database) get those values as
    arguments: the section never reads outside itself."""
    alarm_email = _optional_string(operations, "alarmEmail", _EMAIL, "an e-mail address or null")
    chat_webhook = _optional_string(
        operations, "alarmChatWebhook", _HTTPS_URL, "an https:// URL that confirms SNS subscriptions, or null"
    )
    waf = _load_waf(environment, operations)
    backup = _load_backup(environment, operations, region, database_backup_retention_days)
    operations.reject_unknown_keys()
    if instance_class not in RDS_INSTANCE_MEMORY_GIB:
        # The database alarms derive max_connections and the free-memory floor from the class's memory.
        raise ConfigError(
            f'{instance_class_key} = "{instance_class}": not in the instance memory table the database alarms use '
            "(stacks/config/rds_instances.py); add its memory in GiB there"
        )
    return OperationsConfig(alarm_email=alarm_email, alarm_chat_webhook=chat_webhook, waf=waf, backup=backup)


def _optional_string(section: Reader, name: str, pattern: re.Pattern[str], allowed: str) -> str | None:
    value = section.raw(name, required=False)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"{section.key(name)} = {show(value)}: expected {allowed}")
    return value


def _load_waf(environment: str, operations: Reader) -> WafMode | None:
    value = operations.raw("waf", required=False)
    if value is None:
        if environment == PRODUCTION:
            raise ConfigError(
                f"{operations.key('waf')} = null: production's load balancer must sit behind the web ACL "
                '("count" or "block")'
            )
        return None
    for mode in WAF_MODES:
        if value == mode:
            return mode
    raise ConfigError(f'{operations.key("waf")} = {show(value)}: expected "count", "block" or null')


def _load_backup(
    environment: str, operations: Reader, region: str, database_backup_retention_days: int
) -> BackupConfig | None:
    if operations.raw("backup", required=False) is None:
        if environment != "dev":
            raise ConfigError(
                f"{operations.key('backup')} = null: {environment} keeps data and needs daily AWS Backup recovery "
                "points; set retentionDays"
            )
        return None
    if environment == "dev":
        raise ConfigError(
            f"{operations.key('backup')}: dev's database is destroyed with its stack, and a vault holding recovery "
            "points cannot be; set it to null"
        )
    backup = operations.child("backup")
    retention = backup.integer("retentionDays", 1, MAX_BACKUP_RETENTION_DAYS)
    if retention < database_backup_retention_days:
        raise ConfigError(
            f"{backup.key('retentionDays')} = {retention}: shorter than the database's backupRetentionDays = "
            f"{database_backup_retention_days}; a recovery point that expires before RDS's own backups adds nothing"
        )
    copy_to = _optional_string(
        backup, "copyToVaultArn", _BACKUP_VAULT_ARN, "the ARN of a backup vault in another region, or null"
    )
    backup.reject_unknown_keys()
    if copy_to is not None:
        match = _BACKUP_VAULT_ARN.match(copy_to)
        if match is not None and match.group("region") == region:
            raise ConfigError(
                f'{backup.key("copyToVaultArn")} = "{copy_to}": the vault is in {region}, the database\'s own '
                "region; a copy must survive the loss of that region"
            )
    return BackupConfig(retention_days=retention, copy_to_vault_arn=copy_to)
