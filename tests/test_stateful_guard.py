"""The stateful-resource guard (`make guard`): no replaced or deleted database, secret, key, bucket or VPC in
staging or production without the reviewed override."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts import infra_diff
from tests.conftest import SynthesizedPlatform
from tests.fixtures.cloud_assemblies import load_template, resource, write_assembly
from tests.test_stateful_resources import DATABASE_SECRET_LOGICAL_IDS, STATEFUL_LOGICAL_IDS


def run_guard(tmp_path: Path, stack: str, head: dict[str, Any], *extra: str, base_name: str = "database") -> int:
    base_dir = write_assembly(tmp_path / "base", {stack: load_template(base_name)})
    head_dir = write_assembly(tmp_path / "head", {stack: head})
    return infra_diff.main(["--base-assembly", str(base_dir), "--head-assembly", str(head_dir), "--guard", *extra])


def database_with_new_name() -> dict[str, Any]:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["DBName"] = "competitions"
    return head


@pytest.fixture(autouse=True)
def no_override_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(infra_diff.OVERRIDE_ENV, raising=False)


def test_every_resource_pinned_as_stateful_is_of_a_guarded_type(synthesized: SynthesizedPlatform) -> None:
    # tests/test_stateful_resources.py pins the platform's stateful resources (database, its secret, KMS key,
    # buckets, VPC): the guard must protect each of them, including any pinned there later.
    pinned = [
        (f"{stage}/{kind}", logical_id)
        for stage in sorted(infra_diff.PROTECTED_STAGES)
        for (kind, _type), logical_ids in STATEFUL_LOGICAL_IDS.items()
        for logical_id in logical_ids
    ] + [(f"{stage}/Database", DATABASE_SECRET_LOGICAL_IDS[stage]) for stage in sorted(infra_diff.PROTECTED_STAGES)]

    unguarded = {
        f"{stack}: {logical_id} ({resource_type})"
        for stack, logical_id in pinned
        if (resource_type := synthesized.template_json(stack)["Resources"][logical_id]["Type"])
        not in infra_diff.STATEFUL_TYPES
    }

    assert unguarded == set()


@pytest.mark.parametrize("stack", ["Dev/Database", "Pipeline"])
def test_replacing_a_database_outside_staging_and_prod_is_allowed(tmp_path: Path, stack: str) -> None:
    assert run_guard(tmp_path, stack, database_with_new_name()) == 0


@pytest.mark.parametrize("stack", ["Prod/Database", "Pipeline/Prod/Database", "Pipeline/Staging/Database"])
def test_replacing_a_database_in_staging_or_prod_fails_naming_the_property(
    tmp_path: Path, stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_guard(tmp_path, stack, database_with_new_name())

    assert code == 1
    assert (
        f"stateful-resource guard: {stack}: Postgres (AWS::RDS::DBInstance) replaced: `DBName` (create-only)"
        in capsys.readouterr().err
    )


def test_deleting_a_secret_in_prod_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = load_template("database")
    del head["Resources"]["PostgresSecret"]

    assert run_guard(tmp_path, "Prod/Database", head) == 1
    assert "Prod/Database: PostgresSecret (AWS::SecretsManager::Secret) deleted" in capsys.readouterr().err


def test_changing_the_logical_id_of_a_key_in_prod_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = load_template("database")
    head["Resources"]["DatabaseKey"] = head["Resources"].pop("StorageKey")

    assert run_guard(tmp_path, "Prod/Database", head) == 1
    assert "StorageKey (AWS::KMS::Key) logical id changed (now DatabaseKey?)" in capsys.readouterr().err


def test_replacing_a_data_bucket_in_prod_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = load_template("service")
    resource(head, "SubmissionsBucket")["Properties"]["BucketName"] = "submissions-prod"

    assert run_guard(tmp_path, "Prod/Service", head, base_name="service") == 1
    assert "SubmissionsBucket (AWS::S3::Bucket) replaced: `BucketName` (create-only)" in capsys.readouterr().err


def test_a_database_replaced_through_a_replaced_subnet_group_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = load_template("database")
    resource(head, "SubnetGroup")["Properties"]["DBSubnetGroupName"] = "platform-database"

    assert run_guard(tmp_path, "Prod/Database", head) == 1
    assert "Postgres (AWS::RDS::DBInstance) may be replaced: `DBSubnetGroupName`" in capsys.readouterr().err


def test_replacing_a_stateless_resource_in_prod_passes(tmp_path: Path) -> None:
    head = load_template("database")
    resource(head, "PostgresFromService")["Properties"]["FromPort"] = 5433

    assert run_guard(tmp_path, "Prod/Database", head) == 0


def test_a_conditional_replacement_is_a_warning_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = load_template("database")
    resource(head, "Postgres")["Properties"]["MultiAZ"] = False

    assert run_guard(tmp_path, "Prod/Database", head) == 0
    assert (
        "warning: Prod/Database: Postgres (AWS::RDS::DBInstance) replacement in some cases" in capsys.readouterr().err
    )


def test_the_override_flag_lets_a_reviewed_replacement_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_guard(tmp_path, "Prod/Database", database_with_new_name(), "--allow-stateful-replacement")

    assert code == 0
    assert "stateful-resource guard: overridden" in capsys.readouterr().err


def test_the_override_environment_variable_lets_a_reviewed_replacement_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(infra_diff.OVERRIDE_ENV, "true")

    assert run_guard(tmp_path, "Prod/Database", database_with_new_name()) == 0


def test_the_report_states_the_violation_and_the_override(tmp_path: Path) -> None:
    base_dir = write_assembly(tmp_path / "base", {"Prod/Database": load_template("database")})
    head_dir = write_assembly(tmp_path / "head", {"Prod/Database": database_with_new_name()})
    report = tmp_path / "infra-diff.md"
    args = ["--base-assembly", str(base_dir), "--head-assembly", str(head_dir), "--report", str(report)]

    assert infra_diff.main([*args, "--guard"]) == 1
    assert "(**the guard fails**)" in report.read_text()
    assert "add the label `allow-stateful-replacement`" in report.read_text()

    assert infra_diff.main([*args, "--guard", "--allow-stateful-replacement"]) == 0
    assert "overridden by the `allow-stateful-replacement` label" in report.read_text()


def test_without_guard_the_diff_reports_but_never_fails(tmp_path: Path) -> None:
    base_dir = write_assembly(tmp_path / "base", {"Prod/Database": load_template("database")})
    head_dir = write_assembly(tmp_path / "head", {"Prod/Database": database_with_new_name()})

    assert infra_diff.main(["--base-assembly", str(base_dir), "--head-assembly", str(head_dir)]) == 0


def test_the_workflow_finds_its_comment_by_the_marker_and_maps_the_label_to_the_override() -> None:
    workflow = (Path(__file__).resolve().parent.parent / ".github" / "workflows" / "infra-diff.yml").read_text()

    assert f'startswith("{infra_diff.REPORT_MARKER}")' in workflow
    assert (
        f"{infra_diff.OVERRIDE_ENV}: ${{{{ contains(github.event.pull_request.labels.*.name, "
        f"'{infra_diff.OVERRIDE_LABEL}') }}}}" in workflow
    )
