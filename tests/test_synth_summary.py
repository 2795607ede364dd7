"""The summary `make synth` prints."""

from __future__ import annotations

from scripts.synth_summary import summarize
from tests.conftest import ALL_STACKS, SynthesizedPlatform


def test_summary_lists_every_stack_with_its_resource_count(synthesized: SynthesizedPlatform) -> None:
    summary = summarize(synthesized.outdir).splitlines()

    for name, stack in synthesized.stacks.items():
        (line,) = [line for line in summary if line.startswith(f"{stack.display_name} ")]
        assert int(line.split()[1]) == synthesized.stacks[name].resource_count()
    assert (
        summary[-2]
        == f"{len(ALL_STACKS)} stacks, {sum(s.resource_count() for s in synthesized.stacks.values())} resources"
    )


def test_summary_counts_the_acknowledged_findings(synthesized: SynthesizedPlatform) -> None:
    last_line = summarize(synthesized.outdir).splitlines()[-1]
    acknowledged = [
        ack for stack in synthesized.stacks.values() for ack in stack.acknowledgments if "AwsSolutions-" in ack[1]
    ]

    assert acknowledged
    assert last_line == (
        f"cdk-nag AwsSolutions: passed, 0 unacknowledged findings, {len(acknowledged)} acknowledged with reasons"
    )
