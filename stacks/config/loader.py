"""Loading and validating `cdk.json`'s `platform` context: the platform, its pipeline and its environments."""

from __future__ import annotations

import re

from stacks.config.cost_profile import load_cost_profile
from stacks.config.environments import ENVIRONMENT_NAMES, PRODUCTION
from stacks.config.hosted_zones import check_hosted_zones
from stacks.config.model import (
    CONTEXT_KEY,
    EnvironmentConfig,
    PipelineConfig,
    PlatformConfig,
)
from stacks.config.operations import load_operations
from stacks.config.reader import ConfigError, ContextLookup, Reader, show
from stacks.config.scoring import load_scoring
from stacks.config.sections import load_database, load_domain, load_service

_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_CONNECTION_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/[0-9a-f-]{36}$"
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
# git check-ref-format, simplified: no spaces, no "..", no control or special characters, no leading "-" or "/".
_BRANCH = re.compile(r"^(?!-)(?!/)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,200}(?<!/)(?<!\.lock)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def load_platform_config(context: ContextLookup) -> PlatformConfig:
    """Builds the validated configuration from the app's context (cdk.json + cdk.context.json).

    `context` returns the value of one context key, or None when the key is absent (`app.node.try_get_context`,
    or `dict.get` in tests).
    """
    raw = context(CONTEXT_KEY)
    if raw is None:
        raise ConfigError(f"context key {CONTEXT_KEY!r} is missing from cdk.json")
    platform = Reader(raw, CONTEXT_KEY)
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
    check_hosted_zones(environments_reader, environments)
    return PlatformConfig(environments=environments, pipeline=pipeline)


def _load_pipeline(pipeline: Reader) -> PipelineConfig:
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
        raise ConfigError(f"{pipeline.key('notificationEmail')} = {show(email)}: expected an e-mail address or null")
    pipeline.reject_unknown_keys()
    return PipelineConfig(
        account=account,
        region=region,
        connection_arn=connection_arn,
        repository=repository,
        branch=branch,
        notification_email=email,
    )


def _load_environment(name: str, env: Reader, context: ContextLookup) -> EnvironmentConfig:
    account = env.string("account", _ACCOUNT, "a 12-digit AWS account id")
    region = env.string("region", _REGION, "an AWS region name such as eu-west-1")
    availability_zones = _load_availability_zones(env, account, region, context)
    nat_gateways = env.integer("natGateways", 1, len(availability_zones))
    database = load_database(name, env.child("database"))
    service = load_service(env.child("service"))
    domain = load_domain(env)
    cost_profile = load_cost_profile(name, env.child("costProfile"))
    operations = load_operations(
        name,
        env.child("operations"),
        region=region,
        instance_class_key=env.key("database.instanceClass"),
        instance_class=database.instance_class,
        database_backup_retention_days=database.backup_retention_days,
    )
    scoring = load_scoring(
        name, env.child("scoring"), web_memory_key=env.key("service.memoryMiB"), web_memory_mib=service.memory_mib
    )
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
        cost_profile=cost_profile,
        operations=operations,
        scoring=scoring,
    )


def _load_availability_zones(env: Reader, account: str, region: str, context: ContextLookup) -> tuple[str, ...]:
    key = env.key("availabilityZones")
    value = env.raw("availabilityZones")
    if not isinstance(value, list) or not all(isinstance(zone, str) for zone in value):
        raise ConfigError(f"{key} = {show(value)}: expected a list of availability zone names")
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
