"""Pricers for ECS on Fargate: services (on-demand and Spot, scheduled scale-to-zero), clusters, one-off tasks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scripts.cost.estimate import Priced, PricingContext
from scripts.cost.schedules import assumed_running

FARGATE = "Fargate"
CONTAINER_INSIGHTS = "Container Insights"
FARGATE_PROVIDERS = {"FARGATE": "", "FARGATE_SPOT": "Spot"}


def ecs_service(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """vCPU and GB hours of the service's running count: the desired count, else the autoscaling minimum (what
    runs when nobody is using it); split between FARGATE and FARGATE_SPOT as the capacity provider strategy says,
    and reduced by the assumed hours at zero when a scheduled action scales the service to nothing."""
    properties = resource.get("Properties", {})
    task = context.referenced(properties.get("TaskDefinition"))
    if task is None:
        return Priced(not_priced="its task definition is not in this template")
    size = task_size(task[1].get("Properties", {}))
    if size is None:
        return Priced(not_priced="its task definition has no literal Cpu and Memory")
    vcpu, memory_gb, architecture = size
    strategy = properties.get("CapacityProviderStrategy")
    if strategy is None and properties.get("LaunchType", "EC2") != "FARGATE":
        return Priced(not_priced=f"launch type {properties.get('LaunchType', 'EC2')} is not Fargate")
    target = _scalable_target(context, logical_id)
    count = _running_count(properties, target)
    if count == 0:
        # A service that scales from zero (the scoring workers outside prod): nothing runs until work waits.
        return Priced(lines=((FARGATE, "0 tasks (the autoscaling minimum): billed only while work waits", 0.0),))
    hours, schedule_note = _running_hours(context, target)
    lines = []
    for provider, tasks in _split(count, strategy or [{"CapacityProvider": "FARGATE", "Weight": 1}]).items():
        if provider not in FARGATE_PROVIDERS:
            return Priced(not_priced=f"capacity provider {provider} is not Fargate")
        spot = FARGATE_PROVIDERS[provider]
        vcpu_price = context.price(f"fargate{spot}VcpuHour{architecture}")
        gb_price = context.price(f"fargate{spot}GbHour{architecture}")
        label = f"{tasks:g} {provider} task(s) x {hours:g} h{schedule_note}"
        lines.append((FARGATE, f"{label} x {vcpu:g} vCPU x {vcpu_price}", tasks * hours * vcpu * vcpu_price))
        lines.append((FARGATE, f"{label} x {memory_gb:g} GB x {gb_price}", tasks * hours * memory_gb * gb_price))
    return Priced(lines=tuple(lines))


def task_size(properties: Mapping[str, Any]) -> tuple[float, float, str] | None:
    cpu, memory = properties.get("Cpu"), properties.get("Memory")
    if not (isinstance(cpu, str | int) and isinstance(memory, str | int)):
        return None
    architecture = properties.get("RuntimePlatform", {}).get("CpuArchitecture", "X86_64")
    return int(cpu) / 1024, int(memory) / 1024, "Arm" if architecture == "ARM64" else "X86"


def _scalable_target(context: PricingContext, service_id: str) -> Mapping[str, Any] | None:
    for target in context.resources_of_type("AWS::ApplicationAutoScaling::ScalableTarget").values():
        target_properties: Mapping[str, Any] = target.get("Properties", {})
        if target_properties.get("ServiceNamespace") == "ecs" and f'"{service_id}"' in json.dumps(
            target_properties.get("ResourceId")
        ):
            return target_properties
    return None


def _running_count(properties: Mapping[str, Any], target: Mapping[str, Any] | None) -> float:
    if isinstance(properties.get("DesiredCount"), int):
        return float(properties["DesiredCount"])
    if target is not None and isinstance(target.get("MinCapacity"), int):
        return float(target["MinCapacity"])
    return 1.0  # CloudFormation's default desired count


def _running_hours(context: PricingContext, target: Mapping[str, Any] | None) -> tuple[float, str]:
    """Hours a month the service runs: all of them, unless a scheduled action scales it to zero, in which case the
    table's assumed hours a week at zero are taken off (the schedules' cron expressions are not interpreted)."""
    actions = (target or {}).get("ScheduledActions", [])
    # A maximum of 0 forces the service to no task (a minimum of 0 alone leaves it to the scaling policies).
    to_zero = [action for action in actions if action.get("ScalableTargetAction", {}).get("MaxCapacity") == 0]
    return assumed_running(context) if to_zero else (context.hours, "")


def _split(count: float, strategy: list[Mapping[str, Any]]) -> dict[str, float]:
    """ECS places `Base` tasks on their provider first, then the rest in proportion to the weights."""
    tasks: dict[str, float] = {str(item["CapacityProvider"]): 0.0 for item in strategy}
    remaining = count
    for item in strategy:
        base = min(float(item.get("Base", 0)), remaining)
        tasks[str(item["CapacityProvider"])] += base
        remaining -= base
    total_weight = sum(float(item.get("Weight", 0)) for item in strategy)
    if remaining > 0 and total_weight > 0:
        for item in strategy:
            tasks[str(item["CapacityProvider"])] += remaining * float(item.get("Weight", 0)) / total_weight
    return {provider: value for provider, value in tasks.items() if value > 0}


def ecs_cluster(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    settings = resource.get("Properties", {}).get("ClusterSettings", [])
    insights = next((s.get("Value") for s in settings if s.get("Name") == "containerInsights"), "disabled")
    if insights not in ("enabled", "enhanced"):
        return Priced()
    metrics = context.assumed("containerInsightsMetrics")
    gigabytes = context.assumed("containerInsightsLogGBPerMonth")
    metric_price = context.price("metricMonth")
    ingest_price = context.price("logsIngestGB")
    note = "" if insights == "enabled" else " (enhanced observability priced like standard: assumed)"
    return Priced(
        lines=(
            (CONTAINER_INSIGHTS, f"{metrics:g} metrics (assumed) x {metric_price}{note}", metrics * metric_price),
            (
                CONTAINER_INSIGHTS,
                f"{gigabytes:g} GB performance logs (assumed) x {ingest_price}",
                gigabytes * ingest_price,
            ),
        )
    )


def ecs_task_definition(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """Free in itself; a service's task definition is priced through the service, any other one runs one-off."""
    for service in context.resources_of_type("AWS::ECS::Service").values():
        task = context.referenced(service.get("Properties", {}).get("TaskDefinition"))
        if task is not None and task[0] == logical_id:
            return Priced()
    return Priced(usage_based=context.table.usage_based_types["AWS::ECS::TaskDefinition#one-off"])
