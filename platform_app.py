"""Builds the CDK app from configuration. `app.py` and the tests both use `build_platform_app`, so that the tests
synthesize exactly what `cdk synth` does (same cdk.json feature flags, same context, same cdk-nag checks)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from pipeline.pipeline_stack import PipelineStack, PipelineStackProps
from stacks.config import PlatformConfig, load_platform_config
from stacks.stage import PlatformStage

REPO_ROOT = Path(__file__).resolve().parent


def read_repository_context(root: Path = REPO_ROOT) -> dict[str, Any]:
    """The context `cdk synth` sees from files: cdk.json's `context`, then the cached lookups of cdk.context.json.

    A bare `cdk.App()` reads neither when it is not started by the CDK CLI (aws/aws-cdk#17553).
    """
    context: dict[str, Any] = dict(json.loads((root / "cdk.json").read_text())["context"])
    cached_lookups = root / "cdk.context.json"
    if cached_lookups.exists():
        context.update(json.loads(cached_lookups.read_text()))
    return context


@dataclass(frozen=True)
class PlatformApp:
    app: cdk.App
    config: PlatformConfig
    pipeline: PipelineStack
    stages: Mapping[str, PlatformStage]  # by environment name; staging and prod live inside the pipeline


def build_platform_app(
    *,
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    builtin_validation: bool = True,
    nag: bool = True,
) -> PlatformApp:
    """The whole platform, checked by cdk-nag's AwsSolutions pack: the `Dev` stage, deployed directly by engineers
    (`cdk deploy 'Dev/*'`), and the `Pipeline` stack, which deploys the `Staging` and `Prod` stages on every push.

    `builtin_validation` and `nag` exist for the tests, which run both checks their own way; `cdk synth` keeps
    both on.

    Raises `ConfigError` (one line, for humans) before any resource exists when the configuration is invalid.
    """
    app = cdk.App(
        context=dict(context if context is not None else read_repository_context()),
        outdir=outdir,
        builtin_cloud_formation_validation=builtin_validation,
        # Templates depend on the code and cdk.json only: no per-run construct stack traces (they carry the
        # jsii kernel's temp folder) and no library-usage analytics resource that changes with every upgrade.
        stack_traces=False,
        analytics_reporting=False,
    )
    # Values given with `cdk synth -c key=value` win over the files: read through the app's merged context.
    config = load_platform_config(app.node.try_get_context)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))

    dev = PlatformStage(app, config.environment("dev"))
    pipeline = PipelineStack(app, "Pipeline", PipelineStackProps(platform=config))
    stages = {"dev": dev, "staging": pipeline.staging, "prod": pipeline.prod}
    return PlatformApp(app=app, config=config, pipeline=pipeline, stages=stages)
