"""The `operations` section of each environment: alarm recipients, web firewall mode, database backups. Every bad
value stops synthesis with one line naming the key, the value and what is allowed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stacks.config import ConfigError, load_platform_config
from stacks.config.rds_instances import default_max_connections
from tests.test_config import BASE_CONTEXT, DELETE, context_with


def rejection(environment: str, path: str, value: Any) -> str:
    """The one-line error for one setting below `platform.environments.<environment>` replaced."""
    with pytest.raises(ConfigError) as raised:
        load_platform_config(context_with(f"{environment}.{path}", value).get)
    message = str(raised.value)
    assert "\n" not in message, "a configuration error is one line"
    return message


def test_repository_operations_counts_in_staging_blocks_in_prod_and_keeps_dev_lean() -> None:
    config = load_platform_config(BASE_CONTEXT.get)

    dev, staging, prod = (config.environment(name).operations for name in ("dev", "staging", "prod"))
    assert (dev.waf, staging.waf, prod.waf) == (None, "count", "block")
    assert dev.backup is None
    assert staging.backup is not None and prod.backup is not None
    assert prod.backup.copy_to_vault_arn is not None


@pytest.mark.parametrize("email", ["platform-alerts", "a@b", 42])
def test_malformed_alarm_email_is_rejected(email: Any) -> None:
    message = rejection("staging", "operations.alarmEmail", email)

    assert message.startswith("platform.environments.staging.operations.alarmEmail = ")
    assert message.endswith(": expected an e-mail address or null")


@pytest.mark.parametrize("url", ["http://hooks.example.com/alarms", "hooks.example.com", "https://"])
def test_chat_webhook_that_is_not_https_is_rejected(url: str) -> None:
    message = rejection("prod", "operations.alarmChatWebhook", url)

    assert message == (
        f'platform.environments.prod.operations.alarmChatWebhook = "{url}": expected an https:// URL that '
        "confirms SNS subscriptions, or null"
    )


def test_https_chat_webhook_is_accepted() -> None:
    context = copy.deepcopy(BASE_CONTEXT)
    url = "https://events.example.com/integration/sns"
    context["platform"]["environments"]["prod"]["operations"]["alarmChatWebhook"] = url

    assert load_platform_config(context.get).environment("prod").operations.alarm_chat_webhook == url


def test_unknown_waf_mode_is_rejected() -> None:
    message = rejection("staging", "operations.waf", "monitor")

    assert message == 'platform.environments.staging.operations.waf = "monitor": expected "count", "block" or null'


def test_production_without_web_firewall_is_rejected() -> None:
    message = rejection("prod", "operations.waf", None)

    assert message.startswith("platform.environments.prod.operations.waf = null: production's load balancer")


def test_staging_without_backups_is_rejected() -> None:
    message = rejection("staging", "operations.backup", None)

    assert message.startswith(
        "platform.environments.staging.operations.backup = null: staging keeps data and needs daily AWS Backup"
    )


def test_backups_in_dev_are_rejected() -> None:
    message = rejection("dev", "operations.backup", {"retentionDays": 7, "copyToVaultArn": None})

    assert message.startswith("platform.environments.dev.operations.backup: dev's database is destroyed")


def test_backup_retention_shorter_than_the_automated_backups_is_rejected() -> None:
    message = rejection("prod", "operations.backup.retentionDays", 7)

    assert message == (
        "platform.environments.prod.operations.backup.retentionDays = 7: shorter than the database's "
        "backupRetentionDays = 14; a recovery point that expires before RDS's own backups adds nothing"
    )


def test_backup_retention_beyond_ten_years_is_rejected() -> None:
    message = rejection("prod", "operations.backup.retentionDays", 3651)

    assert message.endswith("retentionDays = 3651: expected a whole number from 1 to 3650")


def test_malformed_copy_vault_arn_is_rejected() -> None:
    message = rejection("prod", "operations.backup.copyToVaultArn", "competition-platform-dr")

    assert message == (
        'platform.environments.prod.operations.backup.copyToVaultArn = "competition-platform-dr": expected the '
        "ARN of a backup vault in another region, or null"
    )


def test_copy_vault_in_the_databases_own_region_is_rejected() -> None:
    arn = "arn:aws:backup:eu-west-1:333333333333:backup-vault:competition-platform-dr"

    message = rejection("prod", "operations.backup.copyToVaultArn", arn)

    assert "the vault is in eu-west-1, the database's own region" in message


def test_misspelt_operations_setting_is_rejected() -> None:
    message = rejection("dev", "operations.alarmEmails", "ops@example.com")

    assert message.startswith("platform.environments.dev.operations.alarmEmails is not a known setting; allowed")


def test_missing_operations_section_is_rejected() -> None:
    assert rejection("dev", "operations", DELETE) == "platform.environments.dev.operations is missing"


def test_instance_class_without_a_known_memory_size_is_rejected() -> None:
    message = rejection("dev", "database.instanceClass", "x2g.large")

    assert message.startswith(
        'platform.environments.dev.database.instanceClass = "x2g.large": not in the instance memory table'
    )


@pytest.mark.parametrize(
    ("instance_class", "connections"),
    # LEAST(memory in bytes / 9531392, 5000): 1 GiB → 112, 4 GiB → 450, 8 GiB → 901, 512 GiB → the cap.
    [("t4g.micro", 112), ("t4g.medium", 450), ("m7g.large", 901), ("r7g.16xlarge", 5000)],
)
def test_default_max_connections_follows_rds_formula(instance_class: str, connections: int) -> None:
    assert default_max_connections(instance_class) == connections
