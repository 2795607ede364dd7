"""When the two database secrets' rotation schedules are created.

Creating a schedule makes Secrets Manager test the rotation at once (the function's testSecret step, even with
RotateImmediatelyOnUpdate false): the function must reach the database's port by then, and the login it tests must
exist. The owner exists with the instance; the app user only once the Service stack's migration has created it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SynthesizedPlatform
from tests.cross_stack import cross_stack_reference

STAGES = ["Dev", "Staging", "Prod"]


def schedules(synthesized: SynthesizedPlatform, stack: str) -> dict[str, dict[str, Any]]:
    return synthesized.resources(stack, "AWS::SecretsManager::RotationSchedule")


def depends_on(resource: dict[str, Any]) -> set[str]:
    value = resource.get("DependsOn", [])
    return {value} if isinstance(value, str) else set(value)


def export_value(synthesized: SynthesizedPlatform, stage: str, reference: Any) -> Any:
    """What a strong cross-stack reference from the Service stack to the Database stack names there."""
    found = cross_stack_reference(reference)
    assert found is not None, f"{reference} is not a cross-stack reference"
    producer, output = found
    assert producer == synthesized.stacks[f"{stage}/Database"].stack_name
    return synthesized.template_json(f"{stage}/Database")["Outputs"][output]["Value"]


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_owners_schedule_is_in_the_database_stack_and_it_waits_for_the_open_port(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    resources = synthesized.template_json(f"{stage}/Database")["Resources"]
    ((_, schedule),) = schedules(synthesized, f"{stage}/Database").items()
    (owner_function,) = [i for i in resources if i.startswith("PostgresRotationSingleUser") and "Security" not in i]
    function_group = next(i for i in resources if i.startswith("PostgresRotationSingleUserSecurityGroup"))

    assert schedule["Properties"]["RotationLambdaARN"] == {"Fn::GetAtt": [owner_function, "Outputs.RotationLambdaARN"]}
    assert schedule["Properties"]["RotateImmediatelyOnUpdate"] is False
    opening = [
        logical_id
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::EC2::SecurityGroupIngress"
        and resource["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [function_group, "GroupId"]}
    ]
    assert opening and set(opening) <= depends_on(schedule)


@pytest.mark.parametrize("stage", STAGES)
def test_the_app_users_schedule_waits_for_the_migration_that_creates_the_role(
    synthesized: SynthesizedPlatform, stage: str
) -> None:
    ((_, schedule),) = schedules(synthesized, f"{stage}/Service").items()
    service = synthesized.template_json(f"{stage}/Service")["Resources"]
    (trigger,) = [i for i, resource in service.items() if resource["Type"] == "Custom::Trigger"]

    assert trigger in depends_on(schedule)
    assert schedule["Properties"]["RotateImmediatelyOnUpdate"] is False
    # The Database stack's app-user function, on the app user's secret.
    function = export_value(synthesized, stage, schedule["Properties"]["RotationLambdaARN"])
    assert function["Fn::GetAtt"][0].startswith("AppUserRotation")
    assert function["Fn::GetAtt"][1] == "Outputs.RotationLambdaARN"
    secret = export_value(synthesized, stage, schedule["Properties"]["SecretId"])
    assert secret["Ref"].startswith("AppUserSecretAttachment")


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_the_app_functions_port_is_opened_by_the_stack_deployed_before_its_schedule(
    synthesized: SynthesizedPlatform, environment: str
) -> None:
    stage = synthesized.platform.stages[environment]
    resources = synthesized.template_json(f"{stage.config.stage_id}/Database")["Resources"]
    function_group = next(i for i in resources if i.startswith("AppUserRotationSecurityGroup"))

    assert any(
        resource["Type"] == "AWS::EC2::SecurityGroupIngress"
        and resource["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [function_group, "GroupId"]}
        for resource in resources.values()
    )
    assert stage.database in stage.service.dependencies


def test_dev_rotates_both_secrets_inside_working_hours(synthesized: SynthesizedPlatform) -> None:
    """The database is stopped outside them."""
    found = [*schedules(synthesized, "Dev/Database").values(), *schedules(synthesized, "Dev/Service").values()]

    assert [schedule["Properties"]["RotationRules"] for schedule in found] == [
        {"ScheduleExpression": "cron(0 7 ? * 2#1 *)", "Duration": "10h"}
    ] * 2
    for stage in ("Staging", "Prod"):
        prod = [
            *schedules(synthesized, f"{stage}/Database").values(),
            *schedules(synthesized, f"{stage}/Service").values(),
        ]
        assert [schedule["Properties"]["RotationRules"] for schedule in prod] == [
            {"ScheduleExpression": "rate(30 days)"}
        ] * 2
