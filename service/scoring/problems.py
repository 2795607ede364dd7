"""The first problem of an uploaded file: a line and a reason a participant can act on."""

from __future__ import annotations


class CsvProblem(Exception):
    """The first problem found in a file: the line (1-based, the header is line 1) and why.

    The same line numbering and reasons as the previous release's row-by-row parsers (``tests/row_by_row/``); the
    service turns it into a 400 naming the line (``competitions.ground_truth_files.as_domain_error``) or an
    ``invalid`` submission.
    """

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason
