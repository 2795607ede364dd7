"""The cost profile (cdk.json `costProfile`): the lean dev (a NAT instance, Fargate Spot, no Container Insights, the
smallest database class, everything stopped outside working hours), and staging and prod left as they were."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.config import EnvironmentConfig, OffHoursConfig, PlatformConfig
from stacks.network import VPC_CIDR
from tests.conftest import SynthesizedPlatform, web_service_resources

ENVIRONMENTS = ["dev", "staging", "prod"]


def off_hours_of(env: EnvironmentConfig) -> OffHoursConfig:
    off_hours = env.cost_profile.off_hours
    assert off_hours is not None, f"{env.name} has no off hours"
    return off_hours


def only_resource(synthesized: SynthesizedPlatform, stack: str, resource_type: str) -> dict[str, Any]:
    """The one resource of the type, the scoring workers' left out (tests/test_scoring_workers.py covers them)."""
    (found,) = web_service_resources(synthesized.resources(stack, resource_type)).values()
    return dict(found["Properties"])


def test_the_repository_runs_dev_lean_and_staging_and_prod_on_the_standard_profile(config: PlatformConfig) -> None:
    dev = config.environment("dev")

    assert (dev.cost_profile.nat, dev.cost_profile.fargate_spot, dev.cost_profile.container_insights) == (
        "instance",
        True,
        False,
    )
    assert dev.database.instance_class == "t4g.micro" and not dev.database.performance_insights
    for name in ("staging", "prod"):
        profile = config.environment(name).cost_profile
        assert (profile.nat, profile.fargate_spot, profile.container_insights, profile.off_hours) == (
            "gateway",
            False,
            True,
            None,
        )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_nat_instances_are_small_encrypted_imdsv2_and_reachable_only_over_https_from_the_vpc(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)
    stack = f"{env.stage_id}/Network"
    instances = synthesized.resources(stack, "AWS::EC2::Instance")
    if not env.cost_profile.nat_instances:
        assert instances == {}
        return

    for instance in instances.values():
        properties = instance["Properties"]
        assert properties["InstanceType"] == env.cost_profile.nat_instance_type
        assert properties["SourceDestCheck"] is False
        assert properties["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
        assert "LaunchTemplate" in properties, "IMDSv2 through the launch template"
    templates = synthesized.resources(stack, "AWS::EC2::LaunchTemplate").values()
    assert [t["Properties"]["LaunchTemplateData"]["MetadataOptions"] for t in templates] == [{"HttpTokens": "required"}]
    (nat_group,) = [g["Properties"] for g in synthesized.resources(stack, "AWS::EC2::SecurityGroup").values()]
    assert [(r["CidrIp"], r["IpProtocol"], r["FromPort"]) for r in nat_group["SecurityGroupIngress"]] == [
        (VPC_CIDR, "tcp", 443)
    ]
    routes = synthesized.resources(stack, "AWS::EC2::Route").values()
    assert sum("InstanceId" in route["Properties"] for route in routes) == len(env.availability_zones)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_service_runs_on_spot_and_the_cluster_without_insights_only_where_configured(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)
    service = only_resource(synthesized, f"{env.stage_id}/Service", "AWS::ECS::Service")
    cluster = only_resource(synthesized, f"{env.stage_id}/Service", "AWS::ECS::Cluster")

    if env.cost_profile.fargate_spot:
        assert service["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
        assert "LaunchType" not in service
    else:
        assert service["LaunchType"] == "FARGATE" and "CapacityProviderStrategy" not in service
    insights = "enabled" if env.cost_profile.container_insights else "disabled"
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": insights}]


def scheduled_bounds(target: dict[str, Any]) -> dict[str, dict[str, int]]:
    """A scalable target's scheduled actions: schedule → the bounds it sets."""
    return {action["Schedule"]: action["ScalableTargetAction"] for action in target["ScheduledActions"]}


def off_hours_bounds(hours: OffHoursConfig, minimum: int, maximum: int) -> dict[str, dict[str, int]]:
    """No task from the end of working hours, the configured bounds again from their start."""
    return {
        f"cron(0 {hours.stop_hour_utc} ? * MON-FRI *)": {"MinCapacity": 0, "MaxCapacity": 0},
        f"cron(0 {hours.start_hour_utc} ? * MON-FRI *)": {"MinCapacity": minimum, "MaxCapacity": maximum},
    }


def test_the_dev_service_scales_to_zero_outside_working_hours(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    env = config.environment("dev")
    hours = off_hours_of(env)
    target = only_resource(synthesized, "Dev/Service", "AWS::ApplicationAutoScaling::ScalableTarget")

    assert scheduled_bounds(target) == off_hours_bounds(hours, env.service.min_count, env.service.max_count)
    for name in ("Staging", "Prod"):
        assert "ScheduledActions" not in only_resource(
            synthesized, f"{name}/Service", "AWS::ApplicationAutoScaling::ScalableTarget"
        )


def schedules(synthesized: SynthesizedPlatform, stack: str) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"]["Target"]["Arn"].rsplit(":", 1)[1]: resource["Properties"]
        for resource in synthesized.resources(stack, "AWS::Scheduler::Schedule").values()
    }


@pytest.mark.parametrize(
    ("stack", "stop", "start", "names_the_instance"),
    [
        ("Dev/Database", "stopDBInstance", "startDBInstance", '"competition-platform-dev"'),
        ("Dev/Network", "stopInstances", "startInstances", '"Ref": "VpcPublicSubnet1NatInstance'),
    ],
)
def test_the_dev_database_and_nat_instance_stop_outside_working_hours(
    synthesized: SynthesizedPlatform, config: PlatformConfig, stack: str, stop: str, start: str, names_the_instance: str
) -> None:
    hours = off_hours_of(config.environment("dev"))

    found = schedules(synthesized, stack)

    assert set(found) == {stop, start}
    assert found[stop]["ScheduleExpression"] == f"cron(0 {hours.stop_hour_utc} ? * MON-FRI *)"
    assert found[start]["ScheduleExpression"] == f"cron(0 {hours.start_hour_utc} ? * MON-FRI *)"
    for schedule in found.values():
        assert schedule["ScheduleExpressionTimezone"] == "UTC"
        assert names_the_instance in json.dumps(schedule["Target"]["Input"]).replace('\\"', '"')
    policies = synthesized.resources(stack, "AWS::IAM::Policy")
    (policy,) = [policy for logical_id, policy in policies.items() if "OffHours" in logical_id]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    service = "rds" if stack.endswith("Database") else "ec2"
    assert sorted(statement["Action"]) == sorted(f"{service}:{a[0].upper()}{a[1:]}" for a in (stop, start))
    assert "*" not in json.dumps(statement["Resource"])


def test_with_a_stopped_database_the_secrets_rotate_inside_working_hours(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    hours = off_hours_of(config.environment("dev"))

    for schedule in synthesized.resources("Dev/Database", "AWS::SecretsManager::RotationSchedule").values():
        rules = schedule["Properties"]["RotationRules"]
        first_hour = int(rules["ScheduleExpression"].split()[1])
        assert rules["ScheduleExpression"].endswith("? * 2#1 *)"), "the first Monday of each month"
        assert hours.start_hour_utc < first_hour
        assert first_hour + int(rules["Duration"].rstrip("h")) < hours.stop_hour_utc
    for name in ("Staging", "Prod"):
        for schedule in synthesized.resources(f"{name}/Database", "AWS::SecretsManager::RotationSchedule").values():
            assert schedule["Properties"]["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}
