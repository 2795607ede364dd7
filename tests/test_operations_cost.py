"""The cost report prices what operations add: log-filter metrics, AWS Backup recovery points, the web ACL."""

from __future__ import annotations

import pytest

from scripts.cost.price_table import PriceTable, load_price_table
from tests.conftest import SynthesizedPlatform
from tests.test_cost_report import REGION, estimate, templates_of


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return load_price_table(REGION)


def lines_of(synthesized: SynthesizedPlatform, table: PriceTable, environment: str, category: str) -> list[float]:
    result = estimate(environment, templates_of(synthesized, environment), table)
    return [line.monthly_usd for line in result.lines if line.category == category]


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_each_request_log_filter_is_priced_as_one_custom_metric(
    synthesized: SynthesizedPlatform, table: PriceTable, environment: str
) -> None:
    result = estimate(environment, templates_of(synthesized, environment), table)

    filters = [line for line in result.lines if "custom metric(s) from a log filter" in line.description]

    assert [line.monthly_usd for line in filters] == [table.price("metricMonth")] * 3


def test_backups_are_priced_with_their_retention_and_their_copy(
    synthesized: SynthesizedPlatform, table: PriceTable
) -> None:
    per_gb = table.price("backupRdsSnapshotGbMonth")
    change = table.assumed("rdsBackupDailyChangeFraction", "prod")

    assert lines_of(synthesized, table, "dev", "AWS Backup") == []
    # staging: 50 GB kept 14 days in one vault; prod: 200 GB kept 35 days, in its vault and the copy's.
    assert lines_of(synthesized, table, "staging", "AWS Backup") == [pytest.approx(50 * (1 + change * 14) * per_gb)]
    assert lines_of(synthesized, table, "prod", "AWS Backup") == [pytest.approx(200 * (1 + change * 35) * 2 * per_gb)]


def test_the_web_acl_costs_nothing_in_dev(synthesized: SynthesizedPlatform, table: PriceTable) -> None:
    assert lines_of(synthesized, table, "dev", "WAF") == []
    # Web ACL, its six rules, and the assumed requests.
    assert sum(lines_of(synthesized, table, "prod", "WAF")) >= table.price("wafWebAclMonth") + 6 * table.price(
        "wafRuleMonth"
    )


def test_logs_written_only_by_deployments_and_rotations_are_priced_at_their_own_small_volume(
    synthesized: SynthesizedPlatform, table: PriceTable
) -> None:
    """The rotation functions' groups and the migration runner's write kilobytes a run, the container logs every
    request: one assumed volume for both would put gigabytes of invented logs in the bill."""
    result = estimate("prod", templates_of(synthesized, "prod"), table)
    ingested = {
        line.resource.rsplit("/", 1)[1]: line.monthly_usd
        for line in result.lines
        if line.category == "CloudWatch logs" and "ingested" in line.description
    }
    occasional = table.assumed("occasionalLogIngestGBPerMonth", "prod") * table.price("logsIngestGB")
    general = table.assumed("logIngestGBPerMonth", "prod") * table.price("logsIngestGB")

    def by_prefix(prefix: str) -> list[float]:
        return [usd for logical_id, usd in ingested.items() if logical_id.startswith(prefix)]

    # The owner's and the app user's rotation functions (named /aws/lambda/...), and the runner (LoggingConfig).
    assert by_prefix("PostgresRotationLogs") + by_prefix("AppUserRotationLogs") == [pytest.approx(occasional)] * 2
    assert by_prefix("MigrationsRunnerLogs") == [pytest.approx(occasional)]
    assert by_prefix("UpgradeLogs") == [pytest.approx(occasional)]  # RDS's engine upgrade log
    assert (
        by_prefix("ContainerLogs") + by_prefix("PostgresqlLogs") + by_prefix("FlowLogs") == [pytest.approx(general)] * 3
    )
