"""Synthesis is deterministic: a second synthesis of the same commit gives byte-identical templates."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SynthesizedPlatform, synthesize_platform


def test_two_synths_give_byte_identical_templates(synthesized: SynthesizedPlatform, tmp_path: Path) -> None:
    second = synthesize_platform(tmp_path / "second")

    assert sorted(second.stacks) == sorted(synthesized.stacks)
    for name, stack in synthesized.stacks.items():
        assert second.stacks[name].template_path.read_bytes() == stack.template_path.read_bytes(), name
