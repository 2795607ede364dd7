"""What the diff finds: per stack, per resource, per property; how a change affects the physical resource."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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
