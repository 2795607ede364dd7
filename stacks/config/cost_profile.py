"""Loading an environment's cost profile (`costProfile`): NAT instances instead of gateways, Fargate Spot, Container
Insights, and working hours outside which the service, the database and the NAT instances stop.

Production refuses every saving that trades availability away; the other environments choose.
"""

from __future__ import annotations

import re

from stacks.config.environments import PRODUCTION
from stacks.config.model import CostProfileConfig, OffHoursConfig
from stacks.config.reader import ConfigError, Reader, show

NAT_KINDS = ("gateway", "instance")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
# The rotation window of the database secrets lies inside working hours when the database stops outside them.
MIN_WORKING_HOURS = 4


def load_cost_profile(environment: str, profile: Reader) -> CostProfileConfig:
    nat = profile.raw("nat")
    if nat not in NAT_KINDS:
        raise ConfigError(f"{profile.key('nat')} = {show(nat)}: expected one of {', '.join(NAT_KINDS)}")
    nat_instance_type = _nat_instance_type(profile, nat)
    fargate_spot = profile.boolean("fargateSpot")
    container_insights = profile.boolean("containerInsights")
    off_hours = _off_hours(profile, nat)
    profile.reject_unknown_keys()
    config = CostProfileConfig(
        nat=nat,
        nat_instance_type=nat_instance_type,
        fargate_spot=fargate_spot,
        container_insights=container_insights,
        off_hours=off_hours,
    )
    if environment == PRODUCTION:
        _refuse_in_production(profile, config)
    return config


def _nat_instance_type(profile: Reader, nat: str) -> str | None:
    value = profile.raw("natInstanceType", required=False)
    if nat == "gateway":
        if value is not None:
            raise ConfigError(f'{profile.key("natInstanceType")} = {show(value)}: only with nat = "instance"')
        return None
    if not isinstance(value, str) or not _INSTANCE_TYPE.match(value):
        raise ConfigError(
            f"{profile.key('natInstanceType')} = {show(value)}: expected an EC2 instance type such as t4g.nano "
            '(required with nat = "instance")'
        )
    return value


def _off_hours(profile: Reader, nat: str) -> OffHoursConfig | None:
    if profile.raw("offHours", required=False) is None:
        return None
    hours = profile.child("offHours")
    start = hours.integer("startHourUtc", 0, 23 - MIN_WORKING_HOURS)
    stop = hours.integer("stopHourUtc", start + MIN_WORKING_HOURS, 23)
    stop_database = hours.boolean("stopDatabase")
    stop_nat_instances = hours.boolean("stopNatInstances")
    hours.reject_unknown_keys()
    if stop_nat_instances and nat != "instance":
        raise ConfigError(f'{hours.key("stopNatInstances")} = true: only NAT instances can be stopped (nat = "{nat}")')
    return OffHoursConfig(
        start_hour_utc=start, stop_hour_utc=stop, stop_database=stop_database, stop_nat_instances=stop_nat_instances
    )


def _refuse_in_production(profile: Reader, config: CostProfileConfig) -> None:
    if config.nat_instances:
        raise ConfigError(
            f'{profile.key("nat")} = "instance": production keeps managed NAT gateways (a NAT instance is one '
            "machine per zone that nobody patches or replaces when it fails)"
        )
    if config.fargate_spot:
        raise ConfigError(
            f"{profile.key('fargateSpot')} = true: production runs on on-demand Fargate (Spot tasks are reclaimed at "
            "two minutes' notice)"
        )
    if not config.container_insights:
        raise ConfigError(f"{profile.key('containerInsights')} = false: production keeps Container Insights")
    if config.off_hours is not None:
        raise ConfigError(f"{profile.key('offHours')}: production serves around the clock; set it to null")
