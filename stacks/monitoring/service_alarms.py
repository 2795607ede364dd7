"""Alarms of the load balancer and the web service's tasks. Each threshold says why it is where it is."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from stacks.monitoring.alarm_spec import FIVE_MINUTES, GREATER, GREATER_OR_EQUAL, ONE_MINUTE, AlarmSpec

# 5xx (from the targets and from the load balancer itself) as a share of requests. The deployment alarm counts
# target 5xx (10 a minute) to roll a release back; this one catches a steady share at any traffic, including the
# load balancer's own 502/503/504 when no target answers. 5 % for 3 of 5 minutes: a bad endpoint, not one client.
ERROR_RATE_PERCENT = 5
# Below this many requests a minute the rate says nothing (1 error in 3 requests is 33 %).
ERROR_RATE_MIN_REQUESTS = 20
# The leaderboard benchmark answers in under 30 ms at p95 and a 1,000-row upload is scored in under 30 ms;
# 2 s at p99 for 15 minutes is far from that noise and still below what a participant notices as broken.
P99_LATENCY_SECONDS = 2
# Autoscaling aims at 60 % CPU; 85 % for 15 minutes means it cannot keep up or has reached maxCount.
CPU_PERCENT = 85
# Memory does not scale the service: 85 % for 15 minutes is a leak or oversized uploads, before the OOM kill.
MEMORY_PERCENT = 85
# A task starts in 1–2 minutes (image pull, 60 s health-check grace). Fewer running than desired for 10 minutes:
# tasks crash at start, cannot pull the image or read a secret, or Fargate has no capacity.
TASKS_MISSING_MINUTES = 10


@dataclass(frozen=True)
class ServiceAlarmSubjects:
    load_balancer: elbv2.ApplicationLoadBalancer
    target_group: elbv2.ApplicationTargetGroup
    service: ecs.FargateService
    cluster_name: str
    # RunningTaskCount and DesiredTaskCount exist only with Container Insights on the cluster: without them the
    # missing-tasks alarm would never see data (ECS's service events still report tasks failing to start).
    container_insights: bool


def service_alarms(subjects: ServiceAlarmSubjects) -> list[AlarmSpec]:
    tasks_missing = [_tasks_missing(subjects.service, subjects.cluster_name)] if subjects.container_insights else []
    return [
        _error_rate(subjects.load_balancer),
        AlarmSpec(
            name="http-p99-latency",
            description=f"Target p99 response time above {P99_LATENCY_SECONDS} s for 15 minutes. Check the "
            "database alarms and dashboard first (slow queries, CPU), then which paths are slow: the Logs "
            "Insights query by duration_ms in README, Operations.",
            metric=subjects.target_group.metrics.target_response_time(period=FIVE_MINUTES, statistic="p99"),
            threshold=P99_LATENCY_SECONDS,
            comparison=GREATER,
            evaluation_periods=3,
            capacity=True,
        ),
        _utilization(
            "web-cpu",
            subjects.service.metric_cpu_utilization(period=FIVE_MINUTES),
            f"Web tasks above {CPU_PERCENT} % CPU for 15 minutes although autoscaling aims at 60 %: it reached "
            "maxCount or cannot start tasks. Raise service.maxCount or the task size.",
            CPU_PERCENT,
        ),
        _utilization(
            "web-memory",
            subjects.service.metric_memory_utilization(period=FIVE_MINUTES),
            f"Web tasks above {MEMORY_PERCENT} % memory for 15 minutes: a leak or large uploads; the tasks are "
            "killed at 100 %. Compare with recent deployments; raise service.memoryMiB if it is load.",
            MEMORY_PERCENT,
        ),
        *tasks_missing,
    ]


def _utilization(name: str, metric: cloudwatch.IMetric, description: str, percent: int) -> AlarmSpec:
    """The web tasks' utilization above `percent` for three 5-minute periods."""
    return AlarmSpec(
        name=name,
        description=description,
        metric=metric,
        threshold=percent,
        comparison=GREATER,
        evaluation_periods=3,
        capacity=True,
    )


def _error_rate(load_balancer: elbv2.ApplicationLoadBalancer) -> AlarmSpec:
    metrics = load_balancer.metrics
    rate = cloudwatch.MathExpression(
        expression=f"IF(requests >= {ERROR_RATE_MIN_REQUESTS}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) "
        "/ requests, 0)",
        using_metrics={
            "requests": metrics.request_count(period=ONE_MINUTE, statistic="Sum"),
            "target5xx": metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=ONE_MINUTE, statistic="Sum"
            ),
            "elb5xx": metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=ONE_MINUTE, statistic="Sum"),
        },
        label="5xx % of requests",
        period=ONE_MINUTE,
    )
    return AlarmSpec(
        name="http-5xx-rate",
        description=f"Over {ERROR_RATE_PERCENT} % of requests answered 5xx in 3 of 5 minutes. Outage or bug? "
        "The database-unavailable and server-errors alarms tell; the Logs Insights query in README, Operations, "
        "leads to the failing requests.",
        metric=rate,
        threshold=ERROR_RATE_PERCENT,
        comparison=GREATER,
        evaluation_periods=5,
        datapoints_to_alarm=3,
    )


def _tasks_missing(service: ecs.FargateService, cluster_name: str) -> AlarmSpec:
    def container_insights(metric_name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name=metric_name,
            dimensions_map={"ClusterName": cluster_name, "ServiceName": service.service_name},
            statistic="Average",
            period=ONE_MINUTE,
        )

    missing = cloudwatch.MathExpression(
        expression="desired - running",
        using_metrics={
            "desired": container_insights("DesiredTaskCount"),
            "running": container_insights("RunningTaskCount"),
        },
        label="tasks missing",
        period=ONE_MINUTE,
    )
    return AlarmSpec(
        name="web-tasks-missing",
        description=f"Fewer web tasks running than desired for {TASKS_MISSING_MINUTES} minutes: they crash at "
        "start, cannot pull the image or read a secret, or Fargate lacks capacity. See the service's events "
        "(aws ecs describe-services) and the stopped tasks' reasons.",
        metric=missing,
        threshold=1,
        comparison=GREATER_OR_EQUAL,
        evaluation_periods=TASKS_MISSING_MINUTES,
    )
