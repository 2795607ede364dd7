"""NetworkStack: subnets per zone, NAT count from config, flow logs, S3 endpoint, closed default security group."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from stacks.config import PlatformConfig
from stacks.network import VPC_CIDR
from tests.conftest import SynthesizedPlatform


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_vpc_has_public_private_and_isolated_subnets_in_every_configured_zone(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)
    subnets = synthesized.resources(f"{env.stage_id}/Network", "AWS::EC2::Subnet")

    by_type: dict[str, set[str]] = {}
    for subnet in subnets.values():
        tags = {tag["Key"]: tag["Value"] for tag in subnet["Properties"]["Tags"]}
        by_type.setdefault(tags["aws-cdk:subnet-type"], set()).add(subnet["Properties"]["AvailabilityZone"])

    assert by_type == {zone_type: set(env.availability_zones) for zone_type in ("Public", "Private", "Isolated")}


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_nat_count_and_kind_come_from_config(
    synthesized: SynthesizedPlatform, config: PlatformConfig, environment: str
) -> None:
    env = config.environment(environment)
    instances = env.cost_profile.nat_instances
    template = synthesized.template(f"{env.stage_id}/Network")

    template.resource_count_is("AWS::EC2::NatGateway", 0 if instances else env.nat_gateways)
    template.resource_count_is("AWS::EC2::Instance", env.nat_gateways if instances else 0)


def test_vpc_uses_the_platform_cidr(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Network").has_resource_properties("AWS::EC2::VPC", {"CidrBlock": VPC_CIDR})


def test_flow_logs_record_all_traffic_into_a_log_group_with_retention(
    synthesized: SynthesizedPlatform,
) -> None:
    template = synthesized.template("Prod/Network")

    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})


def test_s3_traffic_uses_a_gateway_endpoint(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Dev/Network").has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Gateway", "ServiceName": Match.object_like({"Fn::Join": Match.any_value()})},
    )


def test_default_security_group_is_stripped_of_its_rules(synthesized: SynthesizedPlatform) -> None:
    synthesized.template("Prod/Network").has_resource_properties(
        "Custom::VpcRestrictDefaultSG", {"DefaultSecurityGroupId": Match.any_value()}
    )
