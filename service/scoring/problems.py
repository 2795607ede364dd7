"""The first problem of an uploaded file: a line and a reason a participant can act on."""

from __future__ import annotations


class CsvProblem(Exception):
    """The first problem found in a file: the line (1-based, the header is line 1) and why.

    The Django-free twin of ``competitions.csv_files.CsvProblem``: same line numbering, same reasons, so the
    service can turn it into the same 400 (or an ``invalid`` submission naming the line).
    """

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason
