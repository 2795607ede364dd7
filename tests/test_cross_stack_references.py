"""Cross-stack references are strong (exports and imports) within each environment's account, and the diff compares
a reference by what it refers to, so the switch from weak references changed no resource and `make guard` stays
meaningful (README: "Cross-stack references")."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from platform_app import read_repository_context
from scripts import infra_diff
from scripts.infra_diff import compare_assemblies
from scripts.infra_diff.cross_stack import export_warnings
from tests.conftest import SynthesizedPlatform
from tests.fixtures.cloud_assemblies import write_assembly

EXPORT = "Prod-Network:ExportsOutputRefVpc8378EB38272D6E3A"


def network(*, strong: bool, vpc_ref: str = "Vpc8378EB38") -> dict[str, Any]:
    output: dict[str, Any] = {"Value": {"Ref": vpc_ref}}
    if strong:
        output["Export"] = {"Name": EXPORT}
    name = "ExportsOutputRefVpc8378EB38272D6E3A" if strong else "PublishOutputRefVpc8378EB385002A76F"
    return {"Resources": {vpc_ref: {"Type": "AWS::EC2::VPC", "Properties": {}}}, "Outputs": {name: output}}


def database(*, strong: bool) -> dict[str, Any]:
    reference = (
        {"Fn::ImportValue": EXPORT}
        if strong
        else {"Fn::GetStackOutput": {"StackName": "Prod-Network", "OutputName": "PublishOutputRefVpc8378EB385002A76F"}}
    )
    group = {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "db", "VpcId": reference}}
    return {"Resources": {"DatabaseGroup": group, "Key": {"Type": "AWS::KMS::Key", "Properties": {}}}}


NAMES = {"Prod/Network": "Prod-Network", "Prod/Database": "Prod-Database"}


def diffs(tmp_path: Path, base: dict[str, Any], head: dict[str, Any]) -> dict[str, infra_diff.StackDiff]:
    base_dir = write_assembly(tmp_path / "base", base, NAMES)
    head_dir = write_assembly(tmp_path / "head", head, NAMES)
    return {diff.display_name: diff for diff in compare_assemblies(base_dir, head_dir)}


def test_the_same_reference_spelled_weak_or_strong_changes_no_resource(tmp_path: Path) -> None:
    found = diffs(
        tmp_path,
        {"Prod/Network": network(strong=False), "Prod/Database": database(strong=False)},
        {"Prod/Network": network(strong=True), "Prod/Database": database(strong=True)},
    )

    assert found["Prod/Database"].status == "unchanged"
    assert found["Prod/Network"].resources == ()
    assert found["Prod/Network"].outputs == (
        "+ ExportsOutputRefVpc8378EB38272D6E3A",
        "- PublishOutputRefVpc8378EB385002A76F",
    )
    assert infra_diff.stateful_violations(found.values()) == []


def test_a_reference_to_another_value_is_still_a_replacement(tmp_path: Path) -> None:
    """The canonical form keeps the value referred to: a new VPC behind the same export name replaces the group."""
    found = diffs(
        tmp_path,
        {"Prod/Network": network(strong=True), "Prod/Database": database(strong=True)},
        {"Prod/Network": network(strong=True, vpc_ref="OtherVpc"), "Prod/Database": database(strong=True)},
    )

    (change,) = found["Prod/Database"].resources
    assert (change.logical_id, change.replaced) == ("DatabaseGroup", True)


def test_an_export_in_use_that_changes_is_a_warning_naming_the_producer(tmp_path: Path) -> None:
    base = {"Prod/Network": network(strong=True), "Prod/Database": database(strong=True)}
    head = {"Prod/Network": network(strong=True, vpc_ref="OtherVpc"), "Prod/Database": database(strong=True)}

    (warning,) = export_warnings(
        write_assembly(tmp_path / "base", base, NAMES), write_assembly(tmp_path / "head", head, NAMES)
    )

    assert (warning.stack, warning.logical_id) == ("Prod/Network", EXPORT)
    assert warning.cause.startswith("changes value while another stack imports it: CloudFormation refuses")


def test_an_export_nobody_imports_may_change(tmp_path: Path) -> None:
    base = {"Prod/Network": network(strong=True)}
    head = {"Prod/Network": network(strong=True, vpc_ref="OtherVpc")}

    assert export_warnings(write_assembly(tmp_path / "b", base, NAMES), write_assembly(tmp_path / "h", head)) == []


def test_the_app_references_across_stacks_strongly() -> None:
    assert read_repository_context()["@aws-cdk/core:defaultCrossStackReferences"] == "strong"


def test_every_import_is_an_export_of_a_stack_of_the_same_environment(synthesized: SynthesizedPlatform) -> None:
    """Stacks read each other only inside one stage (one account and region), and only through exports."""
    exports = {
        output["Export"]["Name"]: name.rsplit("/", 1)[0]
        for name, stack in synthesized.stacks.items()
        for output in stack.template().get("Outputs", {}).values()
        if "Export" in output
    }
    for name, stack in synthesized.stacks.items():
        text = json.dumps(stack.template())
        assert "Fn::GetStackOutput" not in text, name
        for imported in infra_diff.cross_stack.imported_exports([stack.template()]):
            assert exports.get(imported) == name.rsplit("/", 1)[0], f"{name} imports {imported}"


def as_weak_references(templates: dict[str, dict[str, Any]], names: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The same templates with every import spelled as a weak reference to a plain output of the producer."""
    weak = copy.deepcopy(templates)
    producers: dict[str, tuple[str, str]] = {}
    for display_name, template in weak.items():
        for output_id, output in list(template.get("Outputs", {}).items()):
            if "Export" in output:
                producers[output.pop("Export")["Name"]] = (names[display_name], output_id)
    text = json.dumps(weak)
    for export, (stack_name, output_id) in producers.items():
        weak_reference = {"Fn::GetStackOutput": {"StackName": stack_name, "OutputName": output_id}}
        text = text.replace(json.dumps({"Fn::ImportValue": export}), json.dumps(weak_reference))
    converted: dict[str, dict[str, Any]] = json.loads(text)
    return converted


def test_on_the_real_templates_the_switch_from_weak_references_replaces_nothing(
    synthesized: SynthesizedPlatform, tmp_path: Path
) -> None:
    templates = {stack.display_name: stack.template() for stack in synthesized.stacks.values()}
    names = {stack.display_name: stack.stack_name for stack in synthesized.stacks.values()}
    weak = as_weak_references(templates, names)
    assert "Fn::ImportValue" not in json.dumps(weak)

    found = compare_assemblies(
        write_assembly(tmp_path / "weak", weak, names), write_assembly(tmp_path / "strong", templates, names)
    )

    assert [f"{d.display_name}: {c.logical_id}" for d in found for c in d.resources] == []
    assert infra_diff.stateful_violations(found) == []
