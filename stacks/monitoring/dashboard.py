"""OperationsDashboard: one CloudWatch dashboard per environment, read top to bottom as an operator triages: alarms,
requests, errors and latency, the web tasks, the database, the web firewall, and (issue 10) the scoring queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_rds as rds
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.config.rds_instances import default_max_connections
from stacks.monitoring.alarm_spec import FIVE_MINUTES, ONE_MINUTE
from stacks.monitoring.queue_alarms import WatchedQueue, dead_letters
from stacks.monitoring.request_logs import RequestLogMetrics

WIDTH = 24
HEIGHT = 6


@dataclass(frozen=True)
class OperationsDashboardProps:
    config: EnvironmentConfig
    alarms: Sequence[cloudwatch.IAlarm]
    load_balancer: elbv2.ApplicationLoadBalancer
    target_group: elbv2.ApplicationTargetGroup
    service: ecs.FargateService
    cluster_name: str
    request_logs: RequestLogMetrics
    database: rds.IDatabaseInstance
    web_acl_name: str | None  # None: no web firewall in this environment


class OperationsDashboard(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: OperationsDashboardProps) -> None:
        super().__init__(scope, construct_id)
        config = props.config
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=config.resource_name(),
            default_interval=cdk.Duration.hours(3),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(props.alarms), width=WIDTH, height=4)
        )
        self._row("Requests", *self._traffic(props))
        self._row("Web tasks", *self._tasks(props))
        self._row("Database", *self._database(props))
        if props.web_acl_name is not None:
            self._row("Web firewall", self._firewall(config, props.web_acl_name))

    def add_queue(self, watched: WatchedQueue, *, alarms: Sequence[cloudwatch.IAlarm] = ()) -> None:
        """The scoring queue's row (issue 10): its alarms, backlog and messages being worked on (one per busy
        worker), the oldest message's age, dead letters."""
        title = f"{watched.name.capitalize()} queue"
        queue = watched.queue
        self._row(
            title,
            cloudwatch.AlarmStatusWidget(title=f"{title} alarms", alarms=list(alarms), width=WIDTH),
            _graph(
                "Messages waiting and in flight",
                queue.metric_approximate_number_of_messages_visible(period=ONE_MINUTE, label="waiting"),
                queue.metric_approximate_number_of_messages_not_visible(period=ONE_MINUTE, label="in flight"),
            ),
            _graph("Oldest message (s)", queue.metric_approximate_age_of_oldest_message(period=ONE_MINUTE)),
            _graph("Dead letters", dead_letters(watched.dead_letter_queue)),
        )

    def _row(self, title: str, *graphs: cloudwatch.IWidget) -> None:
        self.dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"## {title}", width=WIDTH, height=1))
        self.dashboard.add_widgets(*graphs)

    @staticmethod
    def _traffic(props: OperationsDashboardProps) -> list[cloudwatch.IWidget]:
        lb = props.load_balancer.metrics
        latency = props.target_group.metrics
        return [
            _graph("Requests per minute", lb.request_count(period=ONE_MINUTE, statistic="Sum")),
            _graph(
                "Errors per minute",
                lb.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=ONE_MINUTE, label="target 5xx"),
                lb.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=ONE_MINUTE, label="load balancer 5xx"),
                props.request_logs.server_errors.with_(period=ONE_MINUTE, label="500 server_error (bugs)"),
                props.request_logs.database_unavailable.with_(
                    period=ONE_MINUTE, label="503 database_unavailable (outage)"
                ),
                props.request_logs.service_busy.with_(period=ONE_MINUTE, label="503 service_busy (outage)"),
                lb.http_code_target(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, period=ONE_MINUTE, label="target 4xx"),
            ),
            _graph(
                "Target response time (s)",
                *(
                    latency.target_response_time(period=ONE_MINUTE, statistic=statistic, label=statistic)
                    for statistic in ("p50", "p90", "p99")
                ),
            ),
        ]

    @staticmethod
    def _tasks(props: OperationsDashboardProps) -> list[cloudwatch.IWidget]:
        def container_insights(metric_name: str, label: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="ECS/ContainerInsights",
                metric_name=metric_name,
                dimensions_map={"ClusterName": props.cluster_name, "ServiceName": props.service.service_name},
                statistic="Average",
                period=ONE_MINUTE,
                label=label,
            )

        targets = props.target_group.metrics
        # Desired and running counts exist only where Container Insights is on (not in the lean dev profile).
        task_counts = (
            [container_insights("DesiredTaskCount", "desired"), container_insights("RunningTaskCount", "running")]
            if props.config.cost_profile.container_insights
            else []
        )
        return [
            _graph(
                "Tasks",
                *task_counts,
                targets.healthy_host_count(period=ONE_MINUTE, label="healthy targets"),
                targets.unhealthy_host_count(period=ONE_MINUTE, label="unhealthy targets"),
            ),
            _graph(
                "CPU and memory (%)",
                props.service.metric_cpu_utilization(period=ONE_MINUTE, label="CPU"),
                props.service.metric_memory_utilization(period=ONE_MINUTE, label="memory"),
            ),
        ]

    @staticmethod
    def _database(props: OperationsDashboardProps) -> list[cloudwatch.IWidget]:
        database = props.database
        limit = default_max_connections(props.config.database.instance_class)
        return [
            _graph("CPU (%)", database.metric_cpu_utilization(period=FIVE_MINUTES)),
            _graph(
                "Connections",
                database.metric_database_connections(period=ONE_MINUTE, statistic="Maximum"),
                annotations=[cloudwatch.HorizontalAnnotation(value=limit, label="default max_connections")],
            ),
            _graph(
                "Free memory and storage (bytes)",
                database.metric_freeable_memory(period=FIVE_MINUTES, label="freeable memory"),
                database.metric_free_storage_space(period=FIVE_MINUTES, label="free storage"),
            ),
        ]

    @staticmethod
    def _firewall(config: EnvironmentConfig, web_acl_name: str) -> cloudwatch.IWidget:
        def requests(metric_name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/WAFV2",
                metric_name=metric_name,
                dimensions_map={"WebACL": web_acl_name, "Region": config.region, "Rule": "ALL"},
                statistic="Sum",
                period=FIVE_MINUTES,
                label=metric_name,
            )

        return _graph(
            "Requests the web ACL blocked and counted",
            requests("BlockedRequests"),
            requests("CountedRequests"),
            requests("AllowedRequests"),
            width=WIDTH,
        )


def _graph(
    title: str,
    *metrics: cloudwatch.IMetric,
    annotations: Sequence[cloudwatch.HorizontalAnnotation] = (),
    width: int = 8,
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title, left=list(metrics), left_annotations=list(annotations), width=width, height=HEIGHT
    )
