"""Prints what `make synth` produced: every stack with its resource count, and the cdk-nag result.

Synthesis itself fails on any unacknowledged cdk-nag finding, so reaching this script means the pack passed;
the summary says how many findings were acknowledged (each with its reason in the assembly's metadata).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scripts.cloud_assembly import read_stacks

NAG_PREFIX = "AwsSolutions-"


def summarize(assembly_dir: Path) -> str:
    stacks = read_stacks(assembly_dir)
    if not stacks:
        raise SystemExit(f"{assembly_dir}: no stacks found; did synthesis run?")
    width = max(len(stack.display_name) for stack in stacks)
    lines = [f"{'stack'.ljust(width)}  resources  termination protection"]
    for stack in stacks:
        protection = "on" if stack.termination_protection else "off"
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
