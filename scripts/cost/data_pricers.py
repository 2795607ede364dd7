"""Pricers for RDS and for the per-resource monthly charges: logs, alarms, dashboards, keys, secrets, WAF, SQS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scripts.cost.estimate import Priced, Pricer, PricingContext
from scripts.cost.schedules import running_hours

RDS = "RDS"
LOGS = "CloudWatch logs"
ALARMS = "Alarms and dashboards"
KMS = "KMS keys"
SECRETS = "Secrets Manager"
WAF = "WAF"
SQS = "SQS"
# Performance Insights keeps 7 days for free; a longer retention is charged per vCPU and is not in the table.
PERFORMANCE_INSIGHTS_FREE_DAYS = 7
GP_STORAGE = ("gp3", "gp2")
# A log group without RetentionInDays keeps everything: the steady state after a year is what the report assumes.
UNLIMITED_RETENTION_DAYS = 365


def rds_instance(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    properties = resource.get("Properties", {})
    if not str(properties.get("Engine", "")).startswith("postgres"):
        return Priced(not_priced=f"engine {properties.get('Engine')!r}: only PostgreSQL is in the price table")
    instance_class = str(properties.get("DBInstanceClass"))
    hourly = context.table.class_price("rdsPostgresInstanceHour", instance_class)
    if hourly is None:
        return Priced(not_priced=f"instance class {instance_class} is not in the price table")
    copies = 2 if properties.get("MultiAZ") is True else 1
    deployment = "Multi-AZ (primary and standby)" if copies == 2 else "Single-AZ"
    # A stopped instance is not billed for its hours (its storage still is).
    markers: list[str | Mapping[str, str]] = [str(properties.get("DBInstanceIdentifier")), {"Ref": logical_id}]
    hours, stopped = running_hours(context, "rds:stopDBInstance", markers)
    storage_type = properties.get("StorageType", "gp2")
    if storage_type not in GP_STORAGE:
        return Priced(not_priced=f"storage type {storage_type} is not in the price table")
    allocated = float(properties.get("AllocatedStorage", 0))
    storage_price = context.price("rdsGp3GbMonth")
    lines = [
        (
            RDS,
            f"{instance_class} {deployment}, {copies} x {hours:g} h{stopped} x {hourly}",
            copies * hours * hourly,
        ),
        (RDS, f"{allocated:g} GB {storage_type} x {copies} x {storage_price}", allocated * copies * storage_price),
    ]
    lines.append(_backup_line(context, properties, allocated))
    insights = _performance_insights_line(properties)
    if isinstance(insights, str):
        return Priced(lines=tuple(lines), not_priced=insights)
    if insights is not None:
        lines.append(insights)
    if int(properties.get("MonitoringInterval", 0)) > 0:
        gigabytes = context.assumed("rdsEnhancedMonitoringGBPerMonth")
        ingest = context.price("logsIngestGB")
        lines.append((LOGS, f"enhanced monitoring, {gigabytes:g} GB (assumed) x {ingest}", gigabytes * ingest))
    return Priced(lines=tuple(lines))


def _backup_line(context: PricingContext, properties: Mapping[str, Any], allocated: float) -> tuple[str, str, float]:
    """Backup storage up to the allocated size is free; beyond it, the daily changes kept for the retention."""
    days = int(properties.get("BackupRetentionPeriod", 1))
    fraction = context.assumed("rdsBackupDailyChangeFraction")
    extra_gb = allocated * fraction * days
    price = context.price("rdsBackupGbMonth")
    description = f"backups beyond the free {allocated:g} GB: {days} days x {fraction:g} of {allocated:g} GB (assumed)"
    return RDS, f"{description} x {price}", extra_gb * price


def _performance_insights_line(properties: Mapping[str, Any]) -> tuple[str, str, float] | str | None:
    if properties.get("EnablePerformanceInsights") is not True:
        return None
    days = int(properties.get("PerformanceInsightsRetentionPeriod", PERFORMANCE_INSIGHTS_FREE_DAYS))
    if days > PERFORMANCE_INSIGHTS_FREE_DAYS:
        return f"Performance Insights with {days} days of retention (only the free 7 days are in the price table)"
    return RDS, f"Performance Insights, {days} days of retention (free)", 0.0


def log_group(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """Ingestion at the assumed volume, and storage at steady state. A group that only deployments, secret rotations
    and engine upgrades write to (`is_occasional_log_group`) is assumed at its own, much smaller volume."""
    retention = int(resource.get("Properties", {}).get("RetentionInDays", UNLIMITED_RETENTION_DAYS))
    occasional = is_occasional_log_group(context, logical_id, resource)
    gigabytes = context.assumed("occasionalLogIngestGBPerMonth" if occasional else "logIngestGBPerMonth")
    ingest = context.price("logsIngestGB")
    stored = gigabytes * min(retention, UNLIMITED_RETENTION_DAYS) / 30
    storage = context.price("logsStoredGbMonth")
    kind = " (written per deployment, rotation or upgrade)" if occasional else ""
    return Priced(
        lines=(
            (LOGS, f"{gigabytes:g} GB ingested{kind} (assumed) x {ingest}", gigabytes * ingest),
            (LOGS, f"{stored:.2f} GB kept ({retention} days) x {storage}", stored * storage),
        )
    )


def is_occasional_log_group(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> bool:
    """A Lambda function's group (named `/aws/lambda/...`, or the `LoggingConfig.LogGroup` of a function in this
    template) or an RDS instance's `upgrade` log. The platform's functions all run per deployment or per secret
    rotation (the migration runner, custom-resource providers, the rotation functions): a function that served
    requests would need its own assumption."""
    name = resource.get("Properties", {}).get("LogGroupName")
    if isinstance(name, str) and (
        name.startswith("/aws/lambda/") or (name.startswith("/aws/rds/") and name.endswith("/upgrade"))
    ):
        return True
    return any(
        function.get("Properties", {}).get("LoggingConfig", {}).get("LogGroup") == {"Ref": logical_id}
        for function in context.resources_of_type("AWS::Lambda::Function").values()
    )


def _monthly(category: str, price_name: str, what: str) -> Pricer:
    def pricer(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
        price = context.price(price_name)
        return Priced(lines=((category, f"{what} x {price}", price),))

    return pricer


alarm = _monthly(ALARMS, "alarmMonth", "alarm")
dashboard = _monthly(ALARMS, "dashboardMonth", "dashboard")
kms_key = _monthly(KMS, "kmsKeyMonth", "customer-managed key")
secret = _monthly(SECRETS, "secretMonth", "secret")


def waf_web_acl(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    rules = resource.get("Properties", {}).get("Rules", [])
    if not isinstance(rules, list):
        return Priced(not_priced="the web ACL's rules are not a literal list")
    acl, rule, per_million = (context.price(n) for n in ("wafWebAclMonth", "wafRuleMonth", "wafRequestsMillion"))
    millions = context.assumed("wafRequestsMillionsPerMonth")
    return Priced(
        lines=(
            (WAF, f"web ACL x {acl}", acl),
            (WAF, f"{len(rules)} rules x {rule}", len(rules) * rule),
            (WAF, f"{millions:g} million requests (assumed) x {per_million}", millions * per_million),
        )
    )


def sqs_queue(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """Requests a month, assumed: a queue's own figure, or a dead-letter queue's (another queue of the template
    redrives to it), which only failed messages and a look now and then reach."""
    dead_letters = _is_dead_letter_queue(context, logical_id)
    millions = context.assumed(
        "sqsDeadLetterRequestsMillionsPerMonth" if dead_letters else "sqsRequestsMillionsPerMonth"
    )
    per_million = context.price("sqsRequestsMillion")
    what = "dead-letter queue: " if dead_letters else ""
    return Priced(
        lines=((SQS, f"{what}{millions:g} million requests (assumed) x {per_million}", millions * per_million),)
    )


def _is_dead_letter_queue(context: PricingContext, logical_id: str) -> bool:
    for queue in context.resources_of_type("AWS::SQS::Queue").values():
        redrive = queue.get("Properties", {}).get("RedrivePolicy", {})
        target = context.referenced(redrive.get("deadLetterTargetArn")) if isinstance(redrive, Mapping) else None
        if target is not None and target[0] == logical_id:
            return True
    return False
