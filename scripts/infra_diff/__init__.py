"""Offline infrastructure diff between two synthesized cloud assemblies, and the stateful-resource guard.

`make diff BASE=origin/main` synthesizes the base commit in a git worktree under /tmp and compares every stack of
it with the working tree's `cdk.out`; `make guard` does the same and fails when a stack of a protected stage
(Staging, Prod) would replace or delete a stateful resource. No AWS credentials are needed: whether a property
change replaces a resource is read from the CloudFormation resource provider schemas that cfn-lint ships
(`createOnlyProperties`).

    python -m scripts.infra_diff --base origin/main --report cdk.out/infra-diff.md [--guard]
    python -m scripts.infra_diff --base-assembly base.out --head-assembly cdk.out --guard

One module per concern: `comparison` (templates, resource by resource, asset hashes normalized, renames found),
`replacement` (create-only properties and replacements through references), `cross_stack` (a cross-stack
reference compared by what it refers to, exports in use that change), `access` (IAM statements and
security-group rules in words), `guard` (the stateful-resource policy), `report` (terminal summary and Markdown
comment), `base_synthesis` and `cli`.
"""

from scripts.infra_diff import cross_stack, report
from scripts.infra_diff.base_synthesis import synthesize_ref
from scripts.infra_diff.cli import main
from scripts.infra_diff.comparison import compare_assemblies, compare_templates
from scripts.infra_diff.guard import (
    OVERRIDE_ENV,
    OVERRIDE_LABEL,
    PROTECTED_STAGES,
    STATEFUL_TYPES,
    GuardViolation,
    conditional_warnings,
    stateful_violations,
)
from scripts.infra_diff.model import Impact, PropertyChange, ResourceChange, StackDiff
from scripts.infra_diff.replacement import create_only_properties
from scripts.infra_diff.report import MAX_REPORT_CHARS, REPORT_MARKER, markdown_report, text_summary

__all__ = [
    "MAX_REPORT_CHARS",
    "OVERRIDE_ENV",
    "OVERRIDE_LABEL",
    "PROTECTED_STAGES",
    "REPORT_MARKER",
    "STATEFUL_TYPES",
    "GuardViolation",
    "Impact",
    "PropertyChange",
    "ResourceChange",
    "StackDiff",
    "compare_assemblies",
    "compare_templates",
    "conditional_warnings",
    "create_only_properties",
    "cross_stack",
    "main",
    "markdown_report",
    "report",
    "stateful_violations",
    "synthesize_ref",
    "text_summary",
]
