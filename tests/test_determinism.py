"""Synthesis is deterministic: a second synthesis of the same commit gives byte-identical templates."""

from __future__ import annotations

from tests.conftest import SynthesizedPlatform


def test_two_synths_give_byte_identical_templates(
    synthesized: SynthesizedPlatform, second_synthesis: SynthesizedPlatform
) -> None:
    second = second_synthesis

    assert sorted(second.stacks) == sorted(synthesized.stacks)
    for name, stack in synthesized.stacks.items():
        assert second.stacks[name].template_path.read_bytes() == stack.template_path.read_bytes(), name
