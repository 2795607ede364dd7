"""Pricers for what operators add: metrics from log filters, and AWS Backup plans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scripts.cost.data_pricers import ALARMS
from scripts.cost.estimate import Priced, PricingContext

BACKUP = "AWS Backup"


def metric_filter(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """Each transformation of a metric filter publishes one custom metric."""
    transformations = resource.get("Properties", {}).get("MetricTransformations", [])
    price = context.price("metricMonth")
    count = len(transformations) if isinstance(transformations, list) else 1
    return Priced(lines=((ALARMS, f"{count} custom metric(s) from a log filter x {price}", count * price),))


def backup_plan(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """Daily RDS snapshots kept `DeleteAfterDays`: one full copy of the allocated storage (the upper bound of the
    data) plus the daily changes, in the vault and in every copy's vault. Cross-region transfer is not estimated."""
    instances = context.resources_of_type("AWS::RDS::DBInstance")
    if len(instances) != 1:
        return Priced(not_priced=f"the plan's stack holds {len(instances)} database instances, not one")
    (instance,) = instances.values()
    allocated = float(instance.get("Properties", {}).get("AllocatedStorage", 0))
    rules = resource.get("Properties", {}).get("BackupPlan", {}).get("BackupPlanRule", [])
    lines = []
    for rule in rules if isinstance(rules, list) else []:
        days = int(rule.get("Lifecycle", {}).get("DeleteAfterDays", 0))
        copies = 1 + len(rule.get("CopyActions", []))
        fraction = context.assumed("rdsBackupDailyChangeFraction")
        stored = allocated * (1 + fraction * days)
        price = context.price("backupRdsSnapshotGbMonth")
        description = (
            f"rule {rule.get('RuleName')}: {allocated:g} GB + {days} days x {fraction:g} changed (assumed) "
            f"= {stored:g} GB x {copies} vault(s) x {price}"
        )
        lines.append((BACKUP, description, stored * copies * price))
    if not lines:
        return Priced(not_priced="the plan's rules are not a literal list")
    return Priced(lines=tuple(lines))
