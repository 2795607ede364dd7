"""Cross-stack references, compared by what they refer to rather than by how they are spelled.

A consumer reads a producer's value either through an export (`Fn::ImportValue`, a strong reference: CloudFormation
refuses to change or delete an export while a stack imports it) or straight from the producer's output
(`Fn::GetStackOutput`, a weak reference). Both spellings of the same reference name the same deployed value, so
switching between them (as this repository did, weak to strong) changes no resource: without this, a security
group's `VpcId` would read as a create-only property changing to an unknown value, and the guard would report
replacements CloudFormation never makes. Each reference becomes `{"Fn::CrossStackValue": [producer stack name,
producer's output value]}` before templates are compared; a reference whose output is not in the assembly is left
as it is (and compares as written).

The same index also finds the exports a change would break: an exported value that changes or disappears while
another stack of the base imports it makes CloudFormation refuse the producer's update (`exports_in_use`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.cloud_assembly import SynthesizedStack, read_stacks
from scripts.infra_diff.guard import GuardViolation
from scripts.template_normalization import normalize_template

CANONICAL_KEY = "Fn::CrossStackValue"


@dataclass(frozen=True)
class OutputIndex:
    """The outputs of every stack of one assembly: by (stack name, output id) and by export name."""

    by_output: Mapping[tuple[str, str], Any]
    by_export: Mapping[str, tuple[str, Any]]

    @classmethod
    def of(cls, stacks: Iterable[tuple[str, Mapping[str, Any]]]) -> OutputIndex:
        """`stacks`: (CloudFormation stack name, template) pairs."""
        by_output: dict[tuple[str, str], Any] = {}
        by_export: dict[str, tuple[str, Any]] = {}
        for stack_name, template in stacks:
            for output_id, output in template.get("Outputs", {}).items():
                value = normalize_template(output.get("Value"))
                by_output[(stack_name, output_id)] = value
                export = output.get("Export", {}).get("Name")
                if isinstance(export, str):
                    by_export[export] = (stack_name, value)
        return cls(by_output=by_output, by_export=by_export)

    @classmethod
    def of_assembly(cls, stacks: Iterable[SynthesizedStack]) -> OutputIndex:
        return cls.of((stack.stack_name, stack.template()) for stack in stacks)


def canonical_references(value: Any, index: OutputIndex) -> Any:
    """`value` (a template or any part of one) with every resolvable cross-stack reference in canonical form."""
    if isinstance(value, list):
        return [canonical_references(item, index) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        resolved = _resolve(next(iter(value.items())), index)
        if resolved is not None:
            return {CANONICAL_KEY: list(resolved)}
    return {key: canonical_references(item, index) for key, item in value.items()}


def _resolve(item: tuple[str, Any], index: OutputIndex) -> tuple[str, Any] | None:
    function, argument = item
    if function == "Fn::ImportValue" and isinstance(argument, str):
        return index.by_export.get(argument)
    if function == "Fn::GetStackOutput" and isinstance(argument, dict):
        key = (str(argument.get("StackName")), str(argument.get("OutputName")))
        if key in index.by_output:
            return key[0], index.by_output[key]
    return None


def imported_exports(templates: Iterable[Mapping[str, Any]]) -> set[str]:
    """The export names the templates import."""
    found: set[str] = set()
    for template in templates:
        _collect_imports(template, found)
    return found


def _collect_imports(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::ImportValue" and isinstance(item, str):
                found.add(item)
            _collect_imports(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_imports(item, found)


@dataclass(frozen=True)
class ExportInUse:
    producer: str  # the producing stack's CloudFormation name
    export: str
    change: str  # "removed" or "changes value"


def exports_in_use(base: OutputIndex, head: OutputIndex, base_imports: set[str]) -> list[ExportInUse]:
    """Exports imported in the base whose value the head changes or removes: CloudFormation refuses to update the
    producer until no stack imports them any more (deploy the consumers without the import first, keeping the export
    with `Stack.export_value` for one deployment)."""
    problems = []
    for export in sorted(base_imports & base.by_export.keys()):
        producer, before = base.by_export[export]
        if export not in head.by_export:
            problems.append(ExportInUse(producer, export, "removed"))
        elif head.by_export[export][1] != before:
            problems.append(ExportInUse(producer, export, "changes value"))
    return problems


def export_warnings(base_dir: Path | None, head_dir: Path) -> list[GuardViolation]:
    """The exports in use that the head changes or removes, as warnings for the report (not guard failures:
    CloudFormation itself refuses the update, so nothing is lost, but the deployment stops)."""
    if base_dir is None:
        return []
    base, head = read_stacks(base_dir), read_stacks(head_dir)
    names = {stack.stack_name: stack.display_name for stack in [*base, *head]}
    problems = exports_in_use(
        OutputIndex.of_assembly(base), OutputIndex.of_assembly(head), imported_exports(s.template() for s in base)
    )
    return [
        GuardViolation(
            names.get(problem.producer, problem.producer),
            problem.export,
            "export",
            f"{problem.change} while another stack imports it: CloudFormation refuses this update; deploy the "
            "consumers without the import first (keep the export one deployment longer with Stack.export_value)",
        )
        for problem in problems
    ]
