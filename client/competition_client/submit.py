"""A submission from start to score: a ticket for the file, the upload, ``complete``, then the wait."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from .api import ApiClient, Json, Response, send
from .errors import ServiceError, SubmissionRefused
from .progress import ProgressBar
from .upload import LocalFile, Ticket, upload_file
from .waiting import wait_for_result

# Answers that refuse this submission (exit 1), rather than say the call was wrong (exit 2): invalid input such as a
# file over the size limit, a conflict (closed competition, upload missing, checksum mismatch), a body too large,
# the daily limit.
REFUSALS = frozenset({400, 409, 413, 429})


@dataclass(frozen=True)
class Waiting:
    timeout: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]


def _refused(step: str, call: Callable[[], Json]) -> Json:
    try:
        return call()
    except ServiceError as error:
        if error.status in REFUSALS:
            raise SubmissionRefused(f"{step} was refused: {error.describe()}") from None
        raise


def submit_file(
    api: ApiClient,
    *,
    competition: str,
    local: LocalFile,
    waiting: Waiting,
    log: TextIO,
    show_progress: bool,
    transport: Callable[..., Response] = send,
) -> dict[str, Any]:
    """The submission's final representation (scored, invalid or failed)."""
    ticket_request = {"file_name": local.name, "size_bytes": local.size, "sha256": local.sha256}
    created = _refused(
        "the upload ticket", lambda: api.post("competitions", competition, "submissions", body=ticket_request)
    )
    submission_id = created.get("id")
    ticket = Ticket.from_submission(created, service_url=api.service_url)
    progress = ProgressBar(f"uploading {local.name}", local.size, log) if show_progress else None
    upload_file(ticket, local, progress=progress, transport=transport)
    # Completing again returns the submission as it is: retried after a 503 or a broken connection (the service
    # may have completed it before the answer was lost).
    completed = _refused(
        "completing the upload",
        lambda: api.post("competitions", competition, "submissions", str(submission_id), "complete", idempotent=True),
    )
    return wait_for_result(
        completed,
        fetch=lambda: api.get("competitions", competition, "submissions", str(submission_id)),
        timeout=waiting.timeout,
        sleep=waiting.sleep,
        clock=waiting.clock,
        log=log,
    )


def describe_result(submission: dict[str, Any]) -> tuple[str, bool]:
    """One line for the final status, and whether it was scored."""
    status = submission.get("status")
    if status == "scored":
        public, private = submission.get("public_score"), submission.get("private_score")
        private_text = "hidden until the end" if private is None else f"{private:.6g}"
        return f"scored: public {public:.6g}, private {private_text} (submission {submission.get('id')})", True
    error = submission.get("error")
    if isinstance(error, dict):
        reason = str(error.get("reason", "no reason given"))
        where = f"line {error['line']}: " if error.get("line") is not None else ""
    else:
        reason, where = str(error or "no reason given"), ""
    return f"{status}: {where}{reason} (submission {submission.get('id')})", False
