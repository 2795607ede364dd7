"""The stateful-resource guard: no database, secret, key, bucket or VPC of staging or production is replaced or
deleted without a reviewed override."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scripts.infra_diff.model import Impact, ResourceChange, StackDiff

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


@dataclass(frozen=True)
class GuardViolation:
    stack: str
    logical_id: str
    resource_type: str
    cause: str

    def describe(self) -> str:
        return f"{self.stack}: {self.logical_id} ({self.resource_type}) {self.cause}"


def is_protected(display_name: str) -> bool:
    return any(segment in PROTECTED_STAGES for segment in display_name.split("/")[:-1])


def _guarded_changes(diffs: Iterable[StackDiff]) -> Iterable[tuple[StackDiff, ResourceChange]]:
    """The changes to stateful resources (or resources that were stateful) in protected stacks."""
    for diff in diffs:
        if is_protected(diff.display_name):
            for change in diff.resources:
                was_stateful = any(change.type_change.startswith(f"{t} ") for t in STATEFUL_TYPES)
                if change.resource_type in STATEFUL_TYPES or was_stateful:
                    yield diff, change


def stateful_violations(diffs: Iterable[StackDiff]) -> list[GuardViolation]:
    return [
        GuardViolation(diff.display_name, change.logical_id, change.resource_type, cause)
        for diff, change in _guarded_changes(diffs)
        if (cause := violation_cause(change))
    ]


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
    for diff, change in _guarded_changes(diffs):
        conditional = [c for c in change.properties if c.impact == Impact.CONDITIONAL]
        if change.resource_type in STATEFUL_TYPES and conditional and not violation_cause(change):
            cause = "replacement in some cases: " + "; ".join(c.describe() for c in conditional)
            warnings.append(GuardViolation(diff.display_name, change.logical_id, change.resource_type, cause))
    return warnings
