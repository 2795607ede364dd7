"""Waiting for a submission's score: poll its representation with a growing pause until its status is final or the
timeout runs out. A status change is told on stderr as it happens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .errors import WaitTimedOut

FINAL_STATUSES = frozenset({"scored", "invalid", "failed"})


@dataclass(frozen=True)
class Backoff:
    first: float = 0.5
    factor: float = 1.6
    longest: float = 10.0

    def pauses(self) -> Callable[[], float]:
        pause = self.first

        def next_pause() -> float:
            nonlocal pause
            current, pause = pause, min(pause * self.factor, self.longest)
            return current

        return next_pause


def wait_for_result(
    submission: dict[str, Any],
    *,
    fetch: Callable[[], dict[str, Any]],
    timeout: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    log: TextIO,
    backoff: Backoff = Backoff(),  # noqa: B008 - a frozen dataclass, shared safely
) -> dict[str, Any]:
    """The submission once scored, invalid or failed (``submission`` is its latest representation); else
    ``WaitTimedOut`` after ``timeout`` seconds."""
    deadline = clock() + timeout
    next_pause = backoff.pauses()
    status = None
    while True:
        if submission.get("status") != status:
            status = submission.get("status")
            log.write(f"submission {submission.get('id')}: {status}\n")
            log.flush()
        if status in FINAL_STATUSES:
            return submission
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimedOut(
                f"submission {submission.get('id')} is still {status} after {timeout:g} s; it may yet be scored: "
                f"see GET .../submissions/{submission.get('id')}/"
            )
        sleep(min(next_pause(), remaining))
        submission = fetch()
