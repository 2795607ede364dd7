"""Database migrations: the runner's logic (against a fake ECS API) and how the ServiceStack wires it into the
deployment (before the service update, re-run for every new image)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stacks.migrations.construct import CONTAINER_NAME
from stacks.migrations.runner.index import (
    MISSING_ANSWERS_LIMIT,
    MISSING_RETRY_MAX_SECONDS,
    POLL_SECONDS,
    MigrationFailed,
    MigrationTask,
    migrate_unless_rolling_back,
    run_migrations,
)
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
    """Answers RunTask once, then DescribeTasks from a script of answers (the last one repeats)."""

    def __init__(
        self,
        states: list[dict[str, Any] | Exception],
        run_failures: list[dict[str, str]] | None = None,
        stop_error: Exception | None = None,
    ) -> None:
        self.states = states
        self.run_failures = run_failures or []
        self.stop_error = stop_error
        self.run_requests: list[dict[str, Any]] = []
        self.describe_calls = 0
        self.stopped: list[str] = []
        self.stop_reasons: list[str] = []

    def run_task(self, **kwargs: Any) -> dict[str, Any]:
        self.run_requests.append(kwargs)
        if self.run_failures:
            return {"tasks": [], "failures": self.run_failures}
        return {"tasks": [{"taskArn": TASK_ARN}], "failures": []}

    def describe_tasks(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs == {"cluster": TASK.cluster, "tasks": [TASK_ARN]}
        self.describe_calls += 1
        answer = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if isinstance(answer, Exception):
            raise answer
        if "lastStatus" in answer:
            return {"tasks": [answer], "failures": []}
        return answer

    def stop_task(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["cluster"] == TASK.cluster
        assert len(kwargs["reason"]) <= 255, "StopTask refuses longer reasons"
        self.stopped.append(kwargs["task"])
        self.stop_reasons.append(kwargs["reason"])
        if self.stop_error:
            raise self.stop_error
        return {}


class FakeCloudFormation:
    def __init__(self, status: str) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []

    def describe_stacks(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        return {"Stacks": [{"StackId": kwargs["StackName"], "StackStatus": self.status}]}


def stopped(exit_code: int | None, reason: str = "Essential container in task exited") -> dict[str, Any]:
    return {
        "lastStatus": "STOPPED",
        "stoppedReason": reason,
        "containers": [{"name": CONTAINER_NAME, "exitCode": exit_code}],
    }


RUNNING = {"lastStatus": "RUNNING", "containers": [{"name": CONTAINER_NAME}]}
# What DescribeTasks answers for a task it does not know yet (eventual consistency right after RunTask).
MISSING = {"tasks": [], "failures": [{"arn": TASK_ARN, "reason": "MISSING"}]}
NO_TASKS = {"tasks": [], "failures": []}
STACK_ID = "arn:aws:cloudformation:eu-west-1:333333333333:stack/Prod-Service/0f0e0d0c-0000-4000-8000-000000000000"


def plenty_of_time() -> float:
    return 600.0


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_successful_migration_returns_the_task_and_exit_code() -> None:
    ecs = FakeEcs([RUNNING, RUNNING, stopped(0)])

    result = run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)

    assert result == {"taskArn": TASK_ARN, "exitCode": 0}
    assert ecs.stopped == [], "a task that stopped by itself is not stopped again"
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

    assert ecs.stopped == []


def test_task_that_never_started_its_container_fails_the_deployment() -> None:
    ecs = FakeEcs([stopped(None, reason="CannotPullContainerError: image not found")])

    with pytest.raises(MigrationFailed, match="exit code None, reason: CannotPullContainerError"):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)


def test_task_that_cannot_be_placed_fails_the_deployment() -> None:
    ecs = FakeEcs([], run_failures=[{"reason": "RESOURCE:ENI"}])

    with pytest.raises(MigrationFailed, match="did not start: .*RESOURCE:ENI"):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)

    assert ecs.stopped == []


def test_migration_still_running_at_the_deadline_is_stopped_and_fails() -> None:
    ecs = FakeEcs([RUNNING])

    with pytest.raises(MigrationFailed, match="still running when the deployment's time ran out"):
        run_migrations(ecs, TASK, seconds_left=lambda: 20.0, sleep=lambda _: None)

    assert ecs.stopped == [TASK_ARN]
    assert "time ran out" in ecs.stop_reasons[0]


def test_missing_and_empty_answers_right_after_run_task_are_retried_with_backoff() -> None:
    ecs = FakeEcs([MISSING, NO_TASKS, MISSING, RUNNING, stopped(0)])
    sleeps = Sleeps()

    result = run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=sleeps)

    assert result == {"taskArn": TASK_ARN, "exitCode": 0}
    assert sleeps == [1.0, 2.0, 4.0, POLL_SECONDS], "doubling waits while ECS does not know the task yet"
    assert ecs.stopped == []


def test_a_task_ecs_never_reports_fails_after_bounded_retries_and_is_stopped() -> None:
    ecs = FakeEcs([MISSING])
    sleeps = Sleeps()

    with pytest.raises(MigrationFailed, match=f"did not report migration task .* in {MISSING_ANSWERS_LIMIT} "):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=sleeps)

    assert ecs.describe_calls == MISSING_ANSWERS_LIMIT
    assert max(sleeps) == MISSING_RETRY_MAX_SECONDS
    assert sum(sleeps) < 120, "the retries are bounded well inside the deployment's time"
    assert ecs.stopped == [TASK_ARN]


def test_missing_answers_near_the_deadline_stop_the_task() -> None:
    ecs = FakeEcs([MISSING])

    with pytest.raises(MigrationFailed, match="time ran out"):
        run_migrations(ecs, TASK, seconds_left=lambda: 30.5, sleep=lambda _: None)

    assert ecs.stopped == [TASK_ARN]


def test_an_api_error_while_waiting_stops_the_task_and_is_raised() -> None:
    ecs = FakeEcs([RUNNING, ConnectionError("endpoint unreachable")])

    with pytest.raises(ConnectionError, match="endpoint unreachable"):
        run_migrations(ecs, TASK, seconds_left=plenty_of_time, sleep=lambda _: None)

    assert ecs.stopped == [TASK_ARN]
    assert "endpoint unreachable" in ecs.stop_reasons[0]


def test_a_failing_stop_does_not_hide_the_error_that_caused_it(capsys: pytest.CaptureFixture[str]) -> None:
    ecs = FakeEcs([RUNNING], stop_error=ConnectionError("throttled"))

    with pytest.raises(MigrationFailed, match="time ran out"):
        run_migrations(ecs, TASK, seconds_left=lambda: 20.0, sleep=lambda _: None)

    assert ecs.stopped == [TASK_ARN]
    assert f"aws ecs stop-task --cluster {TASK.cluster} --task {TASK_ARN}" in capsys.readouterr().out


@pytest.mark.parametrize("status", ["UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"])
def test_a_rollback_never_migrates_again(status: str) -> None:
    """CloudFormation replays the Trigger with the previous handler during a rollback: it must do nothing."""
    ecs = FakeEcs([stopped(0)])
    cloudformation = FakeCloudFormation(status)

    result = migrate_unless_rolling_back(
        ecs, cloudformation, TASK, stack_id=STACK_ID, seconds_left=plenty_of_time, sleep=lambda _: None
    )

    assert result == {"skipped": True, "stackStatus": status}
    assert cloudformation.requests == [{"StackName": STACK_ID}]
    assert ecs.run_requests == []


@pytest.mark.parametrize("status", ["UPDATE_IN_PROGRESS", "CREATE_IN_PROGRESS"])
def test_a_deployment_migrates(status: str) -> None:
    ecs = FakeEcs([stopped(0)])

    result = migrate_unless_rolling_back(
        ecs, FakeCloudFormation(status), TASK, stack_id=STACK_ID, seconds_left=plenty_of_time, sleep=lambda _: None
    )

    assert result == {"taskArn": TASK_ARN, "exitCode": 0}
    assert len(ecs.run_requests) == 1


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
def test_migrations_run_after_the_task_definition_and_before_both_services_are_updated(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    trigger_id, trigger = resource(synthesized, stage, "MigrationsRunOnDeploy", "Custom::Trigger")
    task_definition_id, _ = resource(synthesized, stage, "MigrationTask", "AWS::ECS::TaskDefinition")
    _, web = resource(synthesized, stage, "Service", "AWS::ECS::Service")
    _, workers = resource(synthesized, stage, "ScoringWorkersService", "AWS::ECS::Service")

    assert task_definition_id in trigger["DependsOn"]
    assert trigger_id in web["DependsOn"] and trigger_id in workers["DependsOn"]
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


def test_runner_reads_only_its_own_stack_status(synthesized: SynthesizedPlatform) -> None:
    """The rollback check needs cloudformation:DescribeStacks on exactly this stack (its ARN, no wildcard)."""
    _, runner = resource(synthesized, "Prod", "MigrationsRunner", "AWS::Lambda::Function")
    _, policy = resource(synthesized, "Prod", "MigrationsRunnerServiceRoleDefaultPolicy", "AWS::IAM::Policy")

    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (describe_stacks,) = [s for s in statements if "cloudformation" in str(s["Action"])]

    assert runner["Properties"]["Environment"]["Variables"]["STACK_ID"] == {"Ref": "AWS::StackId"}
    assert describe_stacks["Action"] == "cloudformation:DescribeStacks"
    assert describe_stacks["Resource"] == {"Ref": "AWS::StackId"}
