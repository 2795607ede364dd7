"""The estimated monthly cost of one environment, from the CloudFormation templates of its stacks.

Every resource of every template ends up in exactly one place: a priced line, the table's list of free types
(VPC plumbing, IAM, security groups, ...), the list of usage-based resources the report names but does not estimate
(Lambda invocations, S3 storage), or "not priced" (a type or class the price table does not know). Nothing is
silently left out: a new resource type shows up as not priced until the table learns it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scripts.cost.price_table import PriceTable

Resources = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Line:
    category: str
    resource: str  # "Dev/Network/VpcPublicSubnet1NATGateway…": stack and logical id
    description: str
    monthly_usd: float


@dataclass(frozen=True)
class Unpriced:
    resource: str
    resource_type: str
    reason: str


@dataclass
class Estimate:
    environment: str
    region: str
    lines: list[Line] = field(default_factory=list)
    usage_based: list[Unpriced] = field(default_factory=list)
    not_priced: list[Unpriced] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    def by_category(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.category] = totals.get(line.category, 0.0) + line.monthly_usd
        return totals


@dataclass(frozen=True)
class PricingContext:
    """What a pricer may read: the environment, the price table, and the resource's own template (for Refs)."""

    environment: str
    table: PriceTable
    stack: str
    resources: Resources

    @property
    def hours(self) -> float:
        return self.table.hours_per_month

    def price(self, name: str) -> float:
        return self.table.price(name)

    def assumed(self, name: str) -> float:
        return self.table.assumed(name, self.environment)

    def referenced(self, value: Any) -> tuple[str, Mapping[str, Any]] | None:
        """The resource a `{"Ref": id}` or `{"Fn::GetAtt": [id, ...]}` in this template points at."""
        if isinstance(value, Mapping):
            target = value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
            if isinstance(target, str) and target in self.resources:
                return target, self.resources[target]
        return None

    def resources_of_type(self, resource_type: str) -> dict[str, Mapping[str, Any]]:
        return {key: value for key, value in self.resources.items() if value.get("Type") == resource_type}


@dataclass(frozen=True)
class Priced:
    """A pricer's answer for one resource: lines, or the reason it cannot be priced, or that it is usage-based."""

    lines: tuple[tuple[str, str, float], ...] = ()  # (category, description, monthly USD)
    not_priced: str | None = None
    usage_based: str | None = None


Pricer = Callable[[PricingContext, str, Mapping[str, Any]], Priced]


def estimate_environment(
    environment: str,
    templates: Mapping[str, Mapping[str, Any]],
    table: PriceTable,
    pricers: Mapping[str, Pricer],
) -> Estimate:
    """`templates` maps a stack's display name ("Dev/Network") to its template."""
    estimate = Estimate(environment=environment, region=table.region)
    for stack, template in sorted(templates.items()):
        resources: Resources = template.get("Resources", {})
        context = PricingContext(environment=environment, table=table, stack=stack, resources=resources)
        for logical_id, resource in sorted(resources.items()):
            _place(estimate, context, logical_id, resource, pricers)
    return estimate


def _place(
    estimate: Estimate,
    context: PricingContext,
    logical_id: str,
    resource: Mapping[str, Any],
    pricers: Mapping[str, Pricer],
) -> None:
    resource_type = str(resource.get("Type"))
    name = f"{context.stack}/{logical_id}"
    pricer = pricers.get(resource_type)
    if pricer is not None:
        priced = pricer(context, logical_id, resource)
        estimate.lines.extend(Line(category, name, description, usd) for category, description, usd in priced.lines)
        if priced.not_priced:
            estimate.not_priced.append(Unpriced(name, resource_type, priced.not_priced))
        if priced.usage_based:
            estimate.usage_based.append(Unpriced(name, resource_type, priced.usage_based))
    elif resource_type in context.table.free_types:
        return
    elif resource_type in context.table.usage_based_types:
        estimate.usage_based.append(Unpriced(name, resource_type, context.table.usage_based_types[resource_type]))
    elif resource_type.startswith("Custom::") and "Custom::*" in context.table.usage_based_types:
        estimate.usage_based.append(Unpriced(name, resource_type, context.table.usage_based_types["Custom::*"]))
    else:
        estimate.not_priced.append(Unpriced(name, resource_type, "the price table knows no price for this type"))
