"""The comparison of two synthesized templates, resource by resource, with asset hashes normalized: what is added,
removed (or renamed), modified, and whether a modification replaces the resource."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scripts.cloud_assembly import SynthesizedStack, read_stacks
from scripts.infra_diff.access import iam_details, security_group_details
from scripts.infra_diff.cross_stack import OutputIndex, canonical_references
from scripts.infra_diff.model import ResourceChange, StackDiff
from scripts.infra_diff.replacement import propagate_replacements, property_impact
from scripts.template_normalization import normalize_logical_id, normalize_template

RESOURCE_ATTRIBUTES = ("DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Condition", "UpdatePolicy", "Metadata")
ASSET_CHANGE_LABELS = {
    "AWS::ECS::TaskDefinition": "container image changed",
    "AWS::Lambda::Function": "function code or image reference changed",
    "AWS::Lambda::Version": "new function version (asset changed)",
    "Custom::Trigger": "trigger runs again (its handler changed)",
}
Resources = Mapping[str, dict[str, Any]]


def asset_change_label(resource_type: str) -> str:
    return ASSET_CHANGE_LABELS.get(resource_type, "asset hash changed")


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
    return ResourceChange(
        logical_id,
        new_type,
        "modified",
        properties=properties,
        attributes=tuple(name for name in RESOURCE_ATTRIBUTES if old.get(name) != new.get(name)),
        asset_change=asset_change_label(new_type) if normalize_differs(before, after) else "",
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


def find_rename(removed: dict[str, Any], added: Resources) -> str:
    """The added resource that most likely is the removed one under a new logical id ("" if none)."""
    same_type = {lid: res for lid, res in added.items() if res.get("Type") == removed.get("Type")}
    path = removed.get("Metadata", {}).get("aws:cdk:path")
    for logical_id, resource in sorted(same_type.items()):
        if path and resource.get("Metadata", {}).get("aws:cdk:path") == path:
            return logical_id
        if normalize_template(resource.get("Properties")) == normalize_template(removed.get("Properties")):
            return logical_id
    return next(iter(same_type)) if len(same_type) == 1 else ""


@dataclass
class _Pairing:
    """The resources of two templates, paired by logical id (ids that differ only in a hash count as one)."""

    kept: list[tuple[str, str]] = field(default_factory=list)  # (base id, head id)
    added: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed: dict[str, dict[str, Any]] = field(default_factory=dict)


def _pair_resources(base: Resources, head: Resources) -> _Pairing:
    # Lambda versions are named after a hash of the function's configuration: pair them as one resource.
    base_ids = {normalize_logical_id(logical_id): logical_id for logical_id in base}
    head_ids = {normalize_logical_id(logical_id): logical_id for logical_id in head}
    pairing = _Pairing()
    for key in sorted(base_ids.keys() | head_ids.keys()):
        old_id, new_id = base_ids.get(key), head_ids.get(key)
        if old_id is None and new_id is not None:
            pairing.added[new_id] = head[new_id]
        elif new_id is None and old_id is not None:
            pairing.removed[old_id] = base[old_id]
        elif old_id is not None and new_id is not None:
            pairing.kept.append((old_id, new_id))
    return pairing


def _compare_kept(old_id: str, new_id: str, base: Resources, head: Resources) -> ResourceChange | None:
    change = compare_resource(new_id, base[old_id], head[new_id])
    if change is None and old_id != new_id:  # the same body under a re-hashed logical id
        resource_type = head[new_id].get("Type", "?")
        return ResourceChange(new_id, resource_type, "modified", asset_change=asset_change_label(resource_type))
    return change


def _resource_changes(base: Resources, head: Resources) -> dict[str, ResourceChange]:
    pairing = _pair_resources(base, head)
    changes = {
        new_id: change
        for old_id, new_id in pairing.kept
        if (change := _compare_kept(old_id, new_id, base, head)) is not None
    }
    for logical_id, resource in pairing.added.items():
        changes[logical_id] = added_or_removed("added", logical_id, resource)
    for logical_id, resource in pairing.removed.items():
        removal = added_or_removed("removed", logical_id, resource)
        changes[logical_id] = replace(removal, renamed_to=find_rename(resource, pairing.added))
    return propagate_replacements(changes, head)


def _output_changes(base: Mapping[str, Any], head: Mapping[str, Any]) -> tuple[str, ...]:
    changed = [
        name for name in base.keys() & head.keys() if normalize_template(base[name]) != normalize_template(head[name])
    ]
    return (
        *(f"+ {name}" for name in sorted(head.keys() - base.keys())),
        *(f"- {name}" for name in sorted(base.keys() - head.keys())),
        *(f"~ {name}" for name in sorted(changed)),
    )


def compare_templates(display_name: str, base: dict[str, Any] | None, head: dict[str, Any] | None) -> StackDiff:
    """One stack's diff; `base` or `head` is None when the stack is added or removed."""
    changes = _resource_changes((base or {}).get("Resources", {}), (head or {}).get("Resources", {}))
    outputs = _output_changes((base or {}).get("Outputs", {}), (head or {}).get("Outputs", {}))
    if base is None:
        status = "added"
    elif head is None:
        status = "removed"
    else:
        status = "changed" if changes or outputs else "unchanged"
    return StackDiff(display_name, status, tuple(changes[lid] for lid in sorted(changes)), outputs)


def compare_assemblies(base_dir: Path | None, head_dir: Path) -> list[StackDiff]:
    """Every stack of either assembly, matched by display name. `base_dir=None` means "no stacks yet".

    Cross-stack references are compared by what they refer to (see cross_stack.py), so a reference that is spelled
    differently but names the same producer output is no change."""
    base = _canonical_templates(read_stacks(base_dir)) if base_dir else {}
    head = _canonical_templates(read_stacks(head_dir))
    return [compare_templates(name, base.get(name), head.get(name)) for name in sorted(base.keys() | head.keys())]


def _canonical_templates(stacks: list[SynthesizedStack]) -> dict[str, dict[str, Any]]:
    index = OutputIndex.of_assembly(stacks)
    return {stack.display_name: canonical_references(stack.template(), index) for stack in stacks}
