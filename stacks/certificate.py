"""CertificateStack: the environment's TLS certificate, validated through DNS, in a stack of its own.

DNS validation is the step of a first deployment most likely to fail for a reason outside the templates: ACM waits
(up to 72 hours) until the validation record it asks for resolves publicly, which it never does when the hosted zone
is not delegated from its parent. In its own stack, deployed before the service, such a failure rolls back a stack
that holds nothing protected, and the service stack (with the load balancer) is never started; it also proves that
CloudFormation can write into the hosted zone, which the service stack's DNS record needs afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from constructs import Construct

from stacks.config import DomainConfig


@dataclass(frozen=True)
class CertificateStackProps:
    domain: DomainConfig


class CertificateStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, props: CertificateStackProps) -> None:
        super().__init__(
            scope, construct_id, description="Competition platform: the service's DNS-validated TLS certificate"
        )
        domain = props.domain
        zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.hosted_zone_name
        )
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=domain.domain_name,
            validation=acm.CertificateValidation.from_dns(zone),
        )
