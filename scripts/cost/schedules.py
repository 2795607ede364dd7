"""Hours a resource runs when something stops it outside working hours.

Two kinds of schedule stop things here: an Application Auto Scaling scheduled action with `MaxCapacity: 0` (an ECS
service at zero tasks) and an EventBridge Scheduler schedule that calls a stop action (`aws-sdk:rds:stopDBInstance`,
`aws-sdk:ec2:stopInstances`; stacks/off_hours.py). The cron expressions are not interpreted: the price table's
assumption `scheduledZeroHoursPerWeek` is taken off the month (tests/test_cost_report.py checks that it matches the
working hours configured in cdk.json).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from scripts.cost.estimate import PricingContext

HOURS_PER_WEEK = 168.0
SCHEDULER_TARGET_PREFIX = ":scheduler:::aws-sdk:"


def assumed_running(context: PricingContext) -> tuple[float, str]:
    """(hours a month, note) of something stopped by a schedule: the month minus the assumed hours off a week."""
    zero_hours = context.assumed("scheduledZeroHoursPerWeek")
    if not 0 <= zero_hours <= HOURS_PER_WEEK:
        raise ValueError(f"scheduledZeroHoursPerWeek = {zero_hours}: a week has {HOURS_PER_WEEK:g} hours")
    return context.hours * (1 - zero_hours / HOURS_PER_WEEK), f" (stopped {zero_hours:g} h/week by a schedule, assumed)"


def running_hours(
    context: PricingContext, stop_action: str, markers: Iterable[str | Mapping[str, str]]
) -> tuple[float, str]:
    """All the month's hours, unless a Scheduler schedule of this template calls `stop_action` ("rds:stopDBInstance")
    with an input that names the resource (one of `markers`: its identifier, or `{"Ref": logical id}`)."""
    wanted = [marker if isinstance(marker, str) else json.dumps(marker) for marker in markers]
    for schedule in context.resources_of_type("AWS::Scheduler::Schedule").values():
        target = schedule.get("Properties", {}).get("Target", {})
        arn = str(target.get("Arn", ""))
        given = json.dumps(target.get("Input"))
        if arn.endswith(SCHEDULER_TARGET_PREFIX + stop_action) and any(marker in given for marker in wanted):
            return assumed_running(context)
    return context.hours, ""
