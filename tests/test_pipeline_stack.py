"""PipelineStack: the delivery pipeline's structure, its build, gates, alerts and encryption."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import yaml
from aws_cdk.assertions import Match

from pipeline.pipeline_stack import BUILD_COMMANDS, PIPELINE_NAME, pinned_cdk_cli_version
from pipeline.tool_pins import BUILD_IMAGE, CDK_ASSETS_VERSION, MANAGED_IMAGE, NODE_RUNTIME
from stacks.config import PlatformConfig
from tests.conftest import PIPELINE_STACK, SynthesizedPlatform


def code_pipeline(synthesized: SynthesizedPlatform) -> dict[str, Any]:
    (pipeline,) = synthesized.resources(PIPELINE_STACK, "AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]


def stage(synthesized: SynthesizedPlatform, name: str) -> list[dict[str, Any]]:
    (found,) = [s["Actions"] for s in code_pipeline(synthesized)["Stages"] if s["Name"] == name]
    return found


def build_spec(synthesized: SynthesizedPlatform, description_part: str) -> dict[str, Any]:
    """The buildspec of the CodeBuild project whose description names the given step."""
    (project,) = [
        p["Properties"]
        for p in synthesized.resources(PIPELINE_STACK, "AWS::CodeBuild::Project").values()
        if description_part in p["Properties"].get("Description", "")
    ]
    loaded: dict[str, Any] = yaml.safe_load(_joined(project["Source"]["BuildSpec"]))
    return loaded


def _joined(value: Any) -> str:
    """A buildspec is a string, or an Fn::Join when it names a resource (the test report group): tokens become
    placeholders so that the JSON text can be read."""
    if isinstance(value, str):
        return value
    separator, parts = value["Fn::Join"]
    return separator.join(part if isinstance(part, str) else "<token>" for part in parts)


def test_stages_run_in_order_from_source_to_production(synthesized: SynthesizedPlatform) -> None:
    names = [s["Name"] for s in code_pipeline(synthesized)["Stages"]]

    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "Staging", "Prod"]


def test_pipeline_is_type_v2_with_an_encrypted_artifact_store(synthesized: SynthesizedPlatform) -> None:
    properties = code_pipeline(synthesized)

    assert properties["PipelineType"] == "V2"
    assert properties["Name"] == PIPELINE_NAME
    assert properties["ArtifactStore"]["EncryptionKey"]["Type"] == "KMS"
    synthesized.template(PIPELINE_STACK).has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_source_is_the_configured_github_branch_through_the_connection(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    (source,) = stage(synthesized, "Source")

    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == config.pipeline.connection_arn
    assert source["Configuration"]["FullRepositoryId"] == config.pipeline.repository
    assert source["Configuration"]["BranchName"] == config.pipeline.branch
    assert source["Configuration"]["DetectChanges"] is True, "a push to the branch starts the pipeline"


def test_build_runs_lint_tests_and_synth_with_the_repository_makefile(synthesized: SynthesizedPlatform) -> None:
    spec = build_spec(synthesized, "Pipeline/Build/Build")

    assert spec["phases"]["build"]["commands"] == BUILD_COMMANDS
    assert BUILD_COMMANDS == ["make lint", "make test JUNIT_DIR=reports", "make synth"]
    assert spec["artifacts"]["base-directory"] == "cdk.out"
    (report,) = spec["reports"].values()
    assert report == {"files": ["reports/*.xml"], "file-format": "JUNITXML"}
    assert "/root/.cache/pip/**/*" in spec["cache"]["paths"]


def test_build_runs_on_the_debian_image_ci_uses(synthesized: SynthesizedPlatform) -> None:
    synthesized.template(PIPELINE_STACK).has_resource_properties(
        "AWS::CodeBuild::Project",
        {"Environment": Match.object_like({"Image": BUILD_IMAGE}), "Cache": Match.object_like({"Type": "S3"})},
    )


def test_self_mutation_and_asset_publishing_use_the_pinned_cli(synthesized: SynthesizedPlatform) -> None:
    self_mutation = build_spec(synthesized, "SelfMutate")
    specs = every_build_spec(synthesized)

    assert f"npm install -g aws-cdk@{pinned_cdk_cli_version()}" in self_mutation["phases"]["install"]["commands"]
    assert [action["Name"] for action in stage(synthesized, "UpdatePipeline")] == ["SelfMutate"]
    for name in ("DockerAsset", "FileAsset"):
        (spec,) = [spec for project, spec in specs.items() if project.startswith(f"PipelineAssets{name}")]
        assert spec["phases"]["install"]["commands"] == [f"npm install -g cdk-assets@{CDK_ASSETS_VERSION}"]


def every_build_spec(synthesized: SynthesizedPlatform) -> dict[str, dict[str, Any]]:
    """The buildspec of every CodeBuild project in the Pipeline template, by logical id. Asset-publishing projects
    name a buildspec file that CDK Pipelines writes into the cloud assembly next to the template."""
    assembly_dir = synthesized.stacks[PIPELINE_STACK].template_path.parent
    specs: dict[str, dict[str, Any]] = {}
    for logical_id, project in synthesized.resources(PIPELINE_STACK, "AWS::CodeBuild::Project").items():
        text = _joined(project["Properties"]["Source"]["BuildSpec"])
        if re.fullmatch(r"[\w.-]+\.ya?ml", text):
            text = (assembly_dir / text).read_text()
        specs[logical_id] = yaml.safe_load(text)
    return specs


def commands_of(spec: dict[str, Any]) -> list[str]:
    return [command for phase in spec.get("phases", {}).values() for command in phase.get("commands", [])]


EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?")


def unpinned_installs(command: str) -> list[str]:
    """What an install command fetches without an exact version: `npm install [-g] x` without `@version`,
    `pip install y` without `==version` (a `-r` lock file is pinned by its own hashes and `==`), `npx x` without
    a version, and anything that asks for `latest`."""
    words = shlex.split(command)
    problems = [f"{command!r} asks for latest" for word in words if re.search(r"(^|[@=:])latest$", word)]
    for index, word in enumerate(words):
        rest = words[index + 1 :]
        if word == "npm" and rest[:1] and rest[0] in ("install", "i", "add"):
            packages = [w for w in rest[1:] if not w.startswith("-")]
            problems += [f"npm package {p!r} in {command!r}" for p in packages if not _npm_pinned(p)]
        elif word == "npx":
            package = next((w for w in rest if not w.startswith("-")), "")
            problems += [] if _npm_pinned(package) else [f"npx package {package!r} in {command!r}"]
        elif re.fullmatch(r"pip3?|pip3\.\d+", word) and rest[:1] == ["install"]:
            problems += [f"pip package {p!r} in {command!r}" for p in _pip_requirements(rest[1:]) if "==" not in p]
    return problems


def _npm_pinned(package: str) -> bool:
    name, _, version = package.rpartition("@")
    return bool(name) and name != "@" and bool(EXACT_VERSION.fullmatch(version))


def _pip_requirements(arguments: list[str]) -> list[str]:
    requirements: list[str] = []
    skip_next = False
    for argument in arguments:
        if skip_next:
            skip_next = False
        elif argument in ("-r", "--requirement", "-c", "--constraint"):
            skip_next = True
        elif not argument.startswith("-"):
            requirements.append(argument)
    return requirements


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("npm install -g aws-cdk@2.1148.1", []),
        ("npm install -g @action-validator/cli@0.6.0", []),
        ("npm install -g aws-cdk", ["npm package 'aws-cdk'"]),
        ("npm install -g cdk-assets@latest", ["asks for latest", "npm package 'cdk-assets@latest'"]),
        ("npm i -g @scope/tool", ["npm package '@scope/tool'"]),
        ("npm install -g aws-cdk@^2", ["npm package 'aws-cdk@^2'"]),
        ("npx cdk synth", ["npx package 'cdk'"]),
        ("npx --yes aws-cdk@2.1148.1 synth", []),
        ("pip install boto3", ["pip package 'boto3'"]),
        ("python -m pip install 'boto3>=1'", ["pip package 'boto3>=1'"]),
        ("pip install --quiet boto3==1.40.0 -r requirements.txt", []),
        ("make test JUNIT_DIR=reports", []),
    ],
)
def test_unpinned_install_check_finds_what_it_should(command: str, expected: list[str]) -> None:
    problems = unpinned_installs(command)

    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_no_buildspec_of_the_pipeline_installs_an_unpinned_package(synthesized: SynthesizedPlatform) -> None:
    specs = every_build_spec(synthesized)

    problems = {
        logical_id: p for logical_id, spec in specs.items() for c in commands_of(spec) if (p := unpinned_installs(c))
    }

    assert len(specs) == 9, (
        "Build, SelfMutate, two asset projects, two smoke tests, two termination-protection steps, the "
        "permissions check"
    )
    assert sum("install" in c for spec in specs.values() for c in commands_of(spec)) >= 5, "the check saw installs"
    assert problems == {}


def test_every_project_runs_on_a_pinned_image_and_node_tools_on_a_pinned_node(synthesized: SynthesizedPlatform) -> None:
    projects = synthesized.resources(PIPELINE_STACK, "AWS::CodeBuild::Project")
    specs = every_build_spec(synthesized)

    for logical_id, project in projects.items():
        image = project["Properties"]["Environment"]["Image"]
        assert image in (BUILD_IMAGE, MANAGED_IMAGE.image_id), logical_id
        runs_node_tools = any(
            # A command that runs one of them (not a role name such as cdk-hnb659fds-deploy-role-…).
            re.search(r"(^|[\s;&|(])(npm|npx|cdk|cdk-assets|node)(\s|$)", c)
            for c in commands_of(specs[logical_id])
        )
        if image == MANAGED_IMAGE.image_id and runs_node_tools:
            assert specs[logical_id]["phases"]["install"]["runtime-versions"] == {"nodejs": NODE_RUNTIME}, logical_id
    assert re.fullmatch(r"public\.ecr\.aws/docker/library/python@sha256:[0-9a-f]{64}", BUILD_IMAGE)


def test_permissions_check_installs_the_pinned_cdk_cli(synthesized: SynthesizedPlatform) -> None:
    (spec,) = [spec for logical_id, spec in every_build_spec(synthesized).items() if "SecurityCheck" in logical_id]

    assert f"npm install -g aws-cdk@{pinned_cdk_cli_version()}" in spec["phases"]["build"]["commands"]
    assert any("cdk diff -a . --security-only --fail" in c for c in spec["phases"]["build"]["commands"])


def test_assets_are_published_one_project_per_asset_type(synthesized: SynthesizedPlatform) -> None:
    assert sorted(action["Name"] for action in stage(synthesized, "Assets")) == ["DockerAssets", "FileAssets"]


@pytest.mark.parametrize("name", ["Staging", "Prod"])
def test_smoke_test_follows_the_deployment_and_reads_the_service_url(
    synthesized: SynthesizedPlatform, name: str
) -> None:
    actions = stage(synthesized, name)
    service_deploy = next(a for a in actions if a["Name"] == "Service.Deploy")
    smoke_test = next(a for a in actions if a["Name"] == "SmokeTest")

    assert smoke_test["RunOrder"] > max(a["RunOrder"] for a in actions if a["ActionTypeId"]["Category"] == "Deploy")
    assert smoke_test["RunOrder"] > service_deploy["RunOrder"]
    assert "SERVICE_URL" in str(smoke_test["Configuration"]["EnvironmentVariables"])
    assert service_deploy["Configuration"]["StackName"] == f"{name}-Service"


def test_smoke_test_command_checks_the_deployed_url(synthesized: SynthesizedPlatform) -> None:
    spec = build_spec(synthesized, "Pipeline/Prod/SmokeTest")

    assert spec["phases"]["build"]["commands"] == ['python3 -m scripts.smoke_test --url "$SERVICE_URL" --timeout 300']


def test_nothing_reaches_production_without_the_manual_approval(synthesized: SynthesizedPlatform) -> None:
    actions = stage(synthesized, "Prod")
    (approval,) = [a for a in actions if a["Name"] == "PromoteToProduction"]
    (broadening,) = [a for a in actions if a["Name"] == "CheckPermissionsBroadening.Check"]

    assert approval["ActionTypeId"] == {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"}
    assert broadening["RunOrder"] < approval["RunOrder"]
    deploys = [a for a in actions if a["ActionTypeId"]["Category"] == "Deploy"]
    assert deploys and all(a["RunOrder"] > approval["RunOrder"] for a in deploys)


def test_staging_deploys_every_stack_in_dependency_order(synthesized: SynthesizedPlatform) -> None:
    run_order = {a["Name"]: a["RunOrder"] for a in stage(synthesized, "Staging")}

    assert run_order["Network.Deploy"] < run_order["Database.Prepare"]
    assert run_order["Database.Deploy"] < run_order["Service.Prepare"]
    assert run_order["Storage.Deploy"] < run_order["Service.Prepare"]


@pytest.mark.parametrize(("name", "environment"), [("Staging", "staging"), ("Prod", "prod")])
def test_stages_deploy_into_their_own_accounts(
    synthesized: SynthesizedPlatform, config: PlatformConfig, name: str, environment: str
) -> None:
    account = config.environment(environment).account

    deploys = [action for action in stage(synthesized, name) if action["ActionTypeId"]["Category"] == "Deploy"]

    for action in deploys:
        assert f":iam::{account}:role/cdk-hnb659fds-deploy-role-" in str(action["RoleArn"])
    for prepare in [action for action in deploys if action["Configuration"]["ActionMode"] == "CHANGE_SET_REPLACE"]:
        assert f":iam::{account}:role/cdk-hnb659fds-cfn-exec-role-" in str(prepare["Configuration"]["RoleArn"])


def test_failures_are_published_to_an_encrypted_topic_with_an_email_subscription(
    synthesized: SynthesizedPlatform, config: PlatformConfig
) -> None:
    template = synthesized.template(PIPELINE_STACK)

    template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^AlertsKey"), "Arn"]}}
    )
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": config.pipeline.notification_email}
    )
    template.has_resource_properties(
        "AWS::CodeStarNotifications::NotificationRule",
        {
            "EventTypeIds": Match.array_with(
                [
                    "codepipeline-pipeline-pipeline-execution-failed",
                    "codepipeline-pipeline-action-execution-failed",
                ]
            ),
            "Targets": [{"TargetAddress": {"Ref": Match.string_like_regexp("^Alerts")}, "TargetType": "SNS"}],
        },
    )


def test_alerts_topic_refuses_plain_http_publishing(synthesized: SynthesizedPlatform) -> None:
    (policy,) = synthesized.resources(PIPELINE_STACK, "AWS::SNS::TopicPolicy").values()

    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )


def test_artifact_and_cache_buckets_log_access_and_block_public_access(synthesized: SynthesizedPlatform) -> None:
    buckets = synthesized.resources(PIPELINE_STACK, "AWS::S3::Bucket")

    for logical_id, bucket in buckets.items():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True, logical_id
        if not logical_id.startswith("AccessLogs"):
            assert "LoggingConfiguration" in bucket["Properties"], logical_id


def test_pipeline_stack_lives_in_the_tooling_account(synthesized: SynthesizedPlatform, config: PlatformConfig) -> None:
    stack = synthesized.platform.pipeline

    assert stack.account == config.pipeline.account
    assert stack.region == config.pipeline.region
    assert synthesized.stacks[PIPELINE_STACK].termination_protection


def test_dev_stays_directly_deployable_outside_the_pipeline(synthesized: SynthesizedPlatform) -> None:
    assert {name for name, stack in synthesized.stacks.items() if stack.display_name.startswith("Dev/")} == {
        "Dev/Network",
        "Dev/Database",
        "Dev/Storage",
        "Dev/Service",
    }
    assert not [a for s in code_pipeline(synthesized)["Stages"] for a in s["Actions"] if "Dev-" in str(a)]


@pytest.mark.parametrize("name", ["Staging", "Prod"])
def test_each_deployment_migrates_the_database_before_the_service_takes_the_new_version(
    synthesized: SynthesizedPlatform, name: str
) -> None:
    """The pipeline deploys the Service stack whose template runs the migration Trigger before updating the ECS
    services; a failed migration fails this deploy action, and the smoke test after it never runs."""
    (prepare,) = [a for a in stage(synthesized, name) if a["Name"] == "Service.Prepare"]
    template_file = prepare["Configuration"]["TemplatePath"].split("::")[1]
    service_stack = synthesized.stacks[f"{name}/Service"]

    assert template_file.endswith(service_stack.template_path.name)
    (trigger_id,) = synthesized.resources(f"{name}/Service", "Custom::Trigger")
    services = synthesized.resources(f"{name}/Service", "AWS::ECS::Service").values()
    assert len(services) == 2, "the web service and the scoring workers run the same image"
    for service in services:
        assert trigger_id in service["DependsOn"]
