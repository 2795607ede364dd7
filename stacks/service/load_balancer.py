"""PublicLoadBalancer: the internet-facing Application Load Balancer, its listeners, and with a domain its HTTPS
listener (with the certificate of the CertificateStack) and DNS record."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import DomainConfig, EnvironmentConfig

CONTAINER_PORT = 8000
HEALTH_CHECK_PATH = "/healthz"


@dataclass(frozen=True)
class PublicLoadBalancerProps:
    config: EnvironmentConfig
    vpc: ec2.IVpc
    security_group: ec2.SecurityGroup
    access_logs_bucket: s3.IBucket
    # With a domain: the certificate of the CertificateStack (stacks/certificate.py), validated before this stack.
    certificate: acm.ICertificate | None


class PublicLoadBalancer:
    """Builds into `scope` (see stacks/service/__init__.py): the resources keep the ids they had in the stack.

    The load balancer exists first, because the service's allowed hosts name it; `forward_to` adds the listeners
    once the service exists.
    """

    def __init__(self, scope: Construct, props: PublicLoadBalancerProps) -> None:
        self._scope = scope
        self._config = props.config
        self._security_group = props.security_group
        self._certificate = props.certificate
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            scope,
            "LoadBalancer",
            vpc=props.vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_group=props.security_group,
            drop_invalid_header_fields=True,
            # No deletion protection: a first create of this stack that fails (a migration, tasks that never turn
            # healthy) must be able to roll back, and CloudFormation cannot delete a protected load balancer, which
            # leaves the stack in ROLLBACK_FAILED. Production's service stack is protected from deletion instead,
            # by termination protection that the pipeline turns on once the stack exists (README: "Termination
            # protection").
            deletion_protection=False,
        )
        self.load_balancer.log_access_logs(props.access_logs_bucket, prefix=f"alb/{props.config.name}")
        domain = props.config.domain
        # The host name clients use: the domain, or (dev without a domain) the load balancer's own DNS name.
        self.public_host = domain.domain_name if domain else self.load_balancer.load_balancer_dns_name
        self.url = f"https://{self.public_host}" if domain else f"http://{self.public_host}"

    def forward_to(self, service: ecs.FargateService) -> elbv2.ApplicationTargetGroup:
        """Forwards the public listener to the service's container port; the target group checks the health
        endpoint."""
        return self._listener().add_targets(
            "Service",
            port=CONTAINER_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[service],
            deregistration_delay=cdk.Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=HEALTH_CHECK_PATH,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(15),
                timeout=cdk.Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )

    def _listener(self) -> elbv2.ApplicationListener:
        """The listener that forwards to the service: HTTPS with a redirect from HTTP when the environment has a
        domain, plain HTTP otherwise (dev without a domain)."""
        if self._config.domain is None:
            self._security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP")
            return self.load_balancer.add_listener("Http", port=80, open=False)

        if self._certificate is None:
            raise ValueError(f"{self._config.name} has a domain but no certificate was given to its load balancer")
        certificate = self._certificate
        self._dns_record(self._config.domain)
        self._security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP redirect")
        self._security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS")
        self.load_balancer.add_listener(
            "Http",
            port=80,
            open=False,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
        )
        return self.load_balancer.add_listener(
            "Https",
            port=443,
            open=False,
            certificates=[certificate],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
        )

    def _dns_record(self, domain: DomainConfig) -> None:
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self._scope, "Zone", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.hosted_zone_name
        )
        route53.ARecord(
            self._scope,
            "DnsRecord",
            zone=zone,
            record_name=domain.domain_name,
            target=route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(self.load_balancer)),
        )
