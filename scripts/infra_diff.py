"""Offline infrastructure diff between two synthesized cloud assemblies, and the stateful-resource guard.

`make diff BASE=origin/main` synthesizes the base commit in a git worktree under /tmp and compares every stack of
it with the working tree's `cdk.out`; `make guard` does the same and fails when a stack of a protected stage
(Staging, Prod) would replace or delete a stateful resource. No AWS credentials are needed: whether a property
change replaces a resource is read from the CloudFormation resource provider schemas that cfn-lint ships
(`createOnlyProperties`).

    python -m scripts.infra_diff --base origin/main --report cdk.out/infra-diff.md [--guard]
    python -m scripts.infra_diff --base-assembly base.out --head-assembly cdk.out --guard
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from scripts.cloud_assembly import read_stacks
from scripts.template_normalization import normalize_logical_id, normalize_template

REPO_ROOT = Path(__file__).resolve().parent.parent

# --- Policy: what the guard protects. One place, reviewed like code. -----------------------------------------
# Replacing or deleting one of these loses data or breaks every client holding its identifier.
STATEFUL_TYPES = frozenset(
    {
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::SecretsManager::Secret",
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::EC2::VPC",
    }
)
# Stage ids whose stacks are guarded. Display names are "Prod/Database" or, inside the pipeline,
# "Pipeline/Prod/Database": any path segment before the stack id counts.
PROTECTED_STAGES = frozenset({"Staging", "Prod"})
OVERRIDE_LABEL = "allow-stateful-replacement"
OVERRIDE_ENV = "ALLOW_STATEFUL_REPLACEMENT"

REPORT_MARKER = "<!-- infra-diff -->"
# GitHub rejects comments longer than 65,536 characters.
MAX_REPORT_CHARS = 60_000


# Provider schemas hardly differ between regions in create-only properties; us-east-1 has every type.
SCHEMA_REGION = "us-east-1"

RESOURCE_ATTRIBUTES = ("DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Condition", "UpdatePolicy", "Metadata")
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


class Impact(enum.IntEnum):
    """How a change affects the physical resource, from harmless to destructive.

    CONDITIONAL: a conditionally create-only property; replacement only in some cases (see the resource's docs).
    MAY_REPLACE: a create-only property whose value is known only at deploy time, or refers to a replaced resource.
    """

    UPDATE = 0
    CONDITIONAL = 1
    MAY_REPLACE = 2
    REPLACE = 3


@dataclass(frozen=True)
class PropertyChange:
    name: str
    impact: Impact
    reason: str = ""  # why it replaces: "create-only", "references Key1234, which is replaced", ...

    def describe(self) -> str:
        return f"`{self.name}` ({self.reason})" if self.reason else f"`{self.name}`"


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    resource_type: str
    kind: str  # "added", "removed", "modified"
    properties: tuple[PropertyChange, ...] = ()
    attributes: tuple[str, ...] = ()  # changed resource attributes (DependsOn, DeletionPolicy, ...)
    asset_change: str = ""  # "container image changed", ... (only asset hashes differ)
    type_change: str = ""  # "AWS::S3::Bucket -> AWS::DynamoDB::Table"
    renamed_to: str = ""  # a removed resource that comes back under this logical id
    iam: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()

    @property
    def impact(self) -> Impact:
        if self.type_change:
            return Impact.REPLACE
        return max((change.impact for change in self.properties), default=Impact.UPDATE)

    @property
    def replaced(self) -> bool:
        return self.kind == "modified" and self.impact >= Impact.MAY_REPLACE

    @property
    def asset_only(self) -> bool:
        return bool(self.asset_change) and not (self.properties or self.attributes or self.type_change)


@dataclass(frozen=True)
class StackDiff:
    display_name: str
    status: str  # "added", "removed", "changed", "unchanged"
    resources: tuple[ResourceChange, ...] = ()
    outputs: tuple[str, ...] = ()  # "+ Name", "- Name", "~ Name"

    def of_kind(self, kind: str) -> list[ResourceChange]:
        return [change for change in self.resources if change.kind == kind]

    @property
    def replaced(self) -> list[ResourceChange]:
        return [change for change in self.resources if change.replaced]

    @property
    def updated(self) -> list[ResourceChange]:
        return [c for c in self.resources if c.kind == "modified" and not c.replaced and not c.asset_only]

    @property
    def asset_only(self) -> list[ResourceChange]:
        return [change for change in self.resources if change.asset_only]


@dataclass(frozen=True)
class GuardViolation:
    stack: str
    logical_id: str
    resource_type: str
    cause: str

    def describe(self) -> str:
        return f"{self.stack}: {self.logical_id} ({self.resource_type}) {self.cause}"


# --- Replacement knowledge -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateOnly:
    """JSON pointers (`/properties/Name/Sub`) of a type's create-only and conditionally create-only properties."""

    always: frozenset[str] = frozenset()
    conditional: frozenset[str] = frozenset()


@cache
def create_only_properties(resource_type: str) -> CreateOnly:
    """From the provider schema cfn-lint ships offline. Custom resources and unknown types have none."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError  # slow: only when a change needs it

    try:
        schema: dict[str, Any] = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except ResourceNotFoundError:
        return CreateOnly()
    return CreateOnly(
        always=frozenset(schema.get("createOnlyProperties", [])),
        conditional=frozenset(schema.get("conditionalCreateOnlyProperties", [])),
    )


# --- Template helpers ----------------------------------------------------------------------------------------
def has_intrinsic(value: Any) -> bool:
    """Whether the value is (or holds) a Ref or Fn::*: then its deployed value is unknown at synth time."""
    if isinstance(value, dict):
        return any(key == "Ref" or key.startswith("Fn::") or has_intrinsic(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_intrinsic(item) for item in value)
    return False


def referenced_ids(value: Any) -> set[str]:
    """Logical ids the value refers to through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else str(item).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found.update(name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", str(text)))
            found |= referenced_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item)
    return found


_MISSING = object()


def _at_pointer(value: Any, segments: Sequence[str]) -> Any:
    """The value under a JSON-pointer path; "*" (any list item) compares the whole remaining value."""
    for segment in segments:
        if segment == "*":
            return value
        if not isinstance(value, dict) or segment not in value:
            return _MISSING
        value = value[segment]
    return value


def property_impact(resource_type: str, name: str, before: Any, after: Any) -> PropertyChange:
    """How changing one top-level property from `before` to `after` affects the resource."""
    rules = create_only_properties(resource_type)
    prefix = f"/properties/{name}"
    for pointers, reason in ((rules.always, "create-only"), (rules.conditional, "conditionally create-only")):
        for pointer in sorted(pointers):
            if pointer != prefix and not pointer.startswith(prefix + "/"):
                continue
            sub_path = pointer[len(prefix) :].strip("/").split("/") if pointer != prefix else []
            old, new = _at_pointer(before, sub_path), _at_pointer(after, sub_path)
            if old == new:
                continue
            label = reason if not sub_path else f"{reason}: {'/'.join(sub_path)}"
            if reason.startswith("conditionally"):
                return PropertyChange(name, Impact.CONDITIONAL, label)
            if has_intrinsic(old) or has_intrinsic(new):
                return PropertyChange(name, Impact.MAY_REPLACE, f"{label}, value known only at deploy time")
            return PropertyChange(name, Impact.REPLACE, label)
    return PropertyChange(name, Impact.UPDATE)


# --- Rendering of IAM statements and security-group rules ----------------------------------------------------
def render_value(value: Any) -> str:
    """A compact, readable form of a template value: `Bucket.Arn` instead of {"Fn::GetAtt": ["Bucket", "Arn"]}."""
    if isinstance(value, dict) and len(value) == 1:
        key, item = next(iter(value.items()))
        if key == "Ref":
            return str(item)
        if key == "Fn::GetAtt":
            return ".".join(map(str, item)) if isinstance(item, list) else str(item)
        if key == "Fn::Join" and isinstance(item, list) and len(item) == 2:
            return str(item[0]).join(render_value(part) for part in item[1])
        if key == "Fn::Sub":
            return str(item[0] if isinstance(item, list) else item)
        if key == "Fn::ImportValue":
            return f"import({render_value(item)})"
    if isinstance(value, list):
        rendered = [render_value(item) for item in value]
        return rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {render_value(item)}" for key, item in value.items()) + "}"
    return str(value)


def render_statement(statement: Mapping[str, Any]) -> str:
    parts = [str(statement.get("Effect", "?"))]
    if "NotAction" in statement:
        parts.append(f"all actions except {render_value(statement['NotAction'])}")
    else:
        parts.append(render_value(statement.get("Action", "?")))
    for key in ("Principal", "NotPrincipal"):
        if key in statement:
            parts.append(f"for {render_value(statement[key])}")
    for key in ("Resource", "NotResource"):
        if key in statement:
            parts.append(f"on {render_value(statement[key])}")
    if "Condition" in statement:
        parts.append(f"if {render_value(statement['Condition'])}")
    return " ".join(parts)


def policy_statements(resource: Mapping[str, Any]) -> set[str]:
    """Every IAM statement a resource carries (policy documents, inline `Policies`), rendered one per line."""
    properties = resource.get("Properties", {})
    documents: list[tuple[str, Any]] = [(name, properties[name]) for name in POLICY_PROPERTIES if name in properties]
    for policy in properties.get("Policies", []) or []:
        if isinstance(policy, dict):
            documents.append((str(policy.get("PolicyName", "inline")), policy.get("PolicyDocument")))
    statements: set[str] = set()
    for name, document in documents:
        listed = document.get("Statement", []) if isinstance(document, dict) else []
        for statement in listed if isinstance(listed, list) else [listed]:
            if isinstance(statement, dict):
                statements.add(f"{name}: {render_statement(statement)}")
    for arn in properties.get("ManagedPolicyArns", []) or []:
        statements.add(f"managed policy {render_value(arn)}")
    return statements


def is_iam_relevant(resource_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    if resource_type.startswith("AWS::IAM::") or resource_type in RESOURCE_POLICY_TYPES:
        return True
    old, new = before.get("Properties", {}), after.get("Properties", {})
    return any(old.get(name) != new.get(name) for name in (*POLICY_PROPERTIES, "Policies"))


def iam_details(resource_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    if not is_iam_relevant(resource_type, before, after):
        return ()
    old, new = policy_statements(before), policy_statements(after)
    lines = [f"+ {line}" for line in sorted(new - old)] + [f"- {line}" for line in sorted(old - new)]
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
    peer_keys = ("CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId", "SourcePrefixListId")
    peers = [render_value(rule[key]) for key in (*peer_keys, "DestinationPrefixListId") if key in rule]
    preposition = "from" if direction == "ingress" else "to"
    text = f"{direction} {ports} {preposition} {', '.join(peers) or '?'}"
    return f"{text} on {render_value(group)}" if group is not None else text


def security_group_rules(resource_type: str, resource: Mapping[str, Any]) -> set[str]:
    properties = resource.get("Properties", {})
    if resource_type in SECURITY_GROUP_RULE_TYPES:
        return {render_rule(SECURITY_GROUP_RULE_TYPES[resource_type], properties, properties.get("GroupId"))}
    rules: set[str] = set()
    for key, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")):
        for rule in properties.get(key, []) or []:
            if isinstance(rule, dict):
                rules.add(render_rule(direction, rule))
    return rules


def security_group_details(resource_type: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    if resource_type != "AWS::EC2::SecurityGroup" and resource_type not in SECURITY_GROUP_RULE_TYPES:
        return ()
    old, new = security_group_rules(resource_type, before), security_group_rules(resource_type, after)
    lines = [f"+ {line}" for line in sorted(new - old)] + [f"- {line}" for line in sorted(old - new)]
    if not lines and before != after:
        lines = ["~ group settings changed"]
    return tuple(lines)


# --- Comparison ----------------------------------------------------------------------------------------------
def asset_change_label(resource_type: str) -> str:
    return {
        "AWS::ECS::TaskDefinition": "container image changed",
        "AWS::Lambda::Function": "function code or image reference changed",
        "AWS::Lambda::Version": "new function version (asset changed)",
        "Custom::Trigger": "trigger runs again (its handler changed)",
    }.get(resource_type, "asset hash changed")


def compare_resource(logical_id: str, before: dict[str, Any], after: dict[str, Any]) -> ResourceChange | None:
    """The change between two versions of one resource, or None when they are identical."""
    if before == after:
        return None
    old_type, new_type = before.get("Type", "?"), after.get("Type", "?")
    if old_type != new_type:
        return ResourceChange(logical_id, new_type, "modified", type_change=f"{old_type} -> {new_type}")
    old, new = normalize_template(before), normalize_template(after)
    old_properties, new_properties = old.get("Properties", {}), new.get("Properties", {})
    properties = tuple(
        property_impact(new_type, name, old_properties.get(name), new_properties.get(name))
        for name in sorted(old_properties.keys() | new_properties.keys())
        if old_properties.get(name) != new_properties.get(name)
    )
    attributes = tuple(name for name in RESOURCE_ATTRIBUTES if old.get(name) != new.get(name))
    asset_change = asset_change_label(new_type) if normalize_differs(before, after) else ""
    return ResourceChange(
        logical_id,
        new_type,
        "modified",
        properties=properties,
        attributes=attributes,
        asset_change=asset_change,
        iam=iam_details(new_type, old, new),
        security_groups=security_group_details(new_type, old, new),
    )


def normalize_differs(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether the two differ in asset hashes: the raw values differ in places where the normalized ones do not."""
    return bool(_strip_equal(before, after) != _strip_equal(normalize_template(before), normalize_template(after)))


def _strip_equal(before: Any, after: Any) -> Any:
    """The differing leaves of two values (a stable fingerprint of where they differ and how)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            key: _strip_equal(before.get(key), after.get(key))
            for key in before.keys() | after.keys()
            if before.get(key) != after.get(key)
        }
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [_strip_equal(old, new) for old, new in zip(before, after, strict=True)]
    return (json.dumps(before), json.dumps(after)) if before != after else None


def added_or_removed(kind: str, logical_id: str, resource: dict[str, Any]) -> ResourceChange:
    empty: dict[str, Any] = {}
    before, after = (empty, resource) if kind == "added" else (resource, empty)
    resource_type = resource.get("Type", "?")
    return ResourceChange(
        logical_id,
        resource_type,
        kind,
        iam=iam_details(resource_type, before, after),
        security_groups=security_group_details(resource_type, before, after),
    )


def find_rename(removed: dict[str, Any], added: Mapping[str, dict[str, Any]]) -> str:
    """The added resource that most likely is the removed one under a new logical id ("" if none)."""
    same_type = {lid: res for lid, res in added.items() if res.get("Type") == removed.get("Type")}
    path = removed.get("Metadata", {}).get("aws:cdk:path")
    for logical_id, resource in sorted(same_type.items()):
        if path and resource.get("Metadata", {}).get("aws:cdk:path") == path:
            return logical_id
        if normalize_template(resource.get("Properties")) == normalize_template(removed.get("Properties")):
            return logical_id
    return next(iter(same_type)) if len(same_type) == 1 else ""


def propagate_replacements(
    changes: dict[str, ResourceChange], head_resources: Mapping[str, dict[str, Any]]
) -> dict[str, ResourceChange]:
    """A create-only property that refers to a replaced resource gets a new value at deploy time, so its own
    resource is replaced too (a new KMS key replaces the database encrypted with it). Repeats until stable."""
    changes = dict(changes)
    while True:
        replaced = {lid for lid, change in changes.items() if change.replaced}
        grew = False
        for logical_id, resource in head_resources.items():
            current = changes.get(logical_id)
            if current is not None and (current.kind != "modified" or current.replaced):
                continue
            resource_type = resource.get("Type", "?")
            always = create_only_properties(resource_type).always
            for name, value in sorted(resource.get("Properties", {}).items()):
                targets = sorted(referenced_ids(value) & replaced)
                if not targets or f"/properties/{name}" not in always:
                    continue
                reason = f"create-only, references {', '.join(targets)}, which is replaced"
                base = current or ResourceChange(logical_id, resource_type, "modified")
                kept = tuple(change for change in base.properties if change.name != name)
                changes[logical_id] = replace(
                    base, properties=(*kept, PropertyChange(name, Impact.MAY_REPLACE, reason))
                )
                grew = True
                break
        if not grew:
            return changes


def compare_templates(display_name: str, base: dict[str, Any] | None, head: dict[str, Any] | None) -> StackDiff:
    base_resources: dict[str, dict[str, Any]] = (base or {}).get("Resources", {})
    head_resources: dict[str, dict[str, Any]] = (head or {}).get("Resources", {})
    # Pair resources whose logical ids differ only in a hash (Lambda versions) as one resource.
    base_ids = {normalize_logical_id(lid): lid for lid in base_resources}
    head_ids = {normalize_logical_id(lid): lid for lid in head_resources}
    changes: dict[str, ResourceChange] = {}
    removed: dict[str, dict[str, Any]] = {}
    added: dict[str, dict[str, Any]] = {}
    for key in sorted(base_ids.keys() | head_ids.keys()):
        old_id, new_id = base_ids.get(key), head_ids.get(key)
        if old_id is None and new_id is not None:
            added[new_id] = head_resources[new_id]
        elif new_id is None and old_id is not None:
            removed[old_id] = base_resources[old_id]
        elif old_id is not None and new_id is not None:
            change = compare_resource(new_id, base_resources[old_id], head_resources[new_id])
            if change is None and old_id != new_id:  # same body under a re-hashed logical id
                resource_type = head_resources[new_id].get("Type", "?")
                change = ResourceChange(
                    new_id, resource_type, "modified", asset_change=asset_change_label(resource_type)
                )
            if change is not None:
                changes[new_id] = change
    for logical_id, resource in added.items():
        changes[logical_id] = added_or_removed("added", logical_id, resource)
    for logical_id, resource in removed.items():
        change = added_or_removed("removed", logical_id, resource)
        changes[logical_id] = replace(change, renamed_to=find_rename(resource, added))
    changes = propagate_replacements(changes, head_resources)

    base_outputs, head_outputs = (base or {}).get("Outputs", {}), (head or {}).get("Outputs", {})
    outputs = [f"+ {name}" for name in sorted(head_outputs.keys() - base_outputs.keys())]
    outputs += [f"- {name}" for name in sorted(base_outputs.keys() - head_outputs.keys())]
    outputs += [
        f"~ {name}"
        for name in sorted(base_outputs.keys() & head_outputs.keys())
        if normalize_template(base_outputs[name]) != normalize_template(head_outputs[name])
    ]
    if base is None:
        status = "added"
    elif head is None:
        status = "removed"
    else:
        status = "changed" if changes or outputs else "unchanged"
    ordered = tuple(changes[lid] for lid in sorted(changes))
    return StackDiff(display_name, status, ordered, tuple(outputs))


def compare_assemblies(base_dir: Path | None, head_dir: Path) -> list[StackDiff]:
    """Every stack of either assembly, matched by display name. `base_dir=None` means "no stacks yet"."""
    base = {stack.display_name: stack for stack in read_stacks(base_dir)} if base_dir else {}
    head = {stack.display_name: stack for stack in read_stacks(head_dir)}
    return [
        compare_templates(
            name,
            base[name].template() if name in base else None,
            head[name].template() if name in head else None,
        )
        for name in sorted(base.keys() | head.keys())
    ]


# --- Stateful-resource guard ---------------------------------------------------------------------------------
def is_protected(display_name: str) -> bool:
    return any(segment in PROTECTED_STAGES for segment in display_name.split("/")[:-1])


def stateful_violations(diffs: Iterable[StackDiff]) -> list[GuardViolation]:
    violations = []
    for diff in diffs:
        if not is_protected(diff.display_name):
            continue
        for change in diff.resources:
            was_stateful = any(change.type_change.startswith(f"{t} ") for t in STATEFUL_TYPES)
            if change.resource_type not in STATEFUL_TYPES and not was_stateful:
                continue
            cause = violation_cause(change)
            if cause:
                violations.append(GuardViolation(diff.display_name, change.logical_id, change.resource_type, cause))
    return violations


def violation_cause(change: ResourceChange) -> str:
    if change.kind == "removed":
        return (
            f"logical id changed (now {change.renamed_to}?): deleted and recreated" if change.renamed_to else "deleted"
        )
    if change.type_change:
        return f"replaced: type changed ({change.type_change})"
    forcing = [c for c in change.properties if c.impact >= Impact.MAY_REPLACE]
    if not forcing:
        return ""
    verb = "replaced" if change.impact == Impact.REPLACE else "may be replaced"
    return f"{verb}: " + "; ".join(c.describe() for c in forcing)


def conditional_warnings(diffs: Iterable[StackDiff]) -> list[GuardViolation]:
    """Stateful resources with a conditionally create-only change: reported, not failed (mostly updates)."""
    warnings = []
    for diff in diffs:
        if not is_protected(diff.display_name):
            continue
        for change in diff.resources:
            conditional = [c for c in change.properties if c.impact == Impact.CONDITIONAL]
            if change.resource_type in STATEFUL_TYPES and conditional and not violation_cause(change):
                cause = "replacement in some cases: " + "; ".join(c.describe() for c in conditional)
                warnings.append(GuardViolation(diff.display_name, change.logical_id, change.resource_type, cause))
    return warnings


# --- Reports -------------------------------------------------------------------------------------------------
def summary_line(diff: StackDiff) -> str:
    counts = [
        f"{len(diff.of_kind('added'))} added",
        f"{len(diff.updated)} modified",
        f"{len(diff.replaced)} replaced",
        f"{len(diff.of_kind('removed'))} removed",
    ]
    notes = []
    if any(change.iam for change in diff.resources):
        notes.append("IAM changes")
    if any(change.security_groups for change in diff.resources):
        notes.append("security-group changes")
    if any(change.asset_change for change in diff.resources):
        notes.append("asset changes")
    suffix = f" ({', '.join(notes)})" if notes else ""
    prefix = f"stack {diff.status}: " if diff.status in ("added", "removed") else ""
    return f"{diff.display_name}: {prefix}{', '.join(counts)}{suffix}"


def text_summary(diffs: Sequence[StackDiff]) -> str:
    changed = [diff for diff in diffs if diff.status != "unchanged"]
    lines = [summary_line(diff) for diff in changed]
    lines.append(f"{len(changed)} of {len(diffs)} stacks changed")
    return "\n".join(lines)


def _details(change: ResourceChange) -> str:
    parts: list[str] = []
    if change.type_change:
        parts.append(f"type changed: {change.type_change}")
    if change.renamed_to:
        parts.append(f"logical id changed? (now `{change.renamed_to}`)")
    if change.properties:
        parts.append(", ".join(p.describe() for p in change.properties))
    if change.attributes:
        parts.append("attributes: " + ", ".join(change.attributes))
    if change.asset_change:
        parts.append(change.asset_change)
    return "; ".join(parts).replace("|", "\\|")


def markdown_report(
    diffs: Sequence[StackDiff],
    *,
    base_label: str,
    head_label: str,
    violations: Sequence[GuardViolation] = (),
    warnings: Sequence[GuardViolation] = (),
    override: bool = False,
) -> str:
    changed = [diff for diff in diffs if diff.status != "unchanged"]
    lines = [
        REPORT_MARKER,
        "## Infrastructure diff",
        "",
        f"Base {base_label} → head {head_label}: {len(changed)} of {len(diffs)} stacks changed.",
        "",
    ]
    if violations:
        state = "overridden by the `allow-stateful-replacement` label" if override else "**the guard fails**"
        lines += [f"### :warning: Stateful resources replaced or deleted in staging/production ({state})", ""]
        lines += [f"- {v.describe()}" for v in violations] + [""]
        if not override:
            lines += [f"If this is intended and reviewed, add the label `{OVERRIDE_LABEL}` to the pull request.", ""]
    if warnings:
        lines += ["Stateful resources with conditionally create-only changes (check the resource docs):", ""]
        lines += [f"- {w.describe()}" for w in warnings] + [""]
    for diff in changed:
        lines += [f"### {diff.display_name}" + (f" (stack {diff.status})" if diff.status != "changed" else ""), ""]
        lines += [summary_line(diff).split(": ", 1)[1], ""]
        rows = (
            [("replaced", c) for c in diff.replaced]
            + [("removed", c) for c in diff.of_kind("removed")]
            + [("modified", c) for c in diff.updated]
            + [("added", c) for c in diff.of_kind("added")]
        )
        if rows:
            lines += ["| Change | Logical id | Type | Details |", "|---|---|---|---|"]
            lines += [f"| {kind} | `{c.logical_id}` | `{c.resource_type}` | {_details(c)} |" for kind, c in rows]
            lines.append("")
        for label in sorted({change.asset_change for change in diff.asset_only}):
            ids = ", ".join(f"`{c.logical_id}`" for c in diff.asset_only if c.asset_change == label)
            lines += [f"- {label}: {ids}"]
        if diff.asset_only:
            lines.append("")
        for title, attribute in (("IAM changes", "iam"), ("Security-group changes", "security_groups")):
            entries = [(c, getattr(c, attribute)) for c in diff.resources if getattr(c, attribute)]
            if entries:
                lines += [f"**{title}**", "", "```diff"]
                for change, details in entries:
                    lines.append(f"# {change.logical_id} ({change.resource_type}, {change.kind})")
                    lines += list(details)
                lines += ["```", ""]
        if diff.outputs:
            lines += ["Outputs: " + ", ".join(f"`{o}`" for o in diff.outputs), ""]
    unchanged = [diff.display_name for diff in diffs if diff.status == "unchanged"]
    if unchanged:
        lines += ["<details><summary>Unchanged stacks</summary>", "", ", ".join(unchanged), "", "</details>", ""]
    report = "\n".join(lines)
    if len(report) > MAX_REPORT_CHARS:
        report = report[:MAX_REPORT_CHARS] + "\n\n… (truncated: run `make diff` locally for the full report)\n"
    return report


# --- Synthesizing the base -----------------------------------------------------------------------------------
def git(*args: str, cwd: Path = REPO_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def synthesize_ref(ref: str, outdir: Path, repo: Path = REPO_ROOT) -> bool:
    """Synthesizes commit `ref` into `outdir` from a temporary git worktree; False when it has no CDK app.

    The worktree reuses this checkout's .venv and node_modules (symlinks), so the base is synthesized with the
    head's dependency versions: a pull request that bumps aws-cdk-lib shows the bump's template changes as if the
    base had them already. Accepted: installing the base's own dependencies would cost minutes per run."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}", cwd=repo)
    worktree = Path(tempfile.mkdtemp(prefix="infra-diff-base-"))
    try:
        git("worktree", "add", "--detach", str(worktree), commit, cwd=repo)
        if not (worktree / "cdk.json").exists():
            return False
        for shared in (".venv", "node_modules"):
            if (repo / shared).exists() and not (worktree / shared).exists():
                (worktree / shared).symlink_to(repo / shared)
        cdk = repo / "node_modules" / ".bin" / "cdk"
        env = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"}
        env.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(repo / ".cache" / "jsii"))
        command = [str(cdk) if cdk.exists() else "cdk", "synth", "--quiet", "--no-notices", "-o", str(outdir)]
        subprocess.run(command, cwd=worktree, env=env, check=True)
        return True
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(worktree)], cwd=repo, capture_output=True, check=False
        )
        shutil.rmtree(worktree, ignore_errors=True)


# --- Command line --------------------------------------------------------------------------------------------
def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.infra_diff", description=__doc__.split("\n")[0])
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", metavar="REF", help="git ref to synthesize as the base (e.g. origin/main)")
    base.add_argument("--base-assembly", type=Path, metavar="DIR", help="an already synthesized base assembly")
    parser.add_argument("--head-assembly", type=Path, default=Path("cdk.out"), metavar="DIR")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write the Markdown report (PR comment) here")
    parser.add_argument("--guard", action="store_true", help="fail on stateful replacements in staging/prod")
    parser.add_argument(
        "--allow-stateful-replacement",
        action="store_true",
        default=env_flag(OVERRIDE_ENV),
        help=f"reviewed override (also env {OVERRIDE_ENV}=true; in CI the PR label {OVERRIDE_LABEL})",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace, base_dir: Path | None, base_label: str) -> int:
    head_dir: Path = args.head_assembly
    diffs = compare_assemblies(base_dir, head_dir)
    violations = stateful_violations(diffs)
    warnings = conditional_warnings(diffs)
    override = bool(args.allow_stateful_replacement)
    print(text_summary(diffs))
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        head_label = f"`{head_dir}`"
        report = markdown_report(
            diffs,
            base_label=base_label,
            head_label=head_label,
            violations=violations,
            warnings=warnings,
            override=override,
        )
        args.report.write_text(report)
        print(f"report: {args.report}")
    for warning in warnings:
        print(f"warning: {warning.describe()}", file=sys.stderr)
    if not args.guard:
        return 0
    if not violations:
        print("stateful-resource guard: no stateful resource in staging or production is replaced or deleted")
        return 0
    for violation in violations:
        print(f"stateful-resource guard: {violation.describe()}", file=sys.stderr)
    if override:
        print(f"stateful-resource guard: overridden ({OVERRIDE_ENV} / label {OVERRIDE_LABEL})", file=sys.stderr)
        return 0
    print(
        f"stateful-resource guard: failed. If the replacement is intended and reviewed, add the label "
        f"'{OVERRIDE_LABEL}' to the pull request (locally: {OVERRIDE_ENV}=true make guard).",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.base_assembly:
        return run(args, args.base_assembly, f"`{args.base_assembly}`")
    with tempfile.TemporaryDirectory(prefix="infra-diff-base-out-") as outdir:
        try:
            has_app = synthesize_ref(args.base, Path(outdir))
        except subprocess.CalledProcessError as error:
            print(f"infra-diff: could not synthesize {args.base}: {error}", file=sys.stderr)
            return 2
        label = f"`{args.base}` ({git('rev-parse', '--short', args.base)})"
        return run(args, Path(outdir) if has_app else None, label)


if __name__ == "__main__":
    sys.exit(main())
