"""EventBridge Scheduler schedules: free themselves (the account's first 14 million invocations a month are free,
not counted), but one that runs an ECS task (the scoring sweep, stacks/scoring/sweep.py) bills Fargate for every run.

A run is priced at the task definition's size, on the capacity provider its RunTask request names (Spot or
on-demand, `Base` tasks first as ECS places them), for `scheduledTaskMinutesPerRun` (assumed: Fargate bills from the
image pull to the task's stop, at least a minute). Runs a month come from the schedule expression: `rate(N
minutes|hours)`, or a cron expression whose minute field is `0/N` or `*/N`; a cron expression limited to some hours
or days runs within working hours, which the report takes as the table's `scheduledZeroHoursPerWeek` off the month
(as for everything else stopped outside them; the cron fields are not interpreted further).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from scripts.cost.compute_pricers import FARGATE, FARGATE_PROVIDERS, task_size
from scripts.cost.estimate import Priced, PricingContext
from scripts.cost.schedules import assumed_running

RUN_TASK_TARGET = ":scheduler:::aws-sdk:ecs:runTask"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")
_EVERY_N_MINUTES = re.compile(r"^(?:0|\*)/(\d+)$")


def schedule(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    properties = resource.get("Properties", {})
    target = properties.get("Target", {})
    if not str(target.get("Arn", "")).endswith(RUN_TASK_TARGET):
        return Priced()  # a universal target calling another API (stacks/off_hours.py): free
    request = universal_target_input(target.get("Input"))
    if request is None:
        return Priced(not_priced="its RunTask input is not JSON")
    task = context.referenced(request.get("TaskDefinition"))
    size = task_size(task[1].get("Properties", {})) if task is not None else None
    if size is None:
        return Priced(not_priced="its task definition is not in this template with a literal Cpu and Memory")
    runs = _runs_per_month(context, str(properties.get("ScheduleExpression", "")))
    if runs is None:
        return Priced(not_priced=f"schedule expression {properties.get('ScheduleExpression')!r} not understood")
    count, note = runs
    provider = _provider(request)
    if provider not in FARGATE_PROVIDERS:
        return Priced(not_priced=f"capacity provider {provider} is not Fargate")
    vcpu, memory_gb, architecture = size
    minutes = context.assumed("scheduledTaskMinutesPerRun")
    hours = count * float(request.get("Count", 1)) * minutes / 60
    spot = FARGATE_PROVIDERS[provider]
    vcpu_price = context.price(f"fargate{spot}VcpuHour{architecture}")
    gb_price = context.price(f"fargate{spot}GbHour{architecture}")
    label = f"{count:.0f} scheduled {provider} runs{note} x {minutes:g} min (assumed) = {hours:.1f} h"
    return Priced(
        lines=(
            (FARGATE, f"{label} x {vcpu:g} vCPU x {vcpu_price}", hours * vcpu * vcpu_price),
            (FARGATE, f"{label} x {memory_gb:g} GB x {gb_price}", hours * memory_gb * gb_price),
        )
    )


def universal_target_input(value: Any) -> dict[str, Any] | None:
    """The universal target's input as a dictionary. CDK writes it as `Fn::Join` of JSON text and references; each
    reference comes back in its place (`{"Ref": ...}`), so that the task definition can be followed."""
    parts = value.get("Fn::Join", ["", []])[1] if isinstance(value, Mapping) else [value]
    references: dict[str, Any] = {}
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            marker = f"@@reference-{len(references)}@@"
            references[marker] = part
            text += marker
    try:
        loaded = json.loads(text)
    except (TypeError, ValueError):
        return None
    return _with_references(loaded, references) if isinstance(loaded, dict) else None


def _with_references(value: Any, references: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return references.get(value, value)
    if isinstance(value, list):
        return [_with_references(item, references) for item in value]
    if isinstance(value, dict):
        return {key: _with_references(item, references) for key, item in value.items()}
    return value


def _provider(request: Mapping[str, Any]) -> str:
    """Where ECS places one task: on the first provider with a base (bases are filled first), else the heaviest."""
    strategy = request.get("CapacityProviderStrategy")
    if not strategy:
        return str(request.get("LaunchType", "EC2"))
    based = [item for item in strategy if int(item.get("Base", 0)) > 0]
    chosen = based[0] if based else max(strategy, key=lambda item: int(item.get("Weight", 0)))
    return str(chosen["CapacityProvider"])


def _runs_per_month(context: PricingContext, expression: str) -> tuple[float, str] | None:
    rate = _RATE.match(expression)
    if rate is not None:
        minutes = int(rate.group(1)) * (60 if rate.group(2).startswith("hour") else 1)
        return context.hours * 60 / minutes, ""
    cron = _CRON.match(expression)
    if cron is None:
        return None
    minute, hours, day_of_month, _, day_of_week, _ = cron.groups()
    every = _EVERY_N_MINUTES.match(minute)
    if every is None or day_of_month not in ("*", "?"):
        return None
    if hours == "*" and day_of_week in ("*", "?"):
        return context.hours * 60 / int(every.group(1)), ""
    running, note = assumed_running(context)
    return running * 60 / int(every.group(1)), note
