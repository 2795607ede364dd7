"""The rolling-deploy migration check (`make migration-check`, devtools/migration_safety.py).

The end-to-end runs render SQL on a throwaway PostgreSQL 15 cluster each (about 1.5 s): both run in parallel, once
for the module; the rest is tested without Django.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devtools.migration_safety import (
    Acknowledgment,
    ExceptionsFileError,
    Issue,
    MigrationResult,
    judge,
    load_exceptions,
)

SERVICE_DIR = Path(__file__).resolve().parent.parent
FIXTURE = SERVICE_DIR / "tests" / "fixtures" / "migration_safety"
FIXTURE_ARGS = ["--settings", "tests.fixtures.migration_safety.settings", "--project-root", str(FIXTURE)]
DROP_COLUMN = Issue("DROP_COLUMN", "DROPPING columns")


def start_check(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-m", "devtools.migration_safety", *args],
        cwd=SERVICE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[int, str]]:
    """The two end-to-end runs, in parallel: {name: (exit code, output)}. The fixture app's run acknowledges one of
    its two unsafe migrations (tests/fixtures/migration_safety/exceptions.toml)."""
    processes = {
        "fixture": start_check(*FIXTURE_ARGS, "--exceptions", str(FIXTURE / "exceptions.toml")),
        "service": start_check(),
    }
    results = {}
    for name, process in processes.items():
        output, _ = process.communicate(timeout=120)
        results[name] = (process.returncode, output)
    return results


def test_an_unsafe_migration_fails_naming_the_migration_and_the_check(runs: dict[str, tuple[int, str]]) -> None:
    code, output = runs["fixture"]

    assert code == 1, output
    assert "shop.0003_product_sku: UNSAFE\n    NOT_NULL: NOT NULL constraint on columns" in output
    assert "1 unsafe, 1 acknowledged" in output


def test_an_acknowledged_exception_passes_and_is_shown_with_its_reason(runs: dict[str, tuple[int, str]]) -> None:
    _, output = runs["fixture"]

    assert "shop.0002_remove_product_legacy_code: ACKNOWLEDGED\n    DROP_COLUMN: DROPPING columns" in output
    assert "(acknowledged: Product.legacy_code has been unread since the previous release" in output


def test_new_tables_and_nullable_columns_are_safe(runs: dict[str, tuple[int, str]]) -> None:
    _, output = runs["fixture"]

    assert "shop.0001_initial: ok" in output
    assert "shop.0004_product_stock: ok" in output


def test_the_service_migrations_are_safe_for_a_rolling_deploy(runs: dict[str, tuple[int, str]]) -> None:
    code, output = runs["service"]

    assert code == 0, output
    assert "0 unsafe" in output


def test_only_the_projects_own_apps_are_checked(runs: dict[str, tuple[int, str]]) -> None:
    _, output = runs["service"]

    assert "authtoken." not in output and "contenttypes." not in output


def test_acknowledging_every_unsafe_check_passes() -> None:
    results = [MigrationResult("shop.0002_x", errors=(DROP_COLUMN,))]

    verdict = judge(results, [Acknowledgment("shop.0002_x", frozenset({"DROP_COLUMN"}), "reviewed")])

    assert verdict.passed and verdict.failing == []


def test_an_acknowledgment_covers_only_the_checks_it_names() -> None:
    results = [MigrationResult("shop.0002_x", errors=(DROP_COLUMN, Issue("NOT_NULL", "NOT NULL")))]

    verdict = judge(results, [Acknowledgment("shop.0002_x", frozenset({"DROP_COLUMN"}), "reviewed")])

    assert [issue.code for _, issue in verdict.failing] == ["NOT_NULL"]
    assert [(m, issue.code, reason) for m, issue, reason in verdict.acknowledged] == [
        ("shop.0002_x", "DROP_COLUMN", "reviewed")
    ]
    assert not verdict.passed


def test_an_acknowledgment_of_a_missing_migration_fails() -> None:
    verdict = judge([], [Acknowledgment("shop.0009_gone", frozenset({"DROP_COLUMN"}), "reviewed")])

    assert verdict.unknown == ["shop.0009_gone"] and not verdict.passed


def test_an_acknowledged_check_that_no_longer_fires_is_reported() -> None:
    results = [MigrationResult("shop.0002_x")]

    verdict = judge(results, [Acknowledgment("shop.0002_x", frozenset({"DROP_COLUMN"}), "reviewed")])

    assert verdict.passed and verdict.unused == ["shop.0002_x: DROP_COLUMN"]


def test_the_exceptions_file_is_optional(tmp_path: Path) -> None:
    assert load_exceptions(tmp_path / "migration_safety_exceptions.toml") == []


def test_the_fixture_exceptions_file_parses() -> None:
    assert load_exceptions(FIXTURE / "exceptions.toml") == [
        Acknowledgment(
            "shop.0002_remove_product_legacy_code",
            frozenset({"DROP_COLUMN"}),
            "Product.legacy_code has been unread since the previous release (the contract step).",
        )
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('migration = "shop"\nchecks = ["DROP_COLUMN"]\nreason = "r"', "app_label.migration_name"),
        ('migration = "shop.0002_x"\nchecks = []\nreason = "r"', "checks must list"),
        ('migration = "shop.0002_x"\nchecks = ["DROP_COLUMN"]\nreason = " "', "needs a reason"),
    ],
)
def test_an_exception_without_migration_checks_or_reason_is_rejected(tmp_path: Path, entry: str, problem: str) -> None:
    path = tmp_path / "exceptions.toml"
    path.write_text(f"[[exception]]\n{entry}\n")

    with pytest.raises(ExceptionsFileError, match=problem):
        load_exceptions(path)
