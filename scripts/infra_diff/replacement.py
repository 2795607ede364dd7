"""Whether a change replaces a resource: the create-only properties of CloudFormation's resource provider schemas
(which cfn-lint ships, so no AWS call is needed), and replacements that spread through references."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from scripts.infra_diff.model import Impact, PropertyChange, ResourceChange

# Provider schemas hardly differ between regions in create-only properties; us-east-1 has every type.
SCHEMA_REGION = "us-east-1"
_MISSING = object()


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


def has_intrinsic(value: Any) -> bool:
    """Whether the value is (or holds) a Ref or Fn::*: then its deployed value is unknown at synth time."""
    if isinstance(value, dict):
        return any(key == "Ref" or key.startswith("Fn::") or has_intrinsic(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_intrinsic(item) for item in value)
    return False


def referenced_ids(value: Any) -> set[str]:
    """Logical ids the value refers to through Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, list):
        return set().union(*(referenced_ids(item) for item in value))
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, item in value.items():
        found |= _direct_references(key, item) | referenced_ids(item)
    return found


def _direct_references(key: str, item: Any) -> set[str]:
    if key == "Ref" and isinstance(item, str):
        return {item}
    if key == "Fn::GetAtt":
        return {str(item[0] if isinstance(item, list) else str(item).split(".")[0])}
    if key == "Fn::Sub":
        text = item[0] if isinstance(item, list) else item
        return {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", str(text))}
    return set()


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
    for pointers, reason in ((rules.always, "create-only"), (rules.conditional, "conditionally create-only")):
        for sub_path in _pointers_below(pointers, f"/properties/{name}"):
            old, new = _at_pointer(before, sub_path), _at_pointer(after, sub_path)
            if old != new:
                return _create_only_change(name, reason, sub_path, deploy_time=has_intrinsic(old) or has_intrinsic(new))
    return PropertyChange(name, Impact.UPDATE)


def _pointers_below(pointers: frozenset[str], prefix: str) -> list[list[str]]:
    """The paths below `prefix` of the pointers that are `prefix` itself or lie under it ([] for `prefix`)."""
    return [
        pointer[len(prefix) :].strip("/").split("/") if pointer != prefix else []
        for pointer in sorted(pointers)
        if pointer == prefix or pointer.startswith(prefix + "/")
    ]


def _create_only_change(name: str, reason: str, sub_path: list[str], *, deploy_time: bool) -> PropertyChange:
    label = reason if not sub_path else f"{reason}: {'/'.join(sub_path)}"
    if reason.startswith("conditionally"):
        return PropertyChange(name, Impact.CONDITIONAL, label)
    if deploy_time:
        return PropertyChange(name, Impact.MAY_REPLACE, f"{label}, value known only at deploy time")
    return PropertyChange(name, Impact.REPLACE, label)


def propagate_replacements(
    changes: dict[str, ResourceChange], head_resources: Mapping[str, dict[str, Any]]
) -> dict[str, ResourceChange]:
    """A create-only property that refers to a replaced resource gets a new value at deploy time, so its own
    resource is replaced too (a new KMS key replaces the database encrypted with it). Repeats until stable."""
    changes = dict(changes)
    grew = True
    while grew:
        replaced = {logical_id for logical_id, change in changes.items() if change.replaced}
        grew = False
        for logical_id, resource in head_resources.items():
            current = changes.get(logical_id)
            forced = None if _settled(current) else _replaced_through_reference(resource, replaced)
            if forced is not None:
                base = current or ResourceChange(logical_id, resource.get("Type", "?"), "modified")
                kept = tuple(change for change in base.properties if change.name != forced.name)
                changes[logical_id] = replace(base, properties=(*kept, forced))
                grew = True
    return changes


def _settled(change: ResourceChange | None) -> bool:
    """Added, removed and already replaced resources gain nothing from a replaced reference."""
    return change is not None and (change.kind != "modified" or change.replaced)


def _replaced_through_reference(resource: Mapping[str, Any], replaced: set[str]) -> PropertyChange | None:
    """The first create-only property of the resource that refers to a replaced resource, as a change."""
    always = create_only_properties(resource.get("Type", "?")).always
    for name, value in sorted(resource.get("Properties", {}).items()):
        targets = sorted(referenced_ids(value) & replaced)
        if targets and f"/properties/{name}" in always:
            reason = f"create-only, references {', '.join(targets)}, which is replaced"
            return PropertyChange(name, Impact.MAY_REPLACE, reason)
    return None
