"""The offline infrastructure diff (scripts/infra_diff.py): what a pull request comment says per stack."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from scripts import infra_diff
from scripts.infra_diff import Impact, StackDiff, compare_assemblies
from scripts.template_normalization import ASSET_HASH
from tests.conftest import SynthesizedPlatform
from tests.fixtures.cloud_assemblies import load_template, resource, write_assembly

IMAGE_HASH = "7e3a60c191236141f6ccc3e92d0605dec5e6b8caa9ca87a4587c88fbe7d72012"
NEW_IMAGE_HASH = "0123456789abcdef" * 4


def diff_stacks(
    tmp_path: Path, base: Mapping[str, dict[str, Any]], head: Mapping[str, dict[str, Any]]
) -> dict[str, StackDiff]:
    base_dir = write_assembly(tmp_path / "base", base)
    head_dir = write_assembly(tmp_path / "head", head)
    return {diff.display_name: diff for diff in compare_assemblies(base_dir, head_dir)}


def diff_database(tmp_path: Path, head: dict[str, Any], stack: str = "Dev/Database") -> StackDiff:
    return diff_stacks(tmp_path, {stack: load_template("database")}, {stack: head})[stack]


def only_change(diff: StackDiff) -> infra_diff.ResourceChange:
    (change,) = diff.resources
    return change


def test_identical_assemblies_have_no_changes(tmp_path: Path) -> None:
    stacks = {"Dev/Database": load_template("database"), "Pipeline/Prod/Service": load_template("service")}

    diffs = diff_stacks(tmp_path, stacks, stacks)

    assert {name: diff.status for name, diff in diffs.items()} == {
        "Dev/Database": "unchanged",
        "Pipeline/Prod/Service": "unchanged",
    }
    assert infra_diff.text_summary(list(diffs.values())).endswith("0 of 2 stacks changed")


def test_a_mutable_property_change_is_an_update(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["AllocatedStorage"] = "300"

    change = only_change(diff_database(tmp_path, head))

    assert (change.logical_id, change.kind, change.impact) == ("Postgres", "modified", Impact.UPDATE)
    assert [p.name for p in change.properties] == ["AllocatedStorage"]
    assert not change.replaced


def test_a_create_only_property_change_is_a_replacement_that_names_the_property(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["DBName"] = "competitions"

    change = only_change(diff_database(tmp_path, head))

    assert change.replaced and change.impact == Impact.REPLACE
    assert [(p.name, p.reason) for p in change.properties] == [("DBName", "create-only")]


def test_a_create_only_property_set_from_an_intrinsic_may_replace(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "PostgresSecurityGroup")["Properties"]["VpcId"] = {"Fn::ImportValue": "Network-VpcId"}

    by_id = {change.logical_id: change for change in diff_database(tmp_path, head).resources}

    assert by_id["PostgresSecurityGroup"].impact == Impact.MAY_REPLACE
    assert "known only at deploy time" in by_id["PostgresSecurityGroup"].properties[0].reason
    # The ingress rule's GroupId (create-only) refers to the group, so the rule may be replaced with it.
    assert by_id["PostgresFromService"].impact == Impact.MAY_REPLACE


def test_a_conditionally_create_only_property_is_reported_but_not_a_replacement(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["MultiAZ"] = False

    change = only_change(diff_database(tmp_path, head))

    assert change.impact == Impact.CONDITIONAL and not change.replaced


def test_a_deleted_resource_is_removed(tmp_path: Path) -> None:
    head = load_template("database")
    del head["Resources"]["PostgresFromService"]

    change = only_change(diff_database(tmp_path, head))

    assert (change.logical_id, change.kind, change.renamed_to) == ("PostgresFromService", "removed", "")


def test_a_changed_logical_id_is_a_removal_and_an_addition_linked_to_each_other(tmp_path: Path) -> None:
    head = load_template("database")
    head["Resources"]["PostgresRenamed"] = head["Resources"].pop("Postgres")

    diff = diff_database(tmp_path, head)

    assert [c.logical_id for c in diff.of_kind("added")] == ["PostgresRenamed"]
    assert [(c.logical_id, c.renamed_to) for c in diff.of_kind("removed")] == [("Postgres", "PostgresRenamed")]


def test_a_changed_type_is_a_replacement(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "PostgresSecret")["Type"] = "AWS::SSM::Parameter"

    by_id = {change.logical_id: change for change in diff_database(tmp_path, head).resources}

    assert by_id["PostgresSecret"].replaced
    assert by_id["PostgresSecret"].type_change == "AWS::SecretsManager::Secret -> AWS::SSM::Parameter"
    assert by_id["PostgresSecretPolicy"].replaced  # its SecretId (create-only) refers to the replaced secret


def test_a_replacement_propagates_to_create_only_properties_that_reference_it(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "SubnetGroup")["Properties"]["DBSubnetGroupName"] = "platform-database"

    diff = diff_database(tmp_path, head)

    by_id = {change.logical_id: change for change in diff.resources}
    assert by_id["SubnetGroup"].impact == Impact.REPLACE
    assert by_id["Postgres"].impact == Impact.MAY_REPLACE
    assert by_id["Postgres"].properties[0].name == "DBSubnetGroupName"
    assert "references SubnetGroup" in by_id["Postgres"].properties[0].reason


def test_iam_statement_changes_are_called_out(tmp_path: Path) -> None:
    base = load_template("service")
    head = load_template("service")
    statements = resource(head, "TaskRoleDefaultPolicy")["Properties"]["PolicyDocument"]["Statement"]
    statements.append({"Action": "s3:DeleteObject", "Effect": "Allow", "Resource": "*"})

    diff = diff_stacks(tmp_path, {"Prod/Service": base}, {"Prod/Service": head})["Prod/Service"]

    assert only_change(diff).iam == ("+ PolicyDocument: Allow s3:DeleteObject on *",)


def test_resource_policy_changes_are_iam_changes(tmp_path: Path) -> None:
    head = load_template("database")
    policy = resource(head, "PostgresSecretPolicy")["Properties"]["ResourcePolicy"]
    policy["Statement"][0]["Effect"] = "Allow"

    change = only_change(diff_database(tmp_path, head))

    assert change.iam == (
        "+ ResourcePolicy: Allow secretsmanager:DeleteSecret for {AWS: arn:aws:iam::333333333333:root} on *",
        "- ResourcePolicy: Deny secretsmanager:DeleteSecret for {AWS: arn:aws:iam::333333333333:root} on *",
    )


def test_an_added_role_lists_its_trust_policy(tmp_path: Path) -> None:
    head = load_template("service")
    head["Resources"]["AdminRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": "*"}}]
            },
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"],
        },
    }

    diff = diff_stacks(tmp_path, {"Prod/Service": load_template("service")}, {"Prod/Service": head})["Prod/Service"]

    assert only_change(diff).iam == (
        "+ AssumeRolePolicyDocument: Allow sts:AssumeRole for {AWS: *}",
        "+ managed policy arn:aws:iam::aws:policy/AdministratorAccess",
    )


def test_security_group_rule_changes_are_called_out(tmp_path: Path) -> None:
    head = load_template("database")
    rules = resource(head, "PostgresSecurityGroup")["Properties"]
    rules["SecurityGroupIngress"] = [{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}]
    head["Resources"]["PostgresFromService"]["Properties"]["SourceSecurityGroupId"] = "sg-other"

    diff = diff_database(tmp_path, head)

    by_id = {change.logical_id: change.security_groups for change in diff.resources}
    assert by_id["PostgresSecurityGroup"] == ("+ ingress tcp 5432 from 0.0.0.0/0",)
    assert by_id["PostgresFromService"] == (
        "+ ingress tcp 5432 from sg-other on PostgresSecurityGroup.GroupId",
        "- ingress tcp 5432 from sg-service on PostgresSecurityGroup.GroupId",
    )


def test_an_added_rule_resource_is_reported_as_added_only(tmp_path: Path) -> None:
    head = load_template("database")
    head["Resources"]["PostgresFromWorkers"] = {
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "SourceSecurityGroupId": "sg-workers"},
    }

    diff = diff_database(tmp_path, head)

    by_id = {change.logical_id: change.security_groups for change in diff.resources}
    assert by_id["PostgresFromWorkers"] == ("+ ingress tcp 5432 from sg-workers",)


def test_an_image_hash_change_is_one_asset_line_not_a_replacement(tmp_path: Path) -> None:
    base = load_template("service")
    head = load_template("service")
    container = resource(head, "WebTask")["Properties"]["ContainerDefinitions"][0]
    container["Image"]["Fn::Sub"] = container["Image"]["Fn::Sub"].replace(IMAGE_HASH, NEW_IMAGE_HASH)

    diff = diff_stacks(tmp_path, {"Prod/Service": base}, {"Prod/Service": head})["Prod/Service"]

    change = only_change(diff)
    assert change.asset_only and change.asset_change == "container image changed"
    assert diff.replaced == [] and diff.updated == []
    report = infra_diff.markdown_report([diff], base_label="base", head_label="head")
    assert "- container image changed: `WebTask`" in report
    assert "| replaced |" not in report


def test_an_image_change_with_a_real_change_reports_both(tmp_path: Path) -> None:
    head = load_template("service")
    container = resource(head, "WebTask")["Properties"]["ContainerDefinitions"][0]
    container["Image"]["Fn::Sub"] = container["Image"]["Fn::Sub"].replace(IMAGE_HASH, NEW_IMAGE_HASH)
    resource(head, "WebTask")["Properties"]["Memory"] = "4096"

    diff = diff_stacks(tmp_path, {"Prod/Service": load_template("service")}, {"Prod/Service": head})["Prod/Service"]

    change = only_change(diff)
    assert [p.name for p in change.properties] == ["Memory"]
    assert change.asset_change == "container image changed" and change.replaced


def test_a_rehashed_function_version_is_a_new_version_not_a_removal(tmp_path: Path) -> None:
    def with_version(config_hash: str) -> dict[str, Any]:
        template = load_template("service")
        version_id = f"RunnerCurrentVersionB2D5A198{config_hash}"
        template["Resources"][version_id] = {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": "f"}}
        return template

    diff = diff_stacks(
        tmp_path,
        {"Prod/Service": with_version("3b157604eb0cac45b80f4012f5ed952f")},
        {"Prod/Service": with_version("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")},
    )["Prod/Service"]

    assert [(c.kind, c.asset_change) for c in diff.resources] == [("modified", "new function version (asset changed)")]


def test_stacks_added_and_removed(tmp_path: Path) -> None:
    diffs = diff_stacks(
        tmp_path, {"Staging/Service": load_template("service")}, {"Staging/Database": load_template("database")}
    )

    assert diffs["Staging/Database"].status == "added"
    assert {c.kind for c in diffs["Staging/Database"].resources} == {"added"}
    assert diffs["Staging/Service"].status == "removed"
    assert {c.kind for c in diffs["Staging/Service"].resources} == {"removed"}


def test_a_base_without_a_cdk_app_means_every_stack_is_added(tmp_path: Path) -> None:
    head = write_assembly(tmp_path / "head", {"Dev/Database": load_template("database")})

    (diff,) = compare_assemblies(None, head)

    assert diff.status == "added" and len(diff.resources) == len(load_template("database")["Resources"])


def test_a_base_commit_without_cdk_json_has_no_app_and_leaves_no_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("before the CDK app\n")
    git = ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for command in (["init", "-q"], ["add", "README.md"], ["commit", "-q", "-m", "first"]):
        subprocess.run([*git, *command], check=True)

    assert infra_diff.synthesize_ref("HEAD", tmp_path / "out", repo=repo) is False
    worktrees = subprocess.run([*git, "worktree", "list"], check=True, capture_output=True, text=True).stdout
    assert len(worktrees.splitlines()) == 1


def test_an_unknown_base_ref_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = infra_diff.main(["--base", "no-such-ref-anywhere", "--head-assembly", str(tmp_path)])

    assert code == 2
    assert "could not synthesize no-such-ref-anywhere" in capsys.readouterr().err


def test_output_changes_are_listed(tmp_path: Path) -> None:
    head = load_template("database")
    head["Outputs"]["Endpoint"] = {"Value": {"Fn::GetAtt": ["Postgres", "Endpoint.Address"]}}
    del head["Outputs"]["SecretArn"]

    diff = diff_database(tmp_path, head)

    assert diff.status == "changed" and diff.outputs == ("+ Endpoint", "- SecretArn")


def test_the_markdown_report_carries_the_marker_and_one_section_per_changed_stack(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["DBName"] = "competitions"
    diffs = diff_stacks(
        tmp_path,
        {"Dev/Database": load_template("database"), "Dev/Service": load_template("service")},
        {"Dev/Database": head, "Dev/Service": load_template("service")},
    )

    report = infra_diff.markdown_report(list(diffs.values()), base_label="`origin/main`", head_label="`cdk.out`")

    assert report.startswith(infra_diff.REPORT_MARKER + "\n")
    assert "### Dev/Database" in report and "### Dev/Service" not in report
    assert "| replaced | `Postgres` | `AWS::RDS::DBInstance` | `DBName` (create-only) |" in report
    assert "Unchanged stacks</summary>\n\nDev/Service" in report


def test_a_report_longer_than_a_github_comment_is_cut_with_a_pointer_to_the_full_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["DBName"] = "competitions"
    diffs = diff_stacks(tmp_path, {"Dev/Database": load_template("database")}, {"Dev/Database": head})
    full = infra_diff.markdown_report(list(diffs.values()), base_label="`origin/main`", head_label="`cdk.out`")
    assert infra_diff.MAX_REPORT_CHARS + 100 < 65_536  # GitHub's limit for a comment body, with room for the note
    monkeypatch.setattr(infra_diff.report, "MAX_REPORT_CHARS", len(full) // 2)

    report = infra_diff.markdown_report(list(diffs.values()), base_label="`origin/main`", head_label="`cdk.out`")

    assert report.startswith(infra_diff.REPORT_MARKER)
    assert report.startswith(full[: len(full) // 2])
    assert report.endswith("(truncated: run `make diff` locally for the full report)\n")


def test_the_command_writes_the_report_and_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["AllocatedStorage"] = "300"
    base_dir = write_assembly(tmp_path / "base", {"Dev/Database": load_template("database")})
    head_dir = write_assembly(tmp_path / "head", {"Dev/Database": head})
    report = tmp_path / "out" / "infra-diff.md"

    code = infra_diff.main(
        ["--base-assembly", str(base_dir), "--head-assembly", str(head_dir), "--report", str(report)]
    )

    assert code == 0
    assert "Dev/Database: 0 added, 1 modified, 0 replaced, 0 removed" in capsys.readouterr().out
    assert "`AllocatedStorage`" in report.read_text()


def test_a_new_service_image_changes_no_platform_resource_beyond_its_assets(
    synthesized: SynthesizedPlatform, tmp_path: Path
) -> None:
    """The everyday pull request (service code only) on the real templates: every asset hash differs, and the diff
    must show asset changes only, with nothing replaced and nothing for the guard."""
    templates = {stack.display_name: stack.template() for stack in synthesized.stacks.values()}
    rehashed = {
        name: json.loads(ASSET_HASH.sub(lambda match: match.group(0)[::-1], json.dumps(template)))
        for name, template in templates.items()
    }
    base, head = write_assembly(tmp_path / "base", templates), write_assembly(tmp_path / "head", rehashed)

    diffs = compare_assemblies(base, head)

    changed = {diff.display_name for diff in diffs if diff.status != "unchanged"}
    assert {"Dev/Service", "Pipeline/Staging/Service", "Pipeline/Prod/Service"} <= changed
    assert [f"{d.display_name}: {c.logical_id}" for d in diffs for c in d.resources if not c.asset_only] == []
    assert infra_diff.stateful_violations(diffs) == []


def test_every_stateful_type_in_the_platform_has_a_provider_schema(synthesized: SynthesizedPlatform) -> None:
    """The guard relies on createOnlyProperties: a type unknown to cfn-lint's schemas would never be 'replaced'."""
    types = {r["Type"] for stack in synthesized.stacks.values() for r in stack.template()["Resources"].values()}

    for resource_type in sorted(types & infra_diff.STATEFUL_TYPES - {"AWS::KMS::Key"}):  # a key has none
        assert infra_diff.create_only_properties(resource_type).always, resource_type
