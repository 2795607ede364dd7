"""Fails when a source file is longer than 400 lines: a file holds one idea, and a reader takes it in at once.

Generated files are exempt: Django's numbered migrations and the template snapshots (which are JSON, not source).

    python -m scripts.file_lengths [PATH ...]    # default: every file git tracks or would track
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
SOURCE_SUFFIXES = frozenset({".py", ".js", ".ts", ".sh", ".yml", ".yaml", ".toml", ".cfg", ".ini"})
SOURCE_NAMES = frozenset({"Makefile", "Dockerfile", ".importlinter"})
GENERATED_MIGRATION = re.compile(r"^\d{4}_\w+\.py$")


def is_checked(path: Path) -> bool:
    """Source files, except generated Django migrations (`<app>/migrations/0001_initial.py`)."""
    if path.suffix not in SOURCE_SUFFIXES and path.name not in SOURCE_NAMES:
        return False
    return not (path.parent.name == "migrations" and GENERATED_MIGRATION.match(path.name))


def repository_files(root: Path = REPO_ROOT) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [root / line for line in listed.splitlines() if (root / line).is_file()]


def too_long(paths: Iterable[Path], max_lines: int = MAX_LINES) -> list[tuple[Path, int]]:
    """(path, line count) of every checked file longer than `max_lines`."""
    checked = [path for path in paths if is_checked(path)]
    counted = [(path, len(path.read_text(encoding="utf-8", errors="replace").splitlines())) for path in checked]
    return [(path, lines) for path, lines in counted if lines > max_lines]


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(arg) for arg in args] if args else repository_files()
    offenders = too_long(paths)
    for path, lines in offenders:
        print(f"{path}: {lines} lines, more than {MAX_LINES}: split it by idea", file=sys.stderr)
    print(f"file-lengths: {len(paths)} files, {len(offenders)} over {MAX_LINES} lines")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main())
