"""Pricers for the network: NAT gateways and NAT instances, public IPv4 addresses, load balancers, VPC endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scripts.cost.estimate import Priced, PricingContext
from scripts.cost.schedules import running_hours

NAT = "NAT gateways"
NAT_INSTANCES = "EC2 instances (NAT)"
PUBLIC_IPV4 = "Public IPv4 addresses"
LOAD_BALANCER = "Load balancer"
ENDPOINTS = "VPC interface endpoints"


def nat_gateway(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """Hours plus the assumed data processed; its public address is the EIP resource, priced on its own."""
    if resource.get("Properties", {}).get("ConnectivityType") == "private":
        hours_only = context.hours * context.price("natGatewayHour")
        return Priced(lines=((NAT, f"private NAT gateway, {context.hours:g} h", hours_only),))
    hourly = context.price("natGatewayHour")
    per_gb = context.price("natGatewayDataGB")
    gigabytes = context.assumed("natDataGBPerMonth")
    return Priced(
        lines=(
            (NAT, f"{context.hours:g} h x {hourly}", context.hours * hourly),
            (NAT, f"{gigabytes:g} GB processed (assumed) x {per_gb}", gigabytes * per_gb),
        )
    )


def elastic_ip(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    hourly = context.price("publicIpv4Hour")
    return Priced(lines=((PUBLIC_IPV4, f"Elastic IP, {context.hours:g} h x {hourly}", context.hours * hourly),))


def ec2_instance(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    """A NAT instance (NatProvider.instance_v2) or any other instance: hours, root volume, public address."""
    properties = resource.get("Properties", {})
    instance_type = properties.get("InstanceType")
    hourly = context.table.class_price("ec2InstanceHour", str(instance_type))
    if hourly is None:
        return Priced(not_priced=f"instance type {instance_type!r} is not in the price table")
    volume_gb = _root_volume_gb(context, properties)
    volume_price = context.price("ebsGp3GbMonth")
    # A stopped instance is billed for its volume only; its automatic public address is released while it is stopped.
    hours, stopped = running_hours(context, "ec2:stopInstances", [{"Ref": logical_id}])
    lines = [
        (NAT_INSTANCES, f"{instance_type}, {hours:g} h{stopped} x {hourly}", hours * hourly),
        (NAT_INSTANCES, f"{volume_gb:g} GB gp3 root volume x {volume_price}", volume_gb * volume_price),
    ]
    if _has_own_public_ip(context, logical_id, properties):
        ipv4 = context.price("publicIpv4Hour")
        lines.append((PUBLIC_IPV4, f"instance public IP, {hours:g} h{stopped} x {ipv4}", hours * ipv4))
    return Priced(lines=tuple(lines))


def _root_volume_gb(context: PricingContext, properties: Mapping[str, Any]) -> float:
    sizes = [
        float(mapping["Ebs"]["VolumeSize"])
        for mapping in properties.get("BlockDeviceMappings", [])
        if isinstance(mapping.get("Ebs", {}).get("VolumeSize"), int | float | str)
    ]
    return sum(sizes) if sizes else context.assumed("ec2RootVolumeGB")


def _has_own_public_ip(context: PricingContext, logical_id: str, properties: Mapping[str, Any]) -> bool:
    """A public address of its own: asked for on a network interface, or given by the subnet on launch, and no
    Elastic IP of this template attached to it (that one is priced as the EIP)."""
    for eip in context.resources_of_type("AWS::EC2::EIP").values():
        attached_to = context.referenced(eip.get("Properties", {}).get("InstanceId"))
        if attached_to is not None and attached_to[0] == logical_id:
            return False
    if any(i.get("AssociatePublicIpAddress") is True for i in properties.get("NetworkInterfaces", [])):
        return True
    subnet = context.referenced(properties.get("SubnetId"))
    return subnet is not None and subnet[1].get("Properties", {}).get("MapPublicIpOnLaunch") is True


def load_balancer(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    properties = resource.get("Properties", {})
    if properties.get("Type", "application") != "application":
        return Priced(not_priced=f"{properties.get('Type')} load balancers are not in the price table")
    hourly = context.price("albHour")
    lcu_hourly = context.price("albLcuHour")
    lcus = context.assumed("albAverageLcu")
    lines = [
        (LOAD_BALANCER, f"ALB, {context.hours:g} h x {hourly}", context.hours * hourly),
        (
            LOAD_BALANCER,
            f"{lcus:g} LCU on average (assumed) x {context.hours:g} h x {lcu_hourly}",
            lcus * context.hours * lcu_hourly,
        ),
    ]
    if properties.get("Scheme", "internet-facing") == "internet-facing":
        zones = properties.get("Subnets", properties.get("SubnetMappings"))
        if not isinstance(zones, list):
            return Priced(lines=tuple(lines), not_priced="the load balancer's zones are not a literal list")
        ipv4 = context.price("publicIpv4Hour")
        lines.append(
            (
                PUBLIC_IPV4,
                f"internet-facing ALB, one address in each of {len(zones)} zones x {context.hours:g} h x {ipv4}",
                len(zones) * context.hours * ipv4,
            )
        )
    return Priced(lines=tuple(lines))


def vpc_endpoint(context: PricingContext, logical_id: str, resource: Mapping[str, Any]) -> Priced:
    properties = resource.get("Properties", {})
    endpoint_type = properties.get("VpcEndpointType", "Gateway")
    if endpoint_type == "Gateway":
        return Priced()  # S3 and DynamoDB gateway endpoints are free
    if endpoint_type != "Interface":
        return Priced(not_priced=f"{endpoint_type} endpoints are not in the price table")
    subnets = properties.get("SubnetIds")
    if not isinstance(subnets, list):
        return Priced(not_priced="the endpoint's subnets are not a literal list")
    hourly = context.price("interfaceEndpointAzHour")
    per_gb = context.price("interfaceEndpointDataGB")
    gigabytes = context.assumed("interfaceEndpointDataGBPerMonth")
    return Priced(
        lines=(
            (
                ENDPOINTS,
                f"{len(subnets)} zones x {context.hours:g} h x {hourly}",
                len(subnets) * context.hours * hourly,
            ),
            (ENDPOINTS, f"{gigabytes:g} GB (assumed) x {per_gb}", gigabytes * per_gb),
        )
    )
