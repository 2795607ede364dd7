"""Pinned versions of everything the pipeline's CodeBuild projects run on or install.

An unpinned tool changes under an unchanged commit: `npm install -g cdk-assets@latest` or a CodeBuild image's default
Node can break (or silently change) a release that passed yesterday. So:

- The Build step runs on a Docker Official Image from ECR Public, pinned by the digest of its multi-platform index
  (from docker-library/repo-info: `python:3.11.16-bookworm` as built on 2026-08-25). CodeBuild documents
  `<registry>/<repository>@<digest>` for image digests; a tag next to the digest is not documented, so the tag lives
  in `BUILD_IMAGE_TAG` only.
- The projects CDK Pipelines generates (self-mutation, asset publishing, smoke tests, the permissions-broadening
  check) run on CodeBuild's managed Ubuntu image `standard:7.0`. Managed images are addressed by name and version
  only (AWS patches them in place and caches them on the build hosts; there is no digest to pin), so the version is
  pinned and the Node.js runtime is chosen explicitly instead of the image's default, which moves when a version
  reaches end of life.
- The CDK CLI version comes from package.json (pipeline_stack.pinned_cdk_cli_version); cdk-assets is pinned here.
"""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import pipelines

BUILD_IMAGE_TAG = "3.11.16-bookworm"
BUILD_IMAGE = (
    "public.ecr.aws/docker/library/python@sha256:afc841bae86c26359264d0566c2a982e08e473d51796c2b00c24ddf0829ae607"
)
MANAGED_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
# Node.js 22 is a maintained LTS line (security fixes until April 2027) that `standard:7.0` offers as a runtime.
NODE_RUNTIME = "22"
# The asset-publishing CLI (npm package `cdk-assets`), released separately from the CDK CLI. Pin a version that reads
# the asset manifests of the pinned aws-cdk-lib; update it together with aws-cdk-lib.
CDK_ASSETS_VERSION = "4.7.3"

# The one unpinned install in the buildspec of ConfirmPermissionsBroadening's project (aws-cdk-lib 2.275).
_UNPINNED_CDK_INSTALL = "npm install -g aws-cdk"


def node_runtime_options() -> pipelines.CodeBuildOptions:
    """CodeBuild defaults for generated projects that run Node tools (the CDK CLI, cdk-assets)."""
    return pipelines.CodeBuildOptions(partial_build_spec=codebuild.BuildSpec.from_object(_node_runtime_phase()))


def managed_image_options() -> pipelines.CodeBuildOptions:
    """CodeBuild defaults for every generated project: the managed image's version, fixed here rather than by
    whatever CDK Pipelines defaults to after an upgrade. Steps with their own build environment (Build) keep it."""
    return pipelines.CodeBuildOptions(build_environment=codebuild.BuildEnvironment(build_image=MANAGED_IMAGE))


def pin_permissions_check(pipeline: pipelines.CodePipeline, cdk_cli_version: str) -> None:
    """Pins the CDK CLI and Node of the project behind `ConfirmPermissionsBroadening`.

    CDK Pipelines builds that project with a fixed buildspec (`npm install -g aws-cdk`, unpinned) and neither
    `code_build_defaults` nor `cli_version` reach it, so its rendered buildspec is rewritten after
    `build_pipeline()`. If an upgrade of aws-cdk-lib changes the generated commands, synthesis fails here instead
    of shipping an unpinned install.
    """
    project = pipeline.node.find_child("PipelinesSecurityCheck").node.find_child("CDKSecurityCheck")
    cfn_project = project.node.default_child
    if not isinstance(cfn_project, codebuild.CfnProject):
        raise TypeError(f"{project.node.path} has no CfnProject: CDK Pipelines changed its security check")
    source = cdk.Stack.of(project).resolve(cfn_project.source)
    spec, tokens = _parse_joined_json(source["buildSpec"])
    commands: list[str] = spec["phases"]["build"]["commands"]
    if commands.count(_UNPINNED_CDK_INSTALL) != 1:
        raise ValueError(
            f"{project.node.path}: expected one `{_UNPINNED_CDK_INSTALL}` in the generated buildspec, found "
            f"{commands}; pin the CDK CLI of the permissions check again after this aws-cdk-lib upgrade"
        )
    commands[commands.index(_UNPINNED_CDK_INSTALL)] = f"{_UNPINNED_CDK_INSTALL}@{cdk_cli_version}"
    spec["phases"] = {**_node_runtime_phase()["phases"], **spec["phases"]}
    cfn_project.add_property_override("Source.BuildSpec", _render_joined_json(spec, tokens))
    cfn_project.add_property_override("Environment.Image", MANAGED_IMAGE.image_id)


def _node_runtime_phase() -> dict[str, Any]:
    return {"phases": {"install": {"runtime-versions": {"nodejs": NODE_RUNTIME}}}}


_PLACEHOLDER = "@@token{}@@"
_PLACEHOLDER_PATTERN = re.compile(r"@@token(\d+)@@")


def _parse_joined_json(value: Any) -> tuple[dict[str, Any], list[Any]]:
    """A buildspec rendered as `Fn::Join` (it names resources): JSON text with the references replaced by
    placeholders, and the references in order."""
    if isinstance(value, str):
        loaded: dict[str, Any] = json.loads(value)
        return loaded, []
    separator, parts = value["Fn::Join"]
    if separator != "":
        raise ValueError(f"unexpected Fn::Join separator {separator!r} in a buildspec")
    tokens: list[Any] = []
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            text += _PLACEHOLDER.format(len(tokens))
            tokens.append(part)
    parsed: dict[str, Any] = json.loads(text)
    return parsed, tokens


def _render_joined_json(spec: dict[str, Any], tokens: list[Any]) -> Any:
    text = json.dumps(spec, indent=2)
    if not tokens:
        return text
    parts: list[Any] = []
    position = 0
    for match in _PLACEHOLDER_PATTERN.finditer(text):
        parts.append(text[position : match.start()])
        parts.append(tokens[int(match.group(1))])
        position = match.end()
    parts.append(text[position:])
    return {"Fn::Join": ["", parts]}
