"""An upload's progress on stderr: a bar redrawn in place on a terminal, a line every quarter elsewhere (logs of CI
jobs stay short)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

BAR_WIDTH = 30
MIB = 1024 * 1024


@dataclass
class ProgressBar:
    label: str
    total: int
    stream: TextIO
    _last_quarter: int = field(default=-1, init=False)

    def _is_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def update(self, done: int) -> None:
        fraction = 1.0 if self.total == 0 else min(done / self.total, 1.0)
        figures = f"{fraction:4.0%}  {done / MIB:.1f}/{self.total / MIB:.1f} MiB"
        if self._is_terminal():
            filled = round(fraction * BAR_WIDTH)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {figures}")
        else:
            quarter = int(fraction * 4)
            if quarter == self._last_quarter:
                return
            self._last_quarter = quarter
            self.stream.write(f"{self.label} {figures}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._is_terminal():
            self.stream.write("\n")
            self.stream.flush()
