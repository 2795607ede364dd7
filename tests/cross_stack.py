"""Reading cross-stack references in templates, whichever strength spells them."""

from __future__ import annotations

from typing import Any


def cross_stack_reference(value: Any) -> tuple[str, str] | None:
    """(producer stack name, output name) of a strong reference (`Fn::ImportValue` of CDK's `<stack>:<output>`
    export) or a weak one (`Fn::GetStackOutput`); None for anything else."""
    if not isinstance(value, dict):
        return None
    imported = value.get("Fn::ImportValue")
    if isinstance(imported, str) and ":" in imported:
        stack, output = imported.split(":", 1)
        return stack, output
    output = value.get("Fn::GetStackOutput")
    if isinstance(output, dict):
        return str(output.get("StackName")), str(output.get("OutputName"))
    return None
