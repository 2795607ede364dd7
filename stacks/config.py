"""Typed, validated configuration of the platform's environments.

The configuration lives in `cdk.json` under the context key `platform`. It is read once, here, into frozen
dataclasses; constructs receive these objects and never read context or environment variables themselves.

Every rule that rejects a value raises `ConfigError` with one line naming the key, the value and what is
allowed, before any construct (and so any jsii call) exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CONTEXT_KEY = "platform"
# The prefix of every physical resource name (cluster, service, task families, alarms, database, secrets) and the
# `project` tag: `EnvironmentConfig.resource_name` and `secret_name` build the names from it.
PROJECT = "competition-platform"
ENVIRONMENT_NAMES = ("dev", "staging", "prod")
PRODUCTION = "prod"

# Fargate accepts only these task sizes: cpu units -> allowed memory in MiB.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
FARGATE_TASK_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_INSTANCE_CLASS = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_CONNECTION_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/[0-9a-f-]{36}$"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
# git check-ref-format, simplified: no spaces, no "..", no control or special characters, no leading "-" or "/".
_BRANCH = re.compile(r"^(?!-)(?!/)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,200}(?<!/)(?<!\.lock)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

RDS_MAX_BACKUP_RETENTION_DAYS = 35
RDS_MIN_STORAGE_GIB = 20
RDS_MAX_STORAGE_GIB = 65536


class ConfigError(ValueError):
    """A configuration value is missing or not allowed. The message is one line meant for a human."""


@dataclass(frozen=True)
class DatabaseConfig:
    instance_class: str
    allocated_storage_gib: int
    max_allocated_storage_gib: int
    multi_az: bool
    backup_retention_days: int


@dataclass(frozen=True)
class ServiceConfig:
    cpu: int
    memory_mib: int
    min_count: int
    max_count: int


@dataclass(frozen=True)
class DomainConfig:
    domain_name: str
    hosted_zone_id: str
    hosted_zone_name: str


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


class _Reader:
    """Reads one JSON object, tracking the dotted key path so that every error names its key."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path} = {_show(data)}: expected an object")
        self._data = data
        self._path = path
        self._read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self._path}.{name}"

    def raw(self, name: str, *, required: bool = True) -> Any:
        self._read.add(name)
        if name not in self._data:
            if required:
                raise ConfigError(f"{self.key(name)} is missing")
            return None
        return self._data[name]

    def string(self, name: str, pattern: re.Pattern[str], allowed: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str) or not pattern.match(value):
            raise ConfigError(f"{self.key(name)} = {_show(value)}: expected {allowed}")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{self.key(name)} = {_show(value)}: expected a whole number from {low} to {high}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.key(name)} = {_show(value)}: expected true or false")
        return value

    def keys(self) -> list[str]:
        return list(self._data)

    def child(self, name: str) -> _Reader:
        return _Reader(self.raw(name), self.key(name))

    def reject_unknown_keys(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise ConfigError(
                f"{self.key(unknown[0])} is not a known setting; allowed here: {', '.join(sorted(self._read))}"
            )


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


ContextLookup = Callable[[str], Any]


def load_platform_config(context: ContextLookup) -> PlatformConfig:
    """Builds the validated configuration from the app's context (cdk.json + cdk.context.json).

    `context` returns the value of one context key, or None when the key is absent (`app.node.try_get_context`,
    or `dict.get` in tests).
    """
    raw = context(CONTEXT_KEY)
    if raw is None:
        raise ConfigError(f"context key {CONTEXT_KEY!r} is missing from cdk.json")
    platform = _Reader(raw, CONTEXT_KEY)
    environments_reader = platform.child("environments")
    pipeline = _load_pipeline(platform.child("pipeline"))
    platform.reject_unknown_keys()

    configured = environments_reader.keys()
    for name in configured:
        if name not in ENVIRONMENT_NAMES:
            raise ConfigError(
                f"{environments_reader.key(name)}: unknown environment name {name!r}; "
                f"allowed: {', '.join(ENVIRONMENT_NAMES)}"
            )
    for name in ENVIRONMENT_NAMES:
        if name not in configured:
            raise ConfigError(
                f"{environments_reader.key(name)} is missing; every platform has {', '.join(ENVIRONMENT_NAMES)}"
            )

    environments = {
        name: _load_environment(name, environments_reader.child(name), context) for name in ENVIRONMENT_NAMES
    }
    return PlatformConfig(environments=environments, pipeline=pipeline)


def _load_pipeline(pipeline: _Reader) -> PipelineConfig:
    account = pipeline.string("account", _ACCOUNT, "a 12-digit AWS account id (the tooling account)")
    region = pipeline.string("region", _REGION, "an AWS region name such as eu-west-1")
    connection_arn = pipeline.string(
        "connectionArn",
        _CONNECTION_ARN,
        "the ARN of a CodeStar/CodeConnections GitHub connection, "
        "arn:aws:codeconnections:<region>:<account>:connection/<uuid>",
    )
    repository = pipeline.string("repository", _REPOSITORY, 'a GitHub repository as "owner/name"')
    branch = pipeline.string("branch", _BRANCH, "a git branch name such as main")
    email = pipeline.raw("notificationEmail", required=False)
    if email is not None and (not isinstance(email, str) or not _EMAIL.match(email)):
        raise ConfigError(f"{pipeline.key('notificationEmail')} = {_show(email)}: expected an e-mail address or null")
    pipeline.reject_unknown_keys()
    return PipelineConfig(
        account=account,
        region=region,
        connection_arn=connection_arn,
        repository=repository,
        branch=branch,
        notification_email=email,
    )


def _load_environment(name: str, env: _Reader, context: ContextLookup) -> EnvironmentConfig:
    account = env.string("account", _ACCOUNT, "a 12-digit AWS account id")
    region = env.string("region", _REGION, "an AWS region name such as eu-west-1")
    availability_zones = _load_availability_zones(env, account, region, context)
    nat_gateways = env.integer("natGateways", 1, len(availability_zones))
    database = _load_database(name, env.child("database"))
    service = _load_service(env.child("service"))
    domain = _load_domain(env)
    env.reject_unknown_keys()

    if name == PRODUCTION and domain is None:
        raise ConfigError(
            f"{env.key('domain')} = null: production must have a domain (HTTPS with an ACM certificate); "
            "set domainName, hostedZoneId and hostedZoneName"
        )
    return EnvironmentConfig(
        name=name,
        account=account,
        region=region,
        availability_zones=availability_zones,
        nat_gateways=nat_gateways,
        database=database,
        service=service,
        domain=domain,
    )


def _load_availability_zones(env: _Reader, account: str, region: str, context: ContextLookup) -> tuple[str, ...]:
    key = env.key("availabilityZones")
    value = env.raw("availabilityZones")
    if not isinstance(value, list) or not all(isinstance(zone, str) for zone in value):
        raise ConfigError(f"{key} = {_show(value)}: expected a list of availability zone names")
    if len(value) < 2 or len(set(value)) != len(value):
        raise ConfigError(f"{key} = {value}: expected at least two distinct zones (RDS and the load balancer span two)")
    zone_pattern = re.compile(rf"^{re.escape(region)}[a-z]$")
    for zone in value:
        if not zone_pattern.match(zone):
            raise ConfigError(f'{key} contains "{zone}": it is not a zone of region {region} (expected {region}a, ...)')

    # Synthesis must never call AWS: the stack's availability-zone lookup is answered from cdk.context.json.
    lookup_key = f"availability-zones:account={account}:region={region}"
    known_zones = context(lookup_key)
    if not isinstance(known_zones, list):
        raise ConfigError(
            f"cdk.context.json has no {lookup_key!r} entry: add the region's zones there "
            "(synthesis is offline and must not look them up)"
        )
    for zone in value:
        if zone not in known_zones:
            raise ConfigError(
                f'{key} contains "{zone}": not among the zones cdk.context.json records for {region}: '
                f"{', '.join(known_zones)}"
            )
    return tuple(value)


def _load_database(environment: str, database: _Reader) -> DatabaseConfig:
    instance_class = database.string(
        "instanceClass", _INSTANCE_CLASS, "an instance class without the db. prefix, such as t4g.medium"
    )
    allocated = database.integer("allocatedStorageGiB", RDS_MIN_STORAGE_GIB, RDS_MAX_STORAGE_GIB)
    max_allocated = database.integer("maxAllocatedStorageGiB", allocated, RDS_MAX_STORAGE_GIB)
    multi_az = database.boolean("multiAz")
    backup_retention = database.integer("backupRetentionDays", 1, RDS_MAX_BACKUP_RETENTION_DAYS)
    database.reject_unknown_keys()
    if environment == PRODUCTION and not multi_az:
        raise ConfigError(f"{database.key('multiAz')} = false: production must run the database multi-AZ")
    return DatabaseConfig(
        instance_class=instance_class,
        allocated_storage_gib=allocated,
        max_allocated_storage_gib=max_allocated,
        multi_az=multi_az,
        backup_retention_days=backup_retention,
    )


def _load_service(service: _Reader) -> ServiceConfig:
    cpu_value = service.raw("cpu")
    if cpu_value not in FARGATE_TASK_SIZES or isinstance(cpu_value, bool):
        raise ConfigError(
            f"{service.key('cpu')} = {_show(cpu_value)}: expected one of the Fargate cpu sizes "
            f"{', '.join(str(cpu) for cpu in FARGATE_TASK_SIZES)}"
        )
    cpu: int = cpu_value
    memory = service.raw("memoryMiB")
    allowed_memory = FARGATE_TASK_SIZES[cpu]
    if isinstance(memory, bool) or memory not in allowed_memory:
        raise ConfigError(
            f"{service.key('memoryMiB')} = {_show(memory)}: Fargate does not accept it with cpu {cpu}; "
            f"allowed: {_describe_memory(allowed_memory)}"
        )
    min_count = service.integer("minCount", 1, 1000)
    max_count = service.integer("maxCount", 1, 1000)
    service.reject_unknown_keys()
    if min_count > max_count:
        raise ConfigError(
            f"{service.key('minCount')} = {min_count}: must not exceed {service.key('maxCount')} = {max_count}"
        )
    return ServiceConfig(cpu=cpu, memory_mib=memory, min_count=min_count, max_count=max_count)


def _describe_memory(allowed: tuple[int, ...]) -> str:
    if len(allowed) <= 3:
        return ", ".join(str(memory) for memory in allowed)
    step = allowed[1] - allowed[0]
    return f"{allowed[0]} to {allowed[-1]} in steps of {step}"


def _load_domain(env: _Reader) -> DomainConfig | None:
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
