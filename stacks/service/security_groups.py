"""ServiceSecurityGroups: who may talk to whom. Internet → load balancer (its listeners open 80/443), load balancer
→ tasks on the container port (opened when the service becomes the listener's target), tasks → PostgreSQL and
HTTPS; nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

from stacks.database import DATABASE_PORT
from stacks.nag import acknowledge


@dataclass(frozen=True)
class ServiceSecurityGroupsProps:
    vpc: ec2.IVpc
    database: rds.DatabaseInstance


class ServiceSecurityGroups:
    """Builds into `scope` (see stacks/service/__init__.py): the resources keep the ids they had in the stack."""

    def __init__(self, scope: Construct, props: ServiceSecurityGroupsProps) -> None:
        self.load_balancer = _closed_group(
            scope,
            "LoadBalancerSecurityGroup",
            props.vpc,
            "Internet to the load balancer on 80/443; out only to the service tasks",
        )
        acknowledge(
            self.load_balancer,
            "AwsSolutions-EC23",
            reason="The load balancer is the platform's public entry point: 80 (redirect) and 443 from anywhere.",
        )
        self.tasks = _closed_group(
            scope, "TaskSecurityGroup", props.vpc, "Service and migration tasks: in from the load balancer only"
        )
        # Tasks reach ECR, Secrets Manager, CloudWatch Logs and S3 over HTTPS (through NAT or the S3 endpoint), and
        # the database; nothing else leaves the task.
        self.tasks.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs (ECR, Secrets Manager, logs, S3)"
        )
        # A literal port keeps the rule readable in `cdk diff` (the instance's port attribute is a cross-stack
        # token); the rule lives in this stack, so the database stack never depends on the service stack.
        self.tasks.connections.allow_to(props.database, ec2.Port.tcp(DATABASE_PORT), "Tasks to PostgreSQL")


def _closed_group(scope: Construct, construct_id: str, vpc: ec2.IVpc, description: str) -> ec2.SecurityGroup:
    """A group that lets nothing in or out until a rule says so."""
    return ec2.SecurityGroup(scope, construct_id, vpc=vpc, description=description, allow_all_outbound=False)
