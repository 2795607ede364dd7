"""RequestLogMetrics: metrics from the service's JSON request logs, so that an operator tells an outage from a bug.

The log contract (PLAN.md, "Logs"): one JSON object per line; every API request gets one record with
`"event": "request"`, its `status` and, for 4xx/5xx, the error body's `code` as `error_code`. A database outage
answers 503 with `database_unavailable`, a bug 500 with `server_error`; `service_busy` (503) means every request slot
of a process is taken, in practice by requests stuck on a hanging database (service/README.md, "What a 503 means").
The filters match on `error_code` rather than on `status` (a number in the record; a JSON filter compares numbers and
strings differently, and a status alone cannot tell an outage from a bug). The outage alarm counts both 503 codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import PROJECT, EnvironmentConfig
from stacks.monitoring.alarm_spec import FIVE_MINUTES, GREATER_OR_EQUAL, ONE_MINUTE, AlarmSpec

SERVER_ERROR_CODE = "server_error"
DATABASE_UNAVAILABLE_CODE = "database_unavailable"
SERVICE_BUSY_CODE = "service_busy"
# Every 500 is a bug, but one from a request racing a deployment should not page: five in five minutes is a pattern.
SERVER_ERRORS_PER_FIVE_MINUTES = 5
# A Multi-AZ failover takes 60–120 s, during which 503s are expected; three minutes in a row is longer than that.
DATABASE_UNAVAILABLE_MINUTES = 3


def request_filter(error_code: str) -> logs.IFilterPattern:
    """`{ ($.event = "request") && ($.error_code = "<code>") }`"""
    return logs.FilterPattern.all(
        logs.FilterPattern.string_value("$.event", "=", "request"),
        logs.FilterPattern.string_value("$.error_code", "=", error_code),
    )


@dataclass(frozen=True)
class RequestLogMetricsProps:
    config: EnvironmentConfig
    log_group: logs.ILogGroup


class RequestLogMetrics(Construct):
    def __init__(self, scope: Construct, construct_id: str, props: RequestLogMetricsProps) -> None:
        super().__init__(scope, construct_id)
        # Custom metrics of an environment under its own namespace: competition-platform/prod.
        self.namespace = f"{PROJECT}/{props.config.name}"
        self.server_errors = self._count(props.log_group, "ServerErrors", SERVER_ERROR_CODE)
        self.database_unavailable = self._count(props.log_group, "DatabaseUnavailable", DATABASE_UNAVAILABLE_CODE)
        self.service_busy = self._count(props.log_group, "ServiceBusy", SERVICE_BUSY_CODE)

    def _count(self, log_group: logs.ILogGroup, metric_name: str, error_code: str) -> cloudwatch.Metric:
        metric_filter = logs.MetricFilter(
            self,
            metric_name,
            log_group=log_group,
            filter_pattern=request_filter(error_code),
            metric_namespace=self.namespace,
            metric_name=metric_name,
            metric_value="1",
            # A 0 for every batch of logs without a match: "no errors" is then data, not a gap.
            default_value=0,
            unit=cloudwatch.Unit.COUNT,
        )
        return metric_filter.metric(statistic="Sum")

    def alarms(self) -> list[AlarmSpec]:
        return [
            AlarmSpec(
                name="server-errors",
                description=f"{SERVER_ERRORS_PER_FIVE_MINUTES} or more requests answered 500 server_error in 5 "
                "minutes: a bug. Find them with the Logs Insights query in README, Operations (error_code = "
                "server_error), then the traceback under the same request_id; roll back if a release caused it.",
                metric=self.server_errors.with_(period=FIVE_MINUTES),
                threshold=SERVER_ERRORS_PER_FIVE_MINUTES,
                comparison=GREATER_OR_EQUAL,
                evaluation_periods=1,
            ),
            AlarmSpec(
                name="database-unavailable",
                description=f"Requests answered 503 database_unavailable or service_busy for "
                f"{DATABASE_UNAVAILABLE_MINUTES} minutes in a row: the service cannot reach PostgreSQL, or waits on "
                "it with every request slot (longer than a failover). Check the instance's status and events, its "
                "connections alarm, the security groups, and the secret (rotation).",
                metric=cloudwatch.MathExpression(
                    expression="FILL(unavailable, 0) + FILL(busy, 0)",
                    using_metrics={
                        "unavailable": self.database_unavailable.with_(period=ONE_MINUTE),
                        "busy": self.service_busy.with_(period=ONE_MINUTE),
                    },
                    label="503 database_unavailable + service_busy",
                    period=ONE_MINUTE,
                ),
                threshold=1,
                comparison=GREATER_OR_EQUAL,
                evaluation_periods=DATABASE_UNAVAILABLE_MINUTES,
            ),
        ]
