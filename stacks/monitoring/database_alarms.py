"""Alarms of the database instance and of the function that rotates its secret(s)."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_rds as rds

from stacks.config import DatabaseConfig
from stacks.config.rds_instances import GIB, default_max_connections, instance_memory_bytes
from stacks.monitoring.alarm_spec import FIVE_MINUTES, GREATER, GREATER_OR_EQUAL, LESS, AlarmSpec

# On the burstable classes (t4g) sustained CPU above the baseline costs surplus credits; on any class 80 % for
# 15 minutes leaves no room for a peak and slows every query.
CPU_PERCENT = 80
# Free storage below `database.freeStorageAlarmPercent` (10 in cdk.json) of allocatedStorageGiB, and never below
# 1 GiB: at 10 % of the configured size RDS's storage autoscaling would have added space (it acts below 10 % free),
# so 10 minutes there mean it did not (its 6-hour cool-down, or maxAllocatedStorageGiB reached); after autoscaling
# grew the volume the same number of GiB is a smaller share, later warning, still hours before RDS stops the instance.
MIN_FREE_STORAGE_GIB = 1
# PostgreSQL's caches live in the rest; under 10 % of the class's memory the instance starts to swap.
FREEABLE_MEMORY_FRACTION = 0.10
# Of RDS's default max_connections for the class (stacks/config/rds_instances.py); at the limit new tasks and the
# migration task cannot connect at all.
CONNECTIONS_FRACTION = 0.80


def database_alarms(instance: rds.IDatabaseInstance, database: DatabaseConfig) -> list[AlarmSpec]:
    free_storage_bytes = max(
        database.allocated_storage_gib * database.free_storage_alarm_percent / 100 * GIB, MIN_FREE_STORAGE_GIB * GIB
    )
    freeable_memory_bytes = instance_memory_bytes(database.instance_class) * FREEABLE_MEMORY_FRACTION
    connection_limit = default_max_connections(database.instance_class)
    connections = int(connection_limit * CONNECTIONS_FRACTION)
    return [
        AlarmSpec(
            name="database-cpu",
            description=f"Database CPU above {CPU_PERCENT} % for 15 minutes. Find the expensive statements in "
            "Performance Insights (or the slow-query log, 500 ms and over); then index, cache or a larger class.",
            metric=instance.metric_cpu_utilization(period=FIVE_MINUTES),
            threshold=CPU_PERCENT,
            comparison=GREATER,
            evaluation_periods=3,
            capacity=True,
        ),
        AlarmSpec(
            name="database-free-storage",
            description=f"Less than {free_storage_bytes / GIB:g} GiB of database storage free for 10 minutes: "
            "autoscaling did not add space (cool-down, or maxAllocatedStorageGiB reached). Raise "
            "maxAllocatedStorageGiB or free space before the instance stops.",
            metric=instance.metric_free_storage_space(period=FIVE_MINUTES, statistic="Minimum"),
            threshold=free_storage_bytes,
            comparison=LESS,
            evaluation_periods=2,
        ),
        AlarmSpec(
            name="database-freeable-memory",
            description=f"Less than {freeable_memory_bytes / GIB:.1f} GiB (10 %) of database memory free for 15 "
            "minutes: it will swap. Look for many connections or large sorts; a larger class if it is the load.",
            metric=instance.metric_freeable_memory(period=FIVE_MINUTES, statistic="Minimum"),
            threshold=freeable_memory_bytes,
            comparison=LESS,
            evaluation_periods=3,
            capacity=True,
        ),
        AlarmSpec(
            name="database-connections",
            description=f"Over {connections} database connections (80 % of {connection_limit}, RDS's default "
            f"max_connections for {database.instance_class}) for 10 minutes: new tasks will be refused. Count "
            "tasks × workers; look for leaked connections in pg_stat_activity.",
            metric=instance.metric_database_connections(period=FIVE_MINUTES, statistic="Maximum"),
            threshold=connections,
            comparison=GREATER,
            evaluation_periods=2,
            capacity=True,
        ),
    ]


def rotation_alarms(function_names: Mapping[str, str]) -> list[AlarmSpec]:
    """Any error of a rotation function (by the secret it rotates: `{"admin": name}`): the secret may be left with an
    AWSPENDING version, and the next rotation fails the same way until someone looks."""
    return [
        AlarmSpec(
            name=f"database-{secret}-secret-rotation",
            description=f"The secret rotation function {name} failed. Read its log group /aws/lambda/{name}, fix, "
            "then `aws secretsmanager rotate-secret` the secret again; the service keeps the current password.",
            metric=cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions_map={"FunctionName": name},
                statistic="Sum",
                period=FIVE_MINUTES,
            ),
            threshold=1,
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=1,
        )
        for secret, name in function_names.items()
    ]


def backup_alarms(vault_name: str) -> list[AlarmSpec]:
    """A daily AWS Backup job (or its copy to the second region) that failed: one day without a recovery point."""

    def jobs_failed(metric_name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Backup",
            metric_name=metric_name,
            dimensions_map={"BackupVaultName": vault_name},
            statistic="Sum",
            period=cdk.Duration.hours(1),
        )

    failed = cloudwatch.MathExpression(
        expression="FILL(backups, 0) + FILL(copies, 0)",
        using_metrics={
            "backups": jobs_failed("NumberOfBackupJobsFailed"),
            "copies": jobs_failed("NumberOfCopyJobsFailed"),
        },
        label="failed backup and copy jobs",
        period=cdk.Duration.hours(1),
    )
    return [
        AlarmSpec(
            name="database-backup-failed",
            description=f"An AWS Backup job of vault {vault_name} (or its copy to the second region) failed. "
            "`aws backup list-backup-jobs --by-backup-vault-name ... --by-state FAILED` gives the reason; start "
            "one by hand (`aws backup start-backup-job`) once it is fixed.",
            metric=failed,
            threshold=1,
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=1,
        )
    ]
