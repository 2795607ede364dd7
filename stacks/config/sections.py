"""Loading the sections of one environment: its database, its service and its domain."""

from __future__ import annotations

import re

from stacks.config.environments import PRODUCTION
from stacks.config.fargate import load_fargate_size
from stacks.config.model import (
    RDS_MAX_BACKUP_RETENTION_DAYS,
    RDS_MAX_STORAGE_GIB,
    RDS_MIN_STORAGE_GIB,
    DatabaseConfig,
    DomainConfig,
    ServiceConfig,
)
from stacks.config.rds_classes import PERFORMANCE_INSIGHTS_UNSUPPORTED
from stacks.config.reader import ConfigError, Reader

_INSTANCE_CLASS = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")


def load_database(environment: str, database: Reader) -> DatabaseConfig:
    instance_class = database.string(
        "instanceClass", _INSTANCE_CLASS, "an instance class without the db. prefix, such as t4g.medium"
    )
    allocated = database.integer("allocatedStorageGiB", RDS_MIN_STORAGE_GIB, RDS_MAX_STORAGE_GIB)
    max_allocated = database.integer("maxAllocatedStorageGiB", allocated, RDS_MAX_STORAGE_GIB)
    multi_az = database.boolean("multiAz")
    backup_retention = database.integer("backupRetentionDays", 1, RDS_MAX_BACKUP_RETENTION_DAYS)
    performance_insights = database.boolean("performanceInsights")
    free_storage_alarm_percent = database.integer("freeStorageAlarmPercent", 1, 50)
    database.reject_unknown_keys()
    if environment == PRODUCTION and not multi_az:
        raise ConfigError(f"{database.key('multiAz')} = false: production must run the database multi-AZ")
    if performance_insights and instance_class in PERFORMANCE_INSIGHTS_UNSUPPORTED:
        raise ConfigError(
            f"{database.key('performanceInsights')} = true: RDS does not offer Performance Insights on "
            f"db.{instance_class}; set it to false or choose a larger class"
        )
    return DatabaseConfig(
        instance_class=instance_class,
        allocated_storage_gib=allocated,
        max_allocated_storage_gib=max_allocated,
        multi_az=multi_az,
        backup_retention_days=backup_retention,
        performance_insights=performance_insights,
        free_storage_alarm_percent=free_storage_alarm_percent,
    )


def load_service(service: Reader) -> ServiceConfig:
    cpu, memory = load_fargate_size(service)
    min_count = service.integer("minCount", 1, 1000)
    max_count = service.integer("maxCount", 1, 1000)
    admin_enabled = service.boolean("adminEnabled")
    service.reject_unknown_keys()
    if min_count > max_count:
        raise ConfigError(
            f"{service.key('minCount')} = {min_count}: must not exceed {service.key('maxCount')} = {max_count}"
        )
    return ServiceConfig(
        cpu=cpu, memory_mib=memory, min_count=min_count, max_count=max_count, admin_enabled=admin_enabled
    )


def load_domain(env: Reader) -> DomainConfig | None:
    if env.raw("domain", required=False) is None:
        return None
    domain = env.child("domain")
    domain_name = domain.string("domainName", _DOMAIN_NAME, "a lower-case DNS name such as compete.example.com")
    hosted_zone_id = domain.string("hostedZoneId", _HOSTED_ZONE_ID, "a Route 53 hosted zone id such as Z0123456789ABC")
    hosted_zone_name = domain.string("hostedZoneName", _DOMAIN_NAME, "the hosted zone's DNS name")
    domain.reject_unknown_keys()
    if domain_name != hosted_zone_name and not domain_name.endswith("." + hosted_zone_name):
        raise ConfigError(
            f'{domain.key("domainName")} = "{domain_name}": not inside the hosted zone "{hosted_zone_name}"'
        )
    return DomainConfig(domain_name=domain_name, hosted_zone_id=hosted_zone_id, hosted_zone_name=hosted_zone_name)
