"""NatInstances: NAT through one small EC2 instance per zone instead of managed NAT gateways (cost profile
`nat: "instance"`, dev), hardened, and stopped outside working hours when the profile says so.

In eu-west-1 (scripts/cost/prices/eu-west-1.json) a NAT gateway costs about 35 USD a month before its first byte; a
t4g.nano about 3.4 USD plus its volume and its public address. The price is availability: one instance, which nobody
patches and which is not replaced when it fails (the loader refuses NAT instances in production). No NAT at all would
need interface endpoints for ECR (API and Docker), CloudWatch Logs and Secrets Manager in each zone (about 64 USD a
month in two zones) for the tasks and the rotation functions in the private subnets: dearer than the instance, so it is
not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.nag import acknowledge
from stacks.off_hours import OffHoursSchedule, OffHoursScheduleProps

# Amazon Linux 2023's root device; the volume replaces the AMI's default one (8 GB) with an encrypted one.
ROOT_DEVICE = "/dev/xvda"
ROOT_VOLUME_GIB = 8


def nat_instance_provider(config: EnvironmentConfig) -> ec2.NatInstanceProviderV2 | None:
    """The provider for NAT instances, or None for managed NAT gateways (the VPC's default)."""
    instance_type = config.cost_profile.nat_instance_type
    if not config.cost_profile.nat_instances or instance_type is None:
        return None
    # Outbound only by default: the inbound rule below admits the VPC's own HTTPS, nothing from the internet.
    return ec2.NatProvider.instance_v2(
        instance_type=ec2.InstanceType(instance_type),
        default_allowed_traffic=ec2.NatTrafficDirection.OUTBOUND_ONLY,
    )


@dataclass(frozen=True)
class NatInstancesProps:
    config: EnvironmentConfig
    vpc_cidr: str
    provider: ec2.NatInstanceProviderV2


class NatInstances(Construct):
    """Configures the instances the provider created in the VPC's public subnets (they belong to the subnets)."""

    def __init__(self, scope: Construct, construct_id: str, props: NatInstancesProps) -> None:
        super().__init__(scope, construct_id)
        # Everything in the private subnets speaks HTTPS only (tasks, rotation functions): so does the NAT.
        props.provider.connections.allow_from(
            ec2.Peer.ipv4(props.vpc_cidr), ec2.Port.tcp(443), "HTTPS from the VPC to the internet"
        )
        off_hours = props.config.cost_profile.off_hours
        for index, instance in enumerate(props.provider.gateway_instances, start=1):
            _harden(instance)
            if off_hours is not None and off_hours.stop_nat_instances:
                OffHoursSchedule(
                    self,
                    f"OffHours{index}",
                    OffHoursScheduleProps(
                        config=props.config,
                        off_hours=off_hours,
                        what=f"NAT instance {index}",
                        sdk_service="ec2",
                        stop_action="stopInstances",
                        start_action="startInstances",
                        resource_arn=cdk.Stack.of(self).format_arn(
                            service="ec2", resource="instance", resource_name=instance.instance_id
                        ),
                        target_input={"InstanceIds": [instance.instance_id]},
                    ),
                )


def _harden(instance: ec2.Instance) -> None:
    # Instance metadata only through IMDSv2 sessions (a launch template the aspect adds).
    cdk.Aspects.of(instance).add(ec2.InstanceRequireImdsv2Aspect())
    resource = instance.node.default_child
    if not isinstance(resource, ec2.CfnInstance):
        raise TypeError(f"{instance.node.path} has no AWS::EC2::Instance")
    # instance_v2 does not expose the instance's volumes: set the root volume on the CloudFormation resource.
    resource.block_device_mappings = [
        ec2.CfnInstance.BlockDeviceMappingProperty(
            device_name=ROOT_DEVICE,
            ebs=ec2.CfnInstance.EbsProperty(
                encrypted=True, volume_size=ROOT_VOLUME_GIB, volume_type="gp3", delete_on_termination=True
            ),
        )
    ]
    acknowledge(
        instance,
        "AwsSolutions-EC28",
        reason="A NAT instance (cost profile, never in production): the free five-minute metrics suffice; detailed "
        "monitoring would cost more than the instance.",
    )
    acknowledge(
        instance,
        "AwsSolutions-EC29",
        reason="A NAT instance holds no state: a redeploy recreates it, and stopping it (as the cost profile's off "
        "hours may, every night) loses nothing.",
    )
