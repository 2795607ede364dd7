"""The file-length check of `make lint` (scripts/file_lengths.py): no source file over 400 lines, generated
migrations and snapshots exempt."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import file_lengths


def write_lines(path: Path, count: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x = 1\n" * count)
    return path


def test_a_source_file_over_the_limit_is_reported_with_its_length(tmp_path: Path) -> None:
    long_file = write_lines(tmp_path / "stacks" / "big.py", file_lengths.MAX_LINES + 1)
    short_file = write_lines(tmp_path / "stacks" / "small.py", file_lengths.MAX_LINES)

    assert file_lengths.too_long([long_file, short_file]) == [(long_file, file_lengths.MAX_LINES + 1)]


@pytest.mark.parametrize(
    "relative",
    ["service/teams/migrations/0007_remove_team_legacy_code.py", "tests/__snapshots__/test_snapshots/Prod.json"],
)
def test_generated_migrations_and_snapshots_are_exempt(tmp_path: Path, relative: str) -> None:
    assert file_lengths.too_long([write_lines(tmp_path / relative, 5000)]) == []


def test_a_hand_written_module_in_a_migrations_folder_is_checked(tmp_path: Path) -> None:
    helper = write_lines(tmp_path / "service" / "teams" / "migrations" / "helpers.py", 500)

    assert file_lengths.too_long([helper]) == [(helper, 500)]


def test_the_command_fails_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_file = write_lines(tmp_path / "Makefile", 401)

    assert file_lengths.main([str(long_file)]) == 1
    assert f"{long_file}: 401 lines, more than 400" in capsys.readouterr().err
