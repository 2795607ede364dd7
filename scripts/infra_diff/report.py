"""The reports: a summary line per stack for the terminal, and the Markdown pull-request comment."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scripts.infra_diff.guard import OVERRIDE_LABEL, GuardViolation
from scripts.infra_diff.model import ResourceChange, StackDiff

REPORT_MARKER = "<!-- infra-diff -->"
# GitHub rejects comments longer than 65,536 characters.
MAX_REPORT_CHARS = 60_000


def summary_line(diff: StackDiff) -> str:
    counts = [
        f"{len(diff.of_kind('added'))} added",
        f"{len(diff.updated)} modified",
        f"{len(diff.replaced)} replaced",
        f"{len(diff.of_kind('removed'))} removed",
    ]
    notes = [
        note
        for note, present in (
            ("IAM changes", any(change.iam for change in diff.resources)),
            ("security-group changes", any(change.security_groups for change in diff.resources)),
            ("asset changes", any(change.asset_change for change in diff.resources)),
        )
        if present
    ]
    suffix = f" ({', '.join(notes)})" if notes else ""
    prefix = f"stack {diff.status}: " if diff.status in ("added", "removed") else ""
    return f"{diff.display_name}: {prefix}{', '.join(counts)}{suffix}"


def text_summary(diffs: Sequence[StackDiff]) -> str:
    changed = [diff for diff in diffs if diff.status != "unchanged"]
    return "\n".join([*(summary_line(diff) for diff in changed), f"{len(changed)} of {len(diffs)} stacks changed"])


def markdown_report(
    diffs: Sequence[StackDiff],
    *,
    base_label: str,
    head_label: str,
    violations: Sequence[GuardViolation] = (),
    warnings: Sequence[GuardViolation] = (),
    override: bool = False,
) -> str:
    changed = [diff for diff in diffs if diff.status != "unchanged"]
    lines = [
        REPORT_MARKER,
        "## Infrastructure diff",
        "",
        f"Base {base_label} → head {head_label}: {len(changed)} of {len(diffs)} stacks changed.",
        "",
        *_guard_section(violations, override),
        *_warnings_section(warnings),
    ]
    for diff in changed:
        lines += _stack_section(diff)
    lines += _unchanged_section(diffs)
    return _cut_to_comment_size("\n".join(lines))


def _guard_section(violations: Sequence[GuardViolation], override: bool) -> list[str]:
    if not violations:
        return []
    state = "overridden by the `allow-stateful-replacement` label" if override else "**the guard fails**"
    lines = [f"### :warning: Stateful resources replaced or deleted in staging/production ({state})", ""]
    lines += [f"- {violation.describe()}" for violation in violations] + [""]
    if not override:
        lines += [f"If this is intended and reviewed, add the label `{OVERRIDE_LABEL}` to the pull request.", ""]
    return lines


def _warnings_section(warnings: Sequence[GuardViolation]) -> list[str]:
    if not warnings:
        return []
    lines = [
        "Warnings (the guard passes): stateful resources with conditionally create-only changes (check the resource "
        "docs) and exports in use that change (CloudFormation refuses the update):",
        "",
    ]
    return lines + [f"- {warning.describe()}" for warning in warnings] + [""]


def _stack_section(diff: StackDiff) -> list[str]:
    title = f"### {diff.display_name}" + (f" (stack {diff.status})" if diff.status != "changed" else "")
    lines = [title, "", summary_line(diff).split(": ", 1)[1], ""]
    lines += _resource_table(diff) + _asset_lines(diff)
    lines += _access_block(diff, "IAM changes", lambda change: change.iam)
    lines += _access_block(diff, "Security-group changes", lambda change: change.security_groups)
    if diff.outputs:
        lines += ["Outputs: " + ", ".join(f"`{output}`" for output in diff.outputs), ""]
    return lines


def _resource_table(diff: StackDiff) -> list[str]:
    """Replaced first, then removed, modified and added resources: one row each."""
    rows = (
        [("replaced", change) for change in diff.replaced]
        + [("removed", change) for change in diff.of_kind("removed")]
        + [("modified", change) for change in diff.updated]
        + [("added", change) for change in diff.of_kind("added")]
    )
    if not rows:
        return []
    table = ["| Change | Logical id | Type | Details |", "|---|---|---|---|"]
    table += [f"| {kind} | `{c.logical_id}` | `{c.resource_type}` | {_details(c)} |" for kind, c in rows]
    return [*table, ""]


def _details(change: ResourceChange) -> str:
    parts = [
        f"type changed: {change.type_change}" if change.type_change else "",
        f"logical id changed? (now `{change.renamed_to}`)" if change.renamed_to else "",
        ", ".join(p.describe() for p in change.properties),
        "attributes: " + ", ".join(change.attributes) if change.attributes else "",
        change.asset_change,
    ]
    return "; ".join(part for part in parts if part).replace("|", "\\|")


def _asset_lines(diff: StackDiff) -> list[str]:
    """Resources whose only change is an asset (a new image): one line per kind of asset change."""
    labels = sorted({change.asset_change for change in diff.asset_only})
    lines = [
        f"- {label}: " + ", ".join(f"`{c.logical_id}`" for c in diff.asset_only if c.asset_change == label)
        for label in labels
    ]
    return [*lines, ""] if lines else []


def _access_block(diff: StackDiff, title: str, details_of: Callable[[ResourceChange], tuple[str, ...]]) -> list[str]:
    entries = [(change, details_of(change)) for change in diff.resources if details_of(change)]
    if not entries:
        return []
    lines = [f"**{title}**", "", "```diff"]
    for change, details in entries:
        lines += [f"# {change.logical_id} ({change.resource_type}, {change.kind})", *details]
    return [*lines, "```", ""]


def _unchanged_section(diffs: Sequence[StackDiff]) -> list[str]:
    unchanged = [diff.display_name for diff in diffs if diff.status == "unchanged"]
    if not unchanged:
        return []
    return ["<details><summary>Unchanged stacks</summary>", "", ", ".join(unchanged), "", "</details>", ""]


def _cut_to_comment_size(report: str) -> str:
    if len(report) <= MAX_REPORT_CHARS:
        return report
    return report[:MAX_REPORT_CHARS] + "\n\n… (truncated: run `make diff` locally for the full report)\n"
