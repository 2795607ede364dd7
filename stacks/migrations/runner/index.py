"""Runs the database migration task once and waits for its exit code.

A CDK Trigger invokes this function while CloudFormation deploys the ServiceStack, after the new migration task
definition exists and before the ECS service is updated. Raising here fails the deployment: CloudFormation rolls the
stack back and the old version keeps serving. Only the standard library and boto3 (in the Lambda runtime) are used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

POLL_SECONDS = 5.0
# Time kept back from the Lambda deadline to stop the task and report before Lambda kills the function.
SAFETY_MARGIN_SECONDS = 30.0


class MigrationFailed(RuntimeError):
    """The migration task did not start, exited non-zero, or did not finish in time."""


class EcsClient(Protocol):
    def run_task(self, **kwargs: Any) -> dict[str, Any]: ...
    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]: ...
    def stop_task(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class MigrationTask:
    cluster: str
    task_definition: str
    container_name: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    log_group: str

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> MigrationTask:
        return cls(
            cluster=environment["CLUSTER"],
            task_definition=environment["TASK_DEFINITION"],
            container_name=environment["CONTAINER_NAME"],
            subnets=tuple(environment["SUBNETS"].split(",")),
            security_groups=tuple(environment["SECURITY_GROUPS"].split(",")),
            log_group=environment["LOG_GROUP"],
        )


def run_migrations(
    ecs: EcsClient,
    task: MigrationTask,
    *,
    seconds_left: Callable[[], float],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    started = ecs.run_task(
        cluster=task.cluster,
        taskDefinition=task.task_definition,
        launchType="FARGATE",
        count=1,
        startedBy="deploy-migrations",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(task.subnets),
                "securityGroups": list(task.security_groups),
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if started.get("failures") or not started.get("tasks"):
        raise MigrationFailed(f"the migration task did not start: {started.get('failures')}")
    task_arn: str = started["tasks"][0]["taskArn"]
    print(f"started migration task {task_arn} ({task.task_definition})")

    while True:
        described = ecs.describe_tasks(cluster=task.cluster, tasks=[task_arn])["tasks"][0]
        if described["lastStatus"] == "STOPPED":
            return _result(task, task_arn, described)
        if seconds_left() < SAFETY_MARGIN_SECONDS + POLL_SECONDS:
            # Django runs each PostgreSQL migration in a transaction: stopping rolls back the one in progress.
            ecs.stop_task(cluster=task.cluster, task=task_arn, reason="deployment stopped waiting for migrations")
            raise MigrationFailed(
                f"migration task {task_arn} was still running when the deployment's time ran out; it was stopped. "
                f"Logs: {_logs(task, task_arn)}"
            )
        sleep(POLL_SECONDS)


def _result(task: MigrationTask, task_arn: str, described: Mapping[str, Any]) -> dict[str, Any]:
    container = next((c for c in described.get("containers", []) if c["name"] == task.container_name), None)
    exit_code = container.get("exitCode") if container else None
    if exit_code != 0:
        reason = (container or {}).get("reason") or described.get("stoppedReason", "unknown")
        raise MigrationFailed(
            f"migration task {task_arn} failed: exit code {exit_code}, reason: {reason}. Logs: {_logs(task, task_arn)}"
        )
    print(f"migration task {task_arn} finished with exit code 0")
    return {"taskArn": task_arn, "exitCode": 0}


def _logs(task: MigrationTask, task_arn: str) -> str:
    return f"{task.log_group} stream migrate/{task.container_name}/{task_arn.rsplit('/', 1)[-1]}"


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # the Lambda runtime provides it; imported here so that tests need no AWS SDK setup

    return run_migrations(
        boto3.client("ecs"),
        MigrationTask.from_environment(os.environ),
        seconds_left=lambda: float(context.get_remaining_time_in_millis()) / 1000,
    )
