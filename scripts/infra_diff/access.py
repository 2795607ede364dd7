"""IAM statements and security-group rules of a resource, one readable line each, and what changed between two
versions of it: a pull request that widens access says so in words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

POLICY_PROPERTIES = (
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "KeyPolicy",
    "ResourcePolicy",
    "RepositoryPolicyText",
)
# Resource policies: they grant access as much as IAM policies do.
RESOURCE_POLICY_TYPES = frozenset(
    {
        "AWS::S3::BucketPolicy",
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::Lambda::Permission",
        "AWS::Logs::ResourcePolicy",
        "AWS::ECR::RepositoryPolicy",
    }
)
SECURITY_GROUP_RULE_TYPES = {"AWS::EC2::SecurityGroupIngress": "ingress", "AWS::EC2::SecurityGroupEgress": "egress"}
_PEER_KEYS = (
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "DestinationSecurityGroupId",
    "SourcePrefixListId",
    "DestinationPrefixListId",
)


def _render_join(item: Any) -> str | None:
    if isinstance(item, list) and len(item) == 2:
        return str(item[0]).join(render_value(part) for part in item[1])
    return None


_INTRINSICS: dict[str, Callable[[Any], str | None]] = {
    "Ref": str,
    "Fn::GetAtt": lambda item: ".".join(map(str, item)) if isinstance(item, list) else str(item),
    "Fn::Join": _render_join,
    "Fn::Sub": lambda item: str(item[0] if isinstance(item, list) else item),
    "Fn::ImportValue": lambda item: f"import({render_value(item)})",
}


def render_value(value: Any) -> str:
    """A compact, readable form of a template value: `Bucket.Arn` instead of {"Fn::GetAtt": ["Bucket", "Arn"]}."""
    if isinstance(value, dict) and len(value) == 1:
        key, item = next(iter(value.items()))
        rendered = _INTRINSICS[key](item) if key in _INTRINSICS else None
        if rendered is not None:
            return rendered
    if isinstance(value, list):
        items = [render_value(item) for item in value]
        return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {render_value(item)}" for key, item in value.items()) + "}"
    return str(value)


def render_statement(statement: Mapping[str, Any]) -> str:
    parts = [str(statement.get("Effect", "?"))]
    if "NotAction" in statement:
        parts.append(f"all actions except {render_value(statement['NotAction'])}")
    else:
        parts.append(render_value(statement.get("Action", "?")))
    clauses = (("Principal", "for"), ("NotPrincipal", "for"), ("Resource", "on"), ("NotResource", "on"))
    parts += [f"{word} {render_value(statement[key])}" for key, word in clauses if key in statement]
    if "Condition" in statement:
        parts.append(f"if {render_value(statement['Condition'])}")
    return " ".join(parts)


def _policy_documents(properties: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(name, document) of every policy document of a resource: the policy properties and inline `Policies`."""
    documents = [(name, properties[name]) for name in POLICY_PROPERTIES if name in properties]
    inline = [policy for policy in properties.get("Policies", []) or [] if isinstance(policy, dict)]
    return documents + [(str(policy.get("PolicyName", "inline")), policy.get("PolicyDocument")) for policy in inline]


def _statements(document: Any) -> list[Mapping[str, Any]]:
    listed = document.get("Statement", []) if isinstance(document, dict) else []
    return [
        statement for statement in (listed if isinstance(listed, list) else [listed]) if isinstance(statement, dict)
    ]


def policy_statements(resource: Mapping[str, Any]) -> set[str]:
    """Every IAM statement a resource carries (policy documents, inline `Policies`), rendered one per line."""
    properties = resource.get("Properties", {})
    statements = {
        f"{name}: {render_statement(statement)}"
        for name, document in _policy_documents(properties)
        for statement in _statements(document)
    }
    return statements | {f"managed policy {render_value(arn)}" for arn in properties.get("ManagedPolicyArns", []) or []}


def is_iam_relevant(resource_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    if resource_type.startswith("AWS::IAM::") or resource_type in RESOURCE_POLICY_TYPES:
        return True
    old, new = before.get("Properties", {}), after.get("Properties", {})
    return any(old.get(name) != new.get(name) for name in (*POLICY_PROPERTIES, "Policies"))


def iam_details(resource_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    if not is_iam_relevant(resource_type, before, after):
        return ()
    lines = _added_and_removed(policy_statements(before), policy_statements(after))
    if not lines:
        changed = sorted(key for key in {**before, **after} if before.get(key) != after.get(key))
        lines = [f"~ {', '.join(changed)}"] if changed else []
    return tuple(lines)


def render_rule(direction: str, rule: Mapping[str, Any], group: Any = None) -> str:
    protocol = str(rule.get("IpProtocol", "?"))
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if protocol == "-1":
        ports = "all traffic"
    elif low == high:
        ports = f"{protocol} {render_value(low)}"
    else:
        ports = f"{protocol} {render_value(low)}-{render_value(high)}"
    peers = [render_value(rule[key]) for key in _PEER_KEYS if key in rule]
    preposition = "from" if direction == "ingress" else "to"
    text = f"{direction} {ports} {preposition} {', '.join(peers) or '?'}"
    return f"{text} on {render_value(group)}" if group is not None else text


def security_group_rules(resource_type: str, resource: Mapping[str, Any]) -> set[str]:
    """The rules a resource holds; none for one that does not exist on this side (added or removed)."""
    if not resource:
        return set()
    properties = resource.get("Properties", {})
    if resource_type in SECURITY_GROUP_RULE_TYPES:
        return {render_rule(SECURITY_GROUP_RULE_TYPES[resource_type], properties, properties.get("GroupId"))}
    return {
        render_rule(direction, rule)
        for key, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress"))
        for rule in properties.get(key, []) or []
        if isinstance(rule, dict)
    }


def security_group_details(resource_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    if resource_type != "AWS::EC2::SecurityGroup" and resource_type not in SECURITY_GROUP_RULE_TYPES:
        return ()
    lines = _added_and_removed(security_group_rules(resource_type, before), security_group_rules(resource_type, after))
    if not lines and before != after:
        lines = ["~ group settings changed"]
    return tuple(lines)


def _added_and_removed(old: set[str], new: set[str]) -> list[str]:
    return [f"+ {line}" for line in sorted(new - old)] + [f"- {line}" for line in sorted(old - new)]
