"""Fails on Django migrations that would break the running version during a rolling deploy (`make migration-check`,
which runs `python -m devtools.migration_safety` in service/).

The deployment runs the migrations while the previous release still serves traffic, so every migration must work
with the old code too (expand/contract): no dropped or renamed column or table, no NOT NULL column without a
default, no changed column type, no unique constraint added to a filled table. django-migration-linter checks
that on the SQL each migration renders. The SQL is rendered by PostgreSQL (15, as in the service tests;
Django emits the same DDL for RDS's 17) in a throwaway cluster (the service tests' harness, about 1 s): SQLite
renders different SQL (it rebuilds tables for constraints) and the linter's SQLite rules reject safe migrations
and miss unsafe ones.

A reviewed exception is acknowledged in `service/migration_safety_exceptions.toml`, one entry per migration
naming the checks it is excused from and why it is safe:

    [[exception]]
    migration = "teams.0007_remove_team_legacy_code"
    checks = ["DROP_COLUMN"]
    reason = "Team.legacy_code is unread since release 2026.10 (the contract step of the expand/contract change)."

    python -m devtools.migration_safety [--exceptions FILE] [--settings MODULE] [--project-root DIR]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django_migration_linter import MigrationLinter
from django_migration_linter.sql_analyser.analyser import analyse_sql_statements

from .throwaway_postgres import ThrowawayPostgres

SERVICE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = "competition_platform.settings_test"  # production settings on PostgreSQL
DEFAULT_EXCEPTIONS = SERVICE_DIR / "migration_safety_exceptions.toml"


class ExceptionsFileError(ValueError):
    """The exceptions file is malformed."""


@dataclass(frozen=True)
class Issue:
    code: str  # the linter's check: DROP_COLUMN, NOT_NULL, RENAME_COLUMN, ...
    message: str


@dataclass(frozen=True)
class MigrationResult:
    migration: str  # "app_label.name"
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class Acknowledgment:
    migration: str
    checks: frozenset[str]
    reason: str


@dataclass
class Verdict:
    failing: list[tuple[str, Issue]] = field(default_factory=list)
    acknowledged: list[tuple[str, Issue, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # acknowledgments of migrations that do not exist
    unused: list[str] = field(default_factory=list)  # acknowledged checks that no longer fire

    @property
    def passed(self) -> bool:
        return not self.failing and not self.unknown


def load_exceptions(path: Path) -> list[Acknowledgment]:
    """The reviewed exceptions; none when the file does not exist."""
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ExceptionsFileError(f"{path}: {error}") from error
    acknowledgments = []
    for index, entry in enumerate(data.get("exception", []), start=1):
        migration, checks, reason = entry.get("migration"), entry.get("checks"), entry.get("reason")
        if not isinstance(migration, str) or "." not in migration:
            raise ExceptionsFileError(f"{path}: exception {index}: migration must be 'app_label.migration_name'")
        if not isinstance(checks, list) or not checks or not all(isinstance(c, str) for c in checks):
            raise ExceptionsFileError(f"{path}: exception {index} ({migration}): checks must list check codes")
        if not isinstance(reason, str) or not reason.strip():
            raise ExceptionsFileError(f"{path}: exception {index} ({migration}): a reviewed exception needs a reason")
        acknowledgments.append(Acknowledgment(migration, frozenset(checks), reason.strip()))
    return acknowledgments


def judge(results: Iterable[MigrationResult], acknowledgments: Sequence[Acknowledgment]) -> Verdict:
    """Splits the linter's errors into failing and acknowledged ones; reports acknowledgments that match nothing."""
    by_migration = {ack.migration: ack for ack in acknowledgments}
    verdict = Verdict()
    used: set[tuple[str, str]] = set()
    seen: set[str] = set()
    for result in results:
        seen.add(result.migration)
        ack = by_migration.get(result.migration)
        for issue in result.errors:
            if ack is not None and issue.code in ack.checks:
                verdict.acknowledged.append((result.migration, issue, ack.reason))
                used.add((result.migration, issue.code))
            else:
                verdict.failing.append((result.migration, issue))
    for ack in acknowledgments:
        if ack.migration not in seen:
            verdict.unknown.append(ack.migration)
        else:
            verdict.unused += [
                f"{ack.migration}: {code}" for code in sorted(ack.checks) if (ack.migration, code) not in used
            ]
    return verdict


def _issues(found: Iterable[Any]) -> tuple[Issue, ...]:
    """django-migration-linter's Issue objects as ours, with the table and column they concern."""
    issues = []
    for issue in found:
        where = ", ".join(
            f"{name}: {value}" for name, value in (("table", issue.table), ("column", issue.column)) if value
        )
        issues.append(Issue(issue.code, f"{issue.message}" + (f" ({where})" if where else "")))
    return tuple(issues)


def lint_project_migrations(project_root: Path) -> list[MigrationResult]:
    """Lints every migration of the apps under `project_root` (not Django's or third-party apps') on the
    configured database. Django must be set up."""
    project_apps = {
        config.label for config in apps.get_app_configs() if Path(config.path).resolve().is_relative_to(project_root)
    }
    linter = MigrationLinter(analyser_string="postgresql", no_cache=True, no_output=True)
    results = []
    for (app_label, name), migration in sorted(linter.migration_loader.disk_migrations.items()):
        if app_label not in project_apps:
            continue
        errors, _, warnings = analyse_sql_statements(linter.sql_analyser_class, linter.get_sql(app_label, name), [])
        data_errors, _, data_warnings = linter.analyse_data_migration(migration)
        results.append(
            MigrationResult(
                f"{app_label}.{name}", _issues([*errors, *data_errors]), _issues([*warnings, *data_warnings])
            )
        )
    return results


def lint_on_throwaway_postgres(settings_module: str, project_root: Path) -> list[MigrationResult]:
    """Sets Django up with `settings_module` on a throwaway PostgreSQL cluster and lints the migrations."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    django.setup()
    # The service's logging configuration would print one INFO line per migration.
    logging.getLogger("django_migration_linter").setLevel(logging.WARNING)
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        database: dict[str, Any] = settings.DATABASES["default"]
        database.update(cluster.django_settings())
        return lint_project_migrations(project_root)
    finally:
        cluster.stop()


def report(results: Sequence[MigrationResult], verdict: Verdict, exceptions_path: Path) -> str:
    failing = {migration for migration, _ in verdict.failing}
    acknowledged = {migration for migration, _, _ in verdict.acknowledged}
    lines = []
    for result in results:
        status = (
            "UNSAFE" if result.migration in failing else "ACKNOWLEDGED" if result.migration in acknowledged else "ok"
        )
        lines.append(f"{result.migration}: {status}")
        lines += [
            f"    {issue.code}: {issue.message}"
            for migration, issue in verdict.failing
            if migration == result.migration
        ]
        lines += [
            f"    {issue.code}: {issue.message} (acknowledged: {reason})"
            for migration, issue, reason in verdict.acknowledged
            if migration == result.migration
        ]
        lines += [f"    warning {issue.code}: {issue.message}" for issue in result.warnings]
    lines += [f"error: {exceptions_path.name} acknowledges {name}, which does not exist" for name in verdict.unknown]
    lines += [f"warning: {exceptions_path.name} acknowledges {item}, which no longer fires" for item in verdict.unused]
    lines.append(
        f"migration-safety: {len(results)} migrations, {len(failing)} unsafe, {len(verdict.acknowledged)} acknowledged"
    )
    if not verdict.passed:
        lines.append(
            "migration-safety: failed. Split the change into backward-compatible steps (expand, deploy, contract), "
            f"or acknowledge a reviewed exception in {exceptions_path} (see service/devtools/migration_safety.py)."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m devtools.migration_safety", description=summary)
    parser.add_argument("--exceptions", type=Path, default=DEFAULT_EXCEPTIONS, help="reviewed exceptions (TOML)")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="Django settings module (PostgreSQL engine)")
    parser.add_argument(
        "--project-root", type=Path, default=SERVICE_DIR, help="lint the migrations of the apps under this folder"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        acknowledgments = load_exceptions(args.exceptions)
    except ExceptionsFileError as error:
        print(f"migration-safety: {error}", file=sys.stderr)
        return 2
    results = lint_on_throwaway_postgres(args.settings, args.project_root.resolve())
    verdict = judge(results, acknowledgments)
    print(report(results, verdict, args.exceptions))
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
