"""A snapshot of every synthesized template. A failure shows the template diff; after reviewing it, re-record with
`make snapshot-update` and commit the snapshot with the change that caused it."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from scripts.template_normalization import ASSET_HASH_PLACEHOLDER, normalize_template
from tests.conftest import ALL_STACKS, SynthesizedPlatform


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", ALL_STACKS, ids=[stack.replace("/", "-") for stack in ALL_STACKS])
def test_template_matches_snapshot(
    synthesized: SynthesizedPlatform, snapshot_json: SnapshotAssertion, stack: str
) -> None:
    assert normalize_template(synthesized.template_json(stack)) == snapshot_json


def test_the_service_image_hash_is_normalized(synthesized: SynthesizedPlatform) -> None:
    """Editing service/ changes the image asset hash; the snapshot must not see it."""
    template = normalize_template(synthesized.template_json("Dev/Service"))
    web_task = next(
        resource
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::ECS::TaskDefinition" and resource["Properties"]["Family"].endswith("-web")
    )

    image = web_task["Properties"]["ContainerDefinitions"][0]["Image"]

    assert ASSET_HASH_PLACEHOLDER in str(image)
