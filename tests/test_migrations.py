"""Database migrations: the runner's logic (against a fake ECS API) and how the ServiceStack wires it into the
deployment (before the service update, re-run for every new image)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stacks.migrations.construct import CONTAINER_NAME
from stacks.migrations.runner.index import MigrationFailed, MigrationTask, run_migrations
from tests.conftest import SynthesizedPlatform

TASK = MigrationTask(
    cluster="competition-platform-prod",
    task_definition="arn:aws:ecs:eu-west-1:333333333333:task-definition/competition-platform-prod-migrate:7",
    container_name=CONTAINER_NAME,
    subnets=("subnet-a", "subnet-b"),
    security_groups=("sg-tasks",),
    log_group="/ecs/competition-platform-prod",
)
TASK_ARN = "arn:aws:ecs:eu-west-1:333333333333:task/competition-platform-prod/0123456789abcdef"


class FakeEcs:
    """Answers RunTask once, then DescribeTasks from a script of task states."""

    def __init__(self, states: list[dict[str, Any]], run_failures: list[dict[str, str]] | None = None) -> None:
        self.states = states
        self.run_failures = run_failures or []
        self.run_requests: list[dict[str, Any]] = []
        self.stopped: list[str] = []

    def run_task(self, **kwargs: Any) -> dict[str, Any]:
        self.run_requests.append(kwargs)
        if self.run_failures:
            return {"tasks": [], "failures": self.run_failures}
        return {"tasks": [{"taskArn": TASK_ARN}], "failures": []}

    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs == {"cluster": TASK.cluster, "tasks": [TASK_ARN]}
        return {"tasks": [self.states.pop(0) if len(self.states) > 1 else self.states[0]]}

    def stop_task(self, **kwargs: Any) -> dict[str, Any]:
        self.stopped.append(kwargs["task"])
        return {}


def stopped(exit_code: int | None, reason: str = "Essential container in task exited") -> dict[str, Any]:
    return {
        "lastStatus": "STOPPED",
        "stoppedReason": reason,
        "containers": [{"name": CONTAINER_NAME, "exitCode": exit_code}],
    }


RUNNING = {"lastStatus": "RUNNING", "containers": [{"name": CONTAINER_NAME}]}


def plenty_of_time() -> float:
    return 600.0


def test_successful_migration_returns_the_task_and_exit_code() -> None:
    ecs = FakeEcs([RUNNING, RUNNING, stopped(0)])

    result = run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)

    assert result == {"taskArn": TASK_ARN, "exitCode": 0}
    (request,) = ecs.run_requests
    assert request["taskDefinition"] == TASK.task_definition
    assert request["launchType"] == "FARGATE"
    assert request["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-tasks"],
        "assignPublicIp": "DISABLED",
    }


def test_failed_migration_raises_with_exit_code_and_logs() -> None:
    ecs = FakeEcs([stopped(1)])

    with pytest.raises(MigrationFailed, match=r"failed: exit code 1, reason: .*Logs: /ecs/competition-platform-prod"):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)


def test_task_that_never_started_its_container_fails_the_deployment() -> None:
    ecs = FakeEcs([stopped(None, reason="CannotPullContainerError: image not found")])

    with pytest.raises(MigrationFailed, match="exit code None, reason: CannotPullContainerError"):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)


def test_task_that_cannot_be_placed_fails_the_deployment() -> None:
    ecs = FakeEcs([], run_failures=[{"reason": "RESOURCE:ENI"}])

    with pytest.raises(MigrationFailed, match="did not start: .*RESOURCE:ENI"):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)


def test_migration_still_running_at_the_deadline_is_stopped_and_fails() -> None:
    ecs = FakeEcs([RUNNING])

    with pytest.raises(MigrationFailed, match="still running when the deployment's time ran out"):
        run_migrations(ecs, TASK, seconds_left=lambda: 20.0, sleep=lambda _: None)

    assert ecs.stopped == [TASK_ARN]


def test_environment_is_read_into_the_task_settings() -> None:
    task = MigrationTask.from_environment(
        {
            "CLUSTER": "c",
            "TASK_DEFINITION": "td",
            "CONTAINER_NAME": "migrate",
            "SUBNETS": "s1,s2",
            "SECURITY_GROUPS": "g1",
            "LOG_GROUP": "lg",
        }
    )

    assert task.subnets == ("s1", "s2")
    assert task.security_groups == ("g1",)


def resource(synthesized: SynthesizedPlatform, stage: str, prefix: str, resource_type: str) -> tuple[str, Any]:
    (match,) = [
        (logical_id, value)
        for logical_id, value in synthesized.resources(f"{stage}/Service", resource_type).items()
        if logical_id.startswith(prefix)
    ]
    return match


@pytest.mark.parametrize("stage", ["Dev", "Staging", "Prod"])
def test_migrations_run_after_the_task_definition_and_before_the_service_update(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    trigger_id, trigger = resource(synthesized, stage, "MigrationsRunOnDeploy", "Custom::Trigger")
    task_definition_id, _ = resource(synthesized, stage, "MigrationTask", "AWS::ECS::TaskDefinition")
    _, service = resource(synthesized, stage, "Service", "AWS::ECS::Service")

    assert task_definition_id in trigger["DependsOn"]
    assert trigger_id in service["DependsOn"]
    assert trigger["Properties"]["ExecuteOnHandlerChange"] is True
    assert trigger["Properties"]["InvocationType"] == "RequestResponse"


def test_every_new_image_is_a_new_runner_version(synthesized: SynthesizedPlatform) -> None:
    """The runner's environment carries the image's asset hash, so the function version (and the Trigger's
    handler) changes exactly when the image does."""
    _, runner = resource(synthesized, "Prod", "MigrationsRunner", "AWS::Lambda::Function")
    _, task_definition = resource(synthesized, "Prod", "MigrationTask", "AWS::ECS::TaskDefinition")

    image_version = runner["Properties"]["Environment"]["Variables"]["IMAGE_VERSION"]
    image = str(task_definition["Properties"]["ContainerDefinitions"][0]["Image"])

    assert re.fullmatch(r"[0-9a-f]{64}", image_version)
    assert image_version in image


def test_runner_may_run_only_the_migration_task_definition(synthesized: SynthesizedPlatform) -> None:
    _, policy = resource(synthesized, "Prod", "MigrationsRunnerServiceRoleDefaultPolicy", "AWS::IAM::Policy")
    task_definition_id, _ = resource(synthesized, "Prod", "MigrationTask", "AWS::ECS::TaskDefinition")

    (run_task,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Action"] == "ecs:RunTask"]

    assert run_task["Resource"] == {"Ref": task_definition_id}
