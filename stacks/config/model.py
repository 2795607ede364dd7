"""The configuration's types: frozen dataclasses that constructs receive, and the constants they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stacks.config.environments import PRODUCTION
from stacks.config.operations import OperationsConfig
from stacks.config.reader import ConfigError
from stacks.config.scoring import ScoringConfig

CONTEXT_KEY = "platform"
# The prefix of every physical resource name (cluster, service, task families, alarms, database, secrets) and the
# `project` tag: `EnvironmentConfig.resource_name` and `secret_name` build the names from it.
PROJECT = "competition-platform"

RDS_MAX_BACKUP_RETENTION_DAYS = 35
RDS_MIN_STORAGE_GIB = 20
RDS_MAX_STORAGE_GIB = 65536


@dataclass(frozen=True)
class DatabaseConfig:
    instance_class: str
    allocated_storage_gib: int
    max_allocated_storage_gib: int
    multi_az: bool
    backup_retention_days: int
    performance_insights: bool
    # The free-storage alarm's threshold, as a share of allocatedStorageGiB.
    free_storage_alarm_percent: int


@dataclass(frozen=True)
class ServiceConfig:
    cpu: int
    memory_mib: int
    min_count: int
    max_count: int
    # Whether the service serves the Django admin (DJANGO_ADMIN_ENABLED).
    admin_enabled: bool


@dataclass(frozen=True)
class DomainConfig:
    domain_name: str
    hosted_zone_id: str
    hosted_zone_name: str


@dataclass(frozen=True)
class OffHoursConfig:
    """Outside working hours (Monday to Friday, `start_hour_utc` to `stop_hour_utc`; all weekend) the service runs no
    task, and the database and NAT instances may be stopped."""

    start_hour_utc: int
    stop_hour_utc: int
    stop_database: bool
    stop_nat_instances: bool

    @property
    def hours_off_per_week(self) -> int:
        return 7 * 24 - 5 * (self.stop_hour_utc - self.start_hour_utc)


@dataclass(frozen=True)
class CostProfileConfig:
    """How much an environment spends on availability it may not need (cdk.json `costProfile`)."""

    nat: str  # "gateway" (managed NAT gateways) or "instance" (NatProvider.instance_v2)
    nat_instance_type: str | None  # with "instance"
    fargate_spot: bool
    container_insights: bool
    off_hours: OffHoursConfig | None

    @property
    def nat_instances(self) -> bool:
        return self.nat == "instance"


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    account: str
    region: str
    availability_zones: tuple[str, ...]
    nat_gateways: int
    database: DatabaseConfig
    service: ServiceConfig
    domain: DomainConfig | None
    cost_profile: CostProfileConfig
    operations: OperationsConfig
    scoring: ScoringConfig

    @property
    def is_production(self) -> bool:
        return self.name == PRODUCTION

    @property
    def is_dev(self) -> bool:
        return self.name == "dev"

    @property
    def keeps_data(self) -> bool:
        """Stateful resources are protected from deletion everywhere but dev."""
        return not self.is_dev

    def resource_name(self, *parts: str) -> str:
        """`competition-platform-<env>[-<part>...]`: the physical name of one of this environment's resources.

        Every resource name is built here, so that they all share one shape and an operator can tell the environment
        from any of them (a cluster, a service, a task family, an alarm, the database instance)."""
        return "-".join((PROJECT, self.name, *parts))

    def secret_name(self, name: str) -> str:
        """`competition-platform/<env>/<name>`: Secrets Manager names are paths, which IAM policies can match."""
        return f"{PROJECT}/{self.name}/{name}"

    @property
    def submissions_bucket_name(self) -> str:
        """Fixed, so that the service stack needs no reference to the storage stack for it, and so that an
        accidental replacement of the bucket fails (the name is taken) instead of starting an empty one."""
        return f"compete-{self.name}-submissions-{self.account}-{self.region}"

    @property
    def stage_id(self) -> str:
        """The construct id of this environment's stage: `Dev`, `Staging`, `Prod`."""
        return self.name.capitalize()


@dataclass(frozen=True)
class PipelineConfig:
    """Where the delivery pipeline lives (the tooling account) and what it watches."""

    account: str
    region: str
    connection_arn: str
    repository: str  # "owner/name" on GitHub
    branch: str
    notification_email: str | None


@dataclass(frozen=True)
class PlatformConfig:
    environments: Mapping[str, EnvironmentConfig]
    pipeline: PipelineConfig

    def environment(self, name: str) -> EnvironmentConfig:
        if name not in self.environments:
            raise ConfigError(
                f"environment {name!r} is not configured; configured environments: {', '.join(self.environments)}"
            )
        return self.environments[name]
