"""The scoring sweep (PLAN.md, "Phase 4"): `sweep_scoring` every five minutes as a one-off task of the workers' task
definition, started by EventBridge Scheduler with a role that may do only that; in dev within working hours; and
what it costs."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.cost.price_table import load_price_table
from scripts.cost.schedule_pricers import universal_target_input
from stacks.config import PlatformConfig
from stacks.scoring.sweep import SWEEP_COMMAND
from tests.conftest import SCORING_SWEEP, SCORING_WORKERS, SynthesizedPlatform
from tests.test_cost_report import REGION, estimate, templates_of

STAGES = ["Dev", "Staging", "Prod"]


def sweep(synthesized: SynthesizedPlatform, stage: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, resource)
        for logical_id, resource in synthesized.resources(f"{stage}/Service", "AWS::Scheduler::Schedule").items()
        if logical_id.startswith(SCORING_SWEEP)
    ]
    return found


def worker(synthesized: SynthesizedPlatform, stage: str, resource_type: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, resource)
        for logical_id, resource in synthesized.resources(f"{stage}/Service", resource_type).items()
        if logical_id.startswith(SCORING_WORKERS)
    ]
    return found


def role_statements(synthesized: SynthesizedPlatform, stage: str, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in synthesized.resources(f"{stage}/Service", "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_the_sweep_runs_the_workers_task_definition_with_the_sweep_command_on_their_network_and_capacity(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    _, schedule = sweep(synthesized, stage)
    target = schedule["Properties"]["Target"]
    request = universal_target_input(target["Input"])
    definition_id, _ = worker(synthesized, stage, "AWS::ECS::TaskDefinition")
    _, service = worker(synthesized, stage, "AWS::ECS::Service")
    network = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]

    assert schedule["Properties"]["Name"] == f"competition-platform-{stage.lower()}-scoring-sweep"
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:ecs:runTask"
    assert request is not None
    assert request["TaskDefinition"] == {"Ref": definition_id}
    assert request["Count"] == 1
    assert request["Overrides"] == {"ContainerOverrides": [{"Name": "worker", "Command": SWEEP_COMMAND}]}
    assert request["NetworkConfiguration"]["AwsvpcConfiguration"] == {
        "Subnets": network["Subnets"],
        "SecurityGroups": network["SecurityGroups"],
        "AssignPublicIp": "DISABLED",
    }
    strategy = [{"Base": 0, **item} for item in service["Properties"]["CapacityProviderStrategy"]]
    assert request["CapacityProviderStrategy"] == strategy


@pytest.mark.parametrize("stage", STAGES)
def test_the_sweep_starts_only_once_the_migrations_ran(synthesized: SynthesizedPlatform, stage: str) -> None:
    _, schedule = sweep(synthesized, stage)
    resources = synthesized.template_json(f"{stage}/Service")["Resources"]
    (trigger,) = [i for i, resource in resources.items() if resource["Type"] == "Custom::Trigger"]

    assert trigger in schedule["DependsOn"]


def test_every_five_minutes_and_in_dev_only_within_working_hours(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    hours = config.environment("dev").cost_profile.off_hours
    assert hours is not None

    expressions = {stage: sweep(synthesized, stage)[1]["Properties"]["ScheduleExpression"] for stage in STAGES}

    assert expressions == {
        # The database is stopped and the services held at zero outside them.
        "Dev": f"cron(0/5 {hours.start_hour_utc}-{hours.stop_hour_utc - 1} ? * MON-FRI *)",
        "Staging": "rate(5 minutes)",
        "Prod": "rate(5 minutes)",
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_schedulers_role_may_run_only_the_workers_family_in_this_cluster_and_pass_only_their_roles(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stage: str
) -> None:
    env = config.environment(stage.lower())
    _, schedule = sweep(synthesized, stage)
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = synthesized.resources(f"{stage}/Service", "AWS::IAM::Role")[role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    definition_id, definition = worker(synthesized, stage, "AWS::ECS::TaskDefinition")
    (cluster_id,) = synthesized.resources(f"{stage}/Service", "AWS::ECS::Cluster")
    arn_prefix = f"arn:aws:ecs:{env.region}:{env.account}"

    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": env.account}}
    by_action = {statement["Action"]: statement for statement in role_statements(synthesized, stage, role_id)}
    assert set(by_action) == {"ecs:RunTask", "iam:PassRole", "ecs:TagResource"}
    family = definition["Properties"]["Family"]
    assert by_action["ecs:RunTask"]["Resource"] == f"{arn_prefix}:task-definition/{family}:*"
    assert by_action["ecs:RunTask"]["Condition"] == {"ArnEquals": {"ecs:cluster": {"Fn::GetAtt": [cluster_id, "Arn"]}}}
    assert sorted(map(str, by_action["iam:PassRole"]["Resource"])) == sorted(
        str({"Fn::GetAtt": [definition["Properties"][key]["Fn::GetAtt"][0], "Arn"]})
        for key in ("TaskRoleArn", "ExecutionRoleArn")
    )
    assert by_action["iam:PassRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }
    assert by_action["ecs:TagResource"]["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}
    assert by_action["ecs:TagResource"]["Resource"] == f"{arn_prefix}:task/{env.resource_name()}/*"
    assert definition_id.startswith(SCORING_WORKERS)


def test_the_sweep_is_priced_per_run_at_the_workers_size_on_their_capacity(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    table = load_price_table(REGION)
    minutes = table.assumed("scheduledTaskMinutesPerRun", "prod")

    def sweep_usd(environment: str) -> float:
        result = estimate(environment, templates_of(synthesized, environment), table)
        return sum(line.monthly_usd for line in result.lines if "/ScoringSweep" in line.resource)

    def per_hour(environment: str, spot: str) -> float:
        scoring = config.environment(environment).scoring
        return scoring.cpu / 1024 * table.price(f"fargate{spot}VcpuHourX86") + scoring.memory_mib / 1024 * table.price(
            f"fargate{spot}GbHourX86"
        )

    # Production's single run lands on its on-demand base; staging's on Spot, like its workers.
    assert sweep_usd("prod") == pytest.approx(table.hours_per_month * 12 * minutes / 60 * per_hour("prod", ""))
    assert sweep_usd("staging") == pytest.approx(
        table.hours_per_month * 12 * minutes / 60 * per_hour("staging", "Spot")
    )
    # Dev: only within working hours, the hours the report takes off everything stopped outside them.
    working = table.hours_per_month * (1 - table.assumed("scheduledZeroHoursPerWeek", "dev") / 168)
    assert sweep_usd("dev") == pytest.approx(working * 12 * minutes / 60 * per_hour("dev", "Spot"))


def test_the_sweeps_input_is_read_back_with_its_references_in_place() -> None:
    text = {"Fn::Join": ["", ['{"TaskDefinition":"', {"Ref": "Worker"}, '","Count":1}']]}

    assert universal_target_input(text) == {"TaskDefinition": {"Ref": "Worker"}, "Count": 1}
    assert universal_target_input({"Fn::Join": ["", ["not json ", {"Ref": "Worker"}]]}) is None
