"""NetworkStack: the VPC every other stack of an environment runs in."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import EnvironmentConfig
from stacks.encryption import EnvironmentKey, EnvironmentKeyProps
from stacks.log_groups import environment_log_group
from stacks.monitoring.topic import AlarmTopic, AlarmTopicProps
from stacks.nat_instances import NatInstances, NatInstancesProps, nat_instance_provider

VPC_CIDR = "10.0.0.0/16"


@dataclass(frozen=True)
class NetworkStackProps:
    config: EnvironmentConfig


class NetworkStack(cdk.Stack):
    """VPC over the configured zones: public subnets for the load balancer and NAT, private subnets with egress
    for the tasks, isolated subnets for the database. All traffic is recorded in flow logs.

    It also holds what every later stack of the environment uses and that must outlive them: the environment's KMS
    key (log groups, alarm topic, service secrets) and the alarm topic (stacks/encryption.py says why here).
    """

    def __init__(self, scope: Construct, construct_id: str, props: NetworkStackProps) -> None:
        config = props.config
        super().__init__(
            scope,
            construct_id,
            description="Competition platform: VPC, subnets, NAT, flow logs, the environment's key and alarm topic",
            # Every other stack lives in this VPC: deleting it by accident takes the environment down.
            termination_protection=config.keeps_data,
        )

        self.environment_key = EnvironmentKey(self, "EnvironmentKey", EnvironmentKeyProps(config=config)).key
        self.alarm_topic = AlarmTopic(
            self, "AlarmTopic", AlarmTopicProps(config=config, key=self.environment_key)
        ).topic
        flow_log_group = environment_log_group(
            self,
            "FlowLogs",
            config,
            production_retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=self.environment_key,
        )

        # NAT gateways, or NAT instances where the cost profile says so (stacks/nat_instances.py).
        nat_provider = nat_instance_provider(config)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            availability_zones=list(config.availability_zones),
            nat_gateways=config.nat_gateways,
            nat_gateway_provider=nat_provider,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
                ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
            ],
            # Nothing may use the default security group: strip its rules so that a resource that falls back to it
            # gets no traffic instead of everything.
            restrict_default_security_group=True,
            flow_logs={
                "AllTraffic": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
            # S3 traffic (submission files, image layers from ECR) stays off the NAT gateways.
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)},
        )
        if nat_provider is not None:
            NatInstances(
                self, "NatInstances", NatInstancesProps(config=config, vpc_cidr=VPC_CIDR, provider=nat_provider)
            )
