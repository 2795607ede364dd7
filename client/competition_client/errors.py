"""What can go wrong, each with the exit code the command ends with (documented in the README).

0 the submission was scored (or the leaderboard printed); 1 it was not scored: invalid, failed, or refused by the
service; 2 usage, configuration, authentication, permission, network or server errors; 3 still waiting when the
timeout ran out.
"""

from __future__ import annotations

from typing import Any, ClassVar

EXIT_SCORED = 0
EXIT_NOT_SCORED = 1
EXIT_ERROR = 2
EXIT_TIMEOUT = 3


class ClientError(Exception):
    """An error the command reports in one line on stderr, then exits with ``exit_code``."""

    exit_code: ClassVar[int] = EXIT_ERROR


class UsageError(ClientError):
    """Bad arguments, a missing file, no token, a broken configuration file."""


class NetworkError(ClientError):
    """The service could not be reached, or the connection broke."""


class UnexpectedAnswer(ClientError):
    """The service answered something this client does not understand (another version of the platform?)."""


class ServiceError(ClientError):
    """The service answered with an error (the platform's shape: ``{"error": {"code", "message", "details"}}``)."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        super().__init__(self.describe())

    def describe(self) -> str:
        hint = HINTS.get(self.status, "")
        return f"{self.message} (HTTP {self.status} {self.code}){hint}"


HINTS = {
    401: ": check the token (COMPETITION_TOKEN or the config file's token)",
    403: ": your account may not do this",
    404: ": check the competition's slug (and that you may see it)",
}


class SubmissionRefused(ClientError):
    """The service (or the storage) refused the submission: daily limit, competition closed, upload refused."""

    exit_code = EXIT_NOT_SCORED


class WaitTimedOut(ClientError):
    """The submission was still queued or scoring when the timeout ran out (it may still be scored)."""

    exit_code = EXIT_TIMEOUT
