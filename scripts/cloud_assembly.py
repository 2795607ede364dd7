"""Reads a synthesized cloud assembly (cdk.out): its stacks, their templates and acknowledged cdk-nag findings.

Stages are nested assemblies (`assembly-Dev/`); this walks them so callers see one flat list of stacks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"


@dataclass(frozen=True)
class SynthesizedStack:
    display_name: str  # "Dev/Network": the name `cdk synth`, `cdk diff` and `cdk deploy` accept
    stack_name: str  # "Dev-Network": the CloudFormation stack's name, which cross-stack references name
    account: str  # the account the stack deploys into ("unknown-account" when the stack has no explicit one)
    template_path: Path
    termination_protection: bool
    acknowledgments: tuple[tuple[str, str, str], ...]  # (construct path, rule id, reason)

    def template(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.template_path.read_text())
        return loaded

    def resource_count(self) -> int:
        return len(self.template().get("Resources", {}))


def read_stacks(assembly_dir: Path) -> list[SynthesizedStack]:
    """Every stack in the assembly and its nested assemblies, sorted by display name."""
    return sorted(_walk(assembly_dir), key=lambda stack: stack.display_name)


def _walk(assembly_dir: Path) -> Iterator[SynthesizedStack]:
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == NESTED_ASSEMBLY_ARTIFACT:
            yield from _walk(assembly_dir / properties["directoryName"])
        elif artifact["type"] == STACK_ARTIFACT:
            yield SynthesizedStack(
                display_name=artifact.get("displayName", artifact_id),
                stack_name=properties.get("stackName", artifact_id),
                account=_account(artifact.get("environment", "")),
                template_path=assembly_dir / properties["templateFile"],
                termination_protection=bool(properties.get("terminationProtection", False)),
                acknowledgments=tuple(_acknowledgments(assembly_dir, artifact)),
            )


def _account(environment: str) -> str:
    """`aws://111111111111/eu-west-1` → `111111111111`."""
    return environment.removeprefix("aws://").split("/")[0] or "unknown-account"


def _acknowledgments(assembly_dir: Path, artifact: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    metadata = artifact.get("metadata", {})
    metadata_file = artifact.get("additionalMetadataFile")
    if metadata_file:
        metadata = {**metadata, **json.loads((assembly_dir / metadata_file).read_text())}
    for construct_path, entries in sorted(metadata.items()):
        for entry in entries:
            if entry.get("type") == ACKNOWLEDGED_RULES:
                for rule_id, reason in entry["data"].items():
                    yield construct_path, rule_id, reason
