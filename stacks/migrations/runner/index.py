"""Runs the database migration task once and waits for its exit code.

A CDK Trigger invokes this function while CloudFormation deploys the ServiceStack, after the new migration task
definition exists and before the ECS service is updated. Raising here fails the deployment: CloudFormation rolls the
stack back and the old version keeps serving. Only the standard library and boto3 (in the Lambda runtime) are used.

Two things the Trigger does not handle for us:
- During an update rollback CloudFormation sends the Trigger an update with the *old* handler version, which would run
  the old image's `migrate` again (and a failure there leaves the stack in UPDATE_ROLLBACK_FAILED). The Trigger invokes
  the handler without a payload, so the function asks CloudFormation for its own stack's status and does nothing while
  the stack rolls back.
- `DescribeTasks` is eventually consistent right after `RunTask`: it may answer a `MISSING` failure or no task at all.
  Those answers are retried with backoff, a bounded number of times.
Whatever ends the wait early (time running out, ECS never reporting the task, an API error), the task is stopped in a
`finally`, so a failed deployment never leaves a `migrate` running.
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
# DescribeTasks answers MISSING (or no task) for a short while after RunTask: retry with doubling waits, capped, and
# give up after this many such answers in a row (1 + 2 + 4 + 8 + 15 × 4 ≈ 75 s of waiting).
MISSING_RETRY_FIRST_SECONDS = 1.0
MISSING_RETRY_MAX_SECONDS = 15.0
MISSING_ANSWERS_LIMIT = 8
STOP_REASON_MAX_CHARS = 255  # StopTask's limit
# CloudFormation statuses in which a Trigger invocation is a rollback replaying the previous handler, never a
# deployment of a new image (UPDATE_ROLLBACK_IN_PROGRESS is the one that matters; a failed create sends a Delete,
# which the Trigger ignores, but ROLLBACK_IN_PROGRESS is listed so that no rollback ever migrates).
ROLLBACK_STATUSES = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS"})


class MigrationFailed(RuntimeError):
    """The migration task did not start, exited non-zero, or did not finish in time."""


class EcsClient(Protocol):
    def run_task(self, **kwargs: Any) -> dict[str, Any]: ...
    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]: ...
    def stop_task(self, **kwargs: Any) -> dict[str, Any]: ...


class CloudFormationClient(Protocol):
    def describe_stacks(self, **kwargs: Any) -> dict[str, Any]: ...


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


def migrate_unless_rolling_back(
    ecs: EcsClient,
    cloudformation: CloudFormationClient,
    task: MigrationTask,
    *,
    stack_id: str,
    seconds_left: Callable[[], float],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The handler's work: nothing while the stack rolls back, otherwise one migration run."""
    (stack,) = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
    status: str = stack["StackStatus"]
    if status in ROLLBACK_STATUSES:
        print(f"stack {stack_id} is in {status}: a rollback replays the previous handler; not migrating again")
        return {"skipped": True, "stackStatus": status}
    return run_migrations(ecs, task, seconds_left=seconds_left, sleep=sleep)


def run_migrations(
    ecs: EcsClient,
    task: MigrationTask,
    *,
    seconds_left: Callable[[], float],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    task_arn = _start(ecs, task)
    stopped = False
    stop_reason = "the deployment stopped waiting for the migration"
    try:
        described = _wait_until_stopped(ecs, task, task_arn, seconds_left=seconds_left, sleep=sleep)
        stopped = True
        return _result(task, task_arn, described)
    except BaseException as error:
        stop_reason = f"the deployment gave up on the migration: {error!r}"
        raise
    finally:
        if not stopped:
            # Django runs each PostgreSQL migration in a transaction: stopping rolls back the one in progress.
            _stop(ecs, task, task_arn, stop_reason)


def _start(ecs: EcsClient, task: MigrationTask) -> str:
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
    return task_arn


def _wait_until_stopped(
    ecs: EcsClient,
    task: MigrationTask,
    task_arn: str,
    *,
    seconds_left: Callable[[], float],
    sleep: Callable[[float], None],
) -> Mapping[str, Any]:
    """Polls DescribeTasks until the task is STOPPED; MISSING or empty answers are retried with backoff."""
    missing_answers = 0
    while True:
        answer = ecs.describe_tasks(cluster=task.cluster, tasks=[task_arn])
        described: Mapping[str, Any] | None = next(
            (t for t in answer.get("tasks", []) if t.get("taskArn", task_arn) == task_arn), None
        )
        if described is not None and described["lastStatus"] == "STOPPED":
            return described
        if described is None:
            missing_answers += 1
            if missing_answers >= MISSING_ANSWERS_LIMIT:
                raise MigrationFailed(
                    f"ECS did not report migration task {task_arn} in {missing_answers} DescribeTasks answers in a "
                    f"row (last failures: {answer.get('failures')}); it was stopped"
                )
            wait = min(MISSING_RETRY_FIRST_SECONDS * 2 ** (missing_answers - 1), MISSING_RETRY_MAX_SECONDS)
        else:
            missing_answers = 0
            wait = POLL_SECONDS
        if seconds_left() < SAFETY_MARGIN_SECONDS + wait:
            raise MigrationFailed(
                f"migration task {task_arn} was still running when the deployment's time ran out; it was stopped. "
                f"Logs: {_logs(task, task_arn)}"
            )
        sleep(wait)


def _stop(ecs: EcsClient, task: MigrationTask, task_arn: str, reason: str) -> None:
    try:
        ecs.stop_task(cluster=task.cluster, task=task_arn, reason=reason[:STOP_REASON_MAX_CHARS])
        print(f"stopped migration task {task_arn}: {reason}")
    except Exception as error:  # the error that made us stop is the one to report, not this one
        print(
            f"could not stop migration task {task_arn} ({error!r}); stop it by hand: aws ecs stop-task "
            f"--cluster {task.cluster} --task {task_arn}"
        )


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
    # The Lambda runtime provides boto3; imported here so that tests need no AWS SDK setup. Standard retries (with
    # backoff on throttling) for both clients: a throttled DescribeStacks must not fail a deployment.
    import boto3
    from botocore.config import Config  # type: ignore[import-untyped]  # boto3 is untyped here as well

    retries = Config(retries={"mode": "standard", "max_attempts": 10})
    return migrate_unless_rolling_back(
        boto3.client("ecs", config=retries),
        boto3.client("cloudformation", config=retries),
        MigrationTask.from_environment(os.environ),
        stack_id=os.environ["STACK_ID"],
        seconds_left=lambda: float(context.get_remaining_time_in_millis()) / 1000,
    )
