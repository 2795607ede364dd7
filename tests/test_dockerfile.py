"""The service image builds without Docker Hub: no BuildKit frontend pulled by a `# syntax=` line, and every base
image comes from ECR Public pinned by digest, so a rebuilt tag cannot change what the pipeline builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCKERFILE = Path(__file__).resolve().parent.parent / "service" / "Dockerfile"
PINNED_ECR_PUBLIC = re.compile(r"public\.ecr\.aws/docker/library/[a-z0-9._-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}")


def base_images(dockerfile: str) -> list[str]:
    """The image of every FROM, with `${ARG}` replaced by the ARG's default; later stages named by FROM ... AS are
    not base images."""
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile, flags=re.MULTILINE))
    stages: set[str] = set()
    images: list[str] = []
    for image, stage in re.findall(r"^FROM (\S+)(?: AS (\S+))?$", dockerfile, flags=re.MULTILINE | re.IGNORECASE):
        resolved = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m.group(1) or m.group(2)], image)
        if resolved not in stages:
            images.append(resolved)
        if stage:
            stages.add(stage)
    return images


def test_no_syntax_directive_makes_buildkit_pull_a_frontend() -> None:
    directives = [line for line in DOCKERFILE.read_text().splitlines() if re.match(r"#\s*syntax\s*=", line, re.I)]

    assert directives == []


def test_every_base_image_is_from_ecr_public_and_pinned_by_digest() -> None:
    images = base_images(DOCKERFILE.read_text())

    assert images, "the Dockerfile has base images"
    assert [image for image in images if not PINNED_ECR_PUBLIC.fullmatch(image)] == []


@pytest.mark.parametrize(
    ("dockerfile", "allowed"),
    [
        ("FROM python:3.11-slim\n", False),
        ("FROM public.ecr.aws/docker/library/python:3.11-slim\n", False),
        (
            "ARG IMAGE=public.ecr.aws/docker/library/python:3.11-slim@sha256:" + "a" * 64 + "\nFROM ${IMAGE} AS b\n",
            True,
        ),
        ("FROM docker.io/library/python@sha256:" + "a" * 64 + "\n", False),
    ],
)
def test_the_pin_check_tells_pinned_from_unpinned(dockerfile: str, allowed: bool) -> None:
    (image,) = base_images(dockerfile)

    assert bool(PINNED_ECR_PUBLIC.fullmatch(image)) is allowed
