"""`python -m scripts.infra_diff`: compare, report, and with --guard fail on stateful replacements."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from scripts.infra_diff.base_synthesis import git, synthesize_ref
from scripts.infra_diff.comparison import compare_assemblies
from scripts.infra_diff.cross_stack import export_warnings
from scripts.infra_diff.guard import (
    OVERRIDE_ENV,
    OVERRIDE_LABEL,
    GuardViolation,
    conditional_warnings,
    stateful_violations,
)
from scripts.infra_diff.report import markdown_report, text_summary

DESCRIPTION = "Offline infrastructure diff between two synthesized cloud assemblies, and the stateful-resource guard."


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.infra_diff", description=DESCRIPTION)
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", metavar="REF", help="git ref to synthesize as the base (e.g. origin/main)")
    base.add_argument("--base-assembly", type=Path, metavar="DIR", help="an already synthesized base assembly")
    parser.add_argument("--head-assembly", type=Path, default=Path("cdk.out"), metavar="DIR")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write the Markdown report (PR comment) here")
    parser.add_argument("--guard", action="store_true", help="fail on stateful replacements in staging/prod")
    parser.add_argument(
        "--allow-stateful-replacement",
        action="store_true",
        default=env_flag(OVERRIDE_ENV),
        help=f"reviewed override (also env {OVERRIDE_ENV}=true; in CI the PR label {OVERRIDE_LABEL})",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace, base_dir: Path | None, base_label: str) -> int:
    head_dir: Path = args.head_assembly
    diffs = compare_assemblies(base_dir, head_dir)
    violations = stateful_violations(diffs)
    warnings = [*conditional_warnings(diffs), *export_warnings(base_dir, head_dir)]
    override = bool(args.allow_stateful_replacement)
    print(text_summary(diffs))
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        report = markdown_report(
            diffs,
            base_label=base_label,
            head_label=f"`{head_dir}`",
            violations=violations,
            warnings=warnings,
            override=override,
        )
        args.report.write_text(report)
        print(f"report: {args.report}")
    for warning in warnings:
        print(f"warning: {warning.describe()}", file=sys.stderr)
    return guard_verdict(violations, override=override) if args.guard else 0


def guard_verdict(violations: Sequence[GuardViolation], *, override: bool) -> int:
    """The guard's exit code, with its reasons on stderr."""
    if not violations:
        print("stateful-resource guard: no stateful resource in staging or production is replaced or deleted")
        return 0
    for violation in violations:
        print(f"stateful-resource guard: {violation.describe()}", file=sys.stderr)
    if override:
        print(f"stateful-resource guard: overridden ({OVERRIDE_ENV} / label {OVERRIDE_LABEL})", file=sys.stderr)
        return 0
    print(
        f"stateful-resource guard: failed. If the replacement is intended and reviewed, add the label "
        f"'{OVERRIDE_LABEL}' to the pull request (locally: {OVERRIDE_ENV}=true make guard).",
        file=sys.stderr,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.base_assembly:
        return run(args, args.base_assembly, f"`{args.base_assembly}`")
    with tempfile.TemporaryDirectory(prefix="infra-diff-base-out-") as outdir:
        try:
            has_app = synthesize_ref(args.base, Path(outdir))
        except subprocess.CalledProcessError as error:
            print(f"infra-diff: could not synthesize {args.base}: {error}", file=sys.stderr)
            return 2
        label = f"`{args.base}` ({git('rev-parse', '--short', args.base)})"
        return run(args, Path(outdir) if has_app else None, label)
