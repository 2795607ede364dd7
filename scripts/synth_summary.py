"""Prints what `make synth` produced: every stack with its resource count and termination protection, and the
cdk-nag result.

Termination protection is what CloudFormation will show once the stack is deployed, not what the code declares:
`cdk deploy` applies a stack's `terminationProtection`, but CDK Pipelines ignores it (aws/aws-cdk#17871). For a stack
that a pipeline deploys (a CloudFormation action of a pipeline in the assembly names it), "on" needs a pipeline step
that turns it on in that stack's account (pipeline/termination_protection.py writes one); a stack that declares it
without such a step is reported off, with the reason.

Synthesis itself fails on any unacknowledged cdk-nag finding, so reaching this script means the pack passed;
the summary says how many findings were acknowledged (each with its reason in the assembly's metadata).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.cloud_assembly import SynthesizedStack, read_stacks

NAG_PREFIX = "AwsSolutions-"
# CloudFormation stack names: a letter, then letters, digits and hyphens.
_ENABLED_STACK = re.compile(
    r"update-termination-protection --enable-termination-protection --stack-name ([A-Za-z][-A-Za-z0-9]*)"
)
_DEPLOY_ROLE_ACCOUNT = re.compile(r"role/cdk-[a-z0-9]+-deploy-role-(\d{12})-")


@dataclass(frozen=True)
class PipelineDeployments:
    """What the pipelines in the assembly do: the stacks their CloudFormation actions deploy, and the (account,
    stack name) pairs a CodeBuild step turns termination protection on for."""

    deployed: frozenset[str]
    protected: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, stacks: Iterable[SynthesizedStack]) -> PipelineDeployments:
        deployed: set[str] = set()
        protected: set[tuple[str, str]] = set()
        for stack in stacks:
            for resource in stack.template().get("Resources", {}).values():
                properties = resource.get("Properties", {})
                if resource.get("Type") == "AWS::CodePipeline::Pipeline":
                    deployed |= _cloudformation_action_stacks(properties)
                elif resource.get("Type") == "AWS::CodeBuild::Project":
                    protected |= _protected_by_buildspec(json.dumps(properties.get("Source", {}).get("BuildSpec")))
        return cls(deployed=frozenset(deployed), protected=frozenset(protected))

    def termination_protection(self, stack: SynthesizedStack) -> str:
        if stack.stack_name not in self.deployed:
            return "on" if stack.termination_protection else "off"
        if (stack.account, stack.stack_name) in self.protected:
            return "on (set by the pipeline after deploying)"
        if stack.termination_protection:
            return "off (declared, but CDK Pipelines ignores it and no pipeline step sets it)"
        return "off"


def _cloudformation_action_stacks(pipeline: dict[str, Any]) -> set[str]:
    stages = pipeline.get("Stages", [])
    actions = [action for stage in stages if isinstance(stage, dict) for action in stage.get("Actions", [])]
    return {
        str(action["Configuration"]["StackName"])
        for action in actions
        if action.get("ActionTypeId", {}).get("Provider") == "CloudFormation"
        and "StackName" in action.get("Configuration", {})
    }


def _protected_by_buildspec(buildspec: str) -> set[tuple[str, str]]:
    """A step protects the stacks it enables, in the one account whose deploy role it assumes."""
    accounts = set(_DEPLOY_ROLE_ACCOUNT.findall(buildspec))
    if len(accounts) != 1:
        return set()
    (account,) = accounts
    return {(account, name) for name in _ENABLED_STACK.findall(buildspec)}


def summarize(assembly_dir: Path) -> str:
    stacks = read_stacks(assembly_dir)
    if not stacks:
        raise SystemExit(f"{assembly_dir}: no stacks found; did synthesis run?")
    pipelines = PipelineDeployments.of(stacks)
    width = max(len(stack.display_name) for stack in stacks)
    lines = [f"{'stack'.ljust(width)}  resources  termination protection"]
    for stack in stacks:
        protection = pipelines.termination_protection(stack)
        lines.append(f"{stack.display_name.ljust(width)}  {stack.resource_count():>9}  {protection}")
    total = sum(stack.resource_count() for stack in stacks)
    lines.append(f"{len(stacks)} stacks, {total} resources")

    acknowledgments = [ack for stack in stacks for ack in stack.acknowledgments if NAG_PREFIX in ack[1]]
    # `cdk synth` fails on any unacknowledged finding (cdk-nag runs as a validation plugin): here it has passed.
    lines.append(
        f"cdk-nag AwsSolutions: passed, 0 unacknowledged findings, {len(acknowledgments)} acknowledged with reasons"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("assembly", type=Path, nargs="?", default=Path("cdk.out"))
    args = parser.parse_args(argv)
    print(summarize(args.assembly))
    return 0


if __name__ == "__main__":
    sys.exit(main())
