"""Service functions of submissions: a ticket for an upload, its completion (the daily slot, the queue), the small
multipart upload through the same path, and deletion.

The file never passes through the web task on the ticket path: the client uploads it straight to storage, and the
worker reads it from there. Validation and scoring happen in one place, the worker (``worker.scoring``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from access.audit import AuditAction, AuthorizedAction
from competitions.ground_truth_files import as_domain_error, ensure_file
from competitions.models import Competition, GroundTruth
from core import after_commit
from core.errors import Conflict, DomainError, NotFound, QuotaExceeded
from core.uploads.declared import DeclaredUpload, check_uploaded
from core.uploads.objects import AbsoluteUrl
from core.uploads.stores import object_store
from core.uploads.tickets import COMPLETE, UploadRules, UploadTicket, content_type_for
from leaderboards.services import forget_submission
from scoring.problems import CsvProblem
from teams.models import Team

from .models import Submission, SubmissionStatus, submission_name
from .slots import claim_submission_slot
from .worker.dispatch import enqueue

STORAGE_ALIAS = "default"


class _NoLongerAwaiting(Exception):
    """Another completion of the same submission came first (rolls the slot claim back)."""


def _require_open(competition: Competition) -> None:
    if not competition.is_open():
        raise Conflict("the competition is not open for submissions", code="competition_closed")


def _require_accepting(competition: Competition) -> None:
    """The competition is open and has a ground truth (whose file a worker can read)."""
    _require_open(competition)
    ground_truth = GroundTruth.objects.defer("rows").filter(competition=competition).first()
    if ground_truth is None:
        raise Conflict("the competition has no ground truth yet", code="no_ground_truth")
    ensure_file(ground_truth, competition.metric)


def request_upload(
    *,
    authorized: AuthorizedAction,
    competition: Competition,
    team: Team,
    declared: DeclaredUpload,
    absolute_url: AbsoluteUrl,
) -> tuple[Submission, UploadTicket]:
    """A submission awaiting its file and the ticket to upload it with. Takes no daily slot (completing does)."""
    submission = _new_submission(authorized, competition, team, declared)
    rules = UploadRules(
        max_bytes=competition.submission_max_bytes,
        content_type=content_type_for(declared.file_name),
        expires_in=settings.UPLOAD_TICKET_SECONDS,
    )
    ticket = object_store(STORAGE_ALIAS).ticket(submission.file.name or "", rules, absolute_url)
    return submission, ticket


def _new_submission(
    authorized: AuthorizedAction, competition: Competition, team: Team, declared: DeclaredUpload
) -> Submission:
    _require_accepting(competition)
    authorized.actor_authorizer().require_may_compete(competition)
    submission = Submission.objects.create(
        competition=competition,
        team=team,
        submitted_by=authorized.actor,
        status=SubmissionStatus.AWAITING_UPLOAD,
        file=submission_name(competition.pk, team.pk, compressed=declared.compressed),
        original_name=declared.file_name[:255],
        upload_bytes=declared.size_bytes,
        upload_sha256=declared.sha256,
    )
    authorized.record(submission, details={"team": team.pk, "size_bytes": declared.size_bytes})
    return submission


def complete_upload(*, authorized: AuthorizedAction, submission: Submission) -> Submission:
    """Check the uploaded object, take a daily slot, mark the submission ``queued`` and enqueue it after commit.

    Completing again is harmless: a submission already past ``awaiting_upload`` is returned as it is. A queued one
    whose message was never sent is sent again, once it has waited ``SCORING_RESEND_AFTER_SECONDS`` (a client
    retrying a completion at once sends no duplicate: the sweep would send it too)."""
    if submission.status != SubmissionStatus.AWAITING_UPLOAD:
        return _already_completed(submission)
    competition = submission.competition
    _require_open(competition)
    store = object_store(STORAGE_ALIAS)
    name = submission.file.name or ""
    # The version checked here is the one pinned: the ticket works until it expires, and an upload made with it
    # after this makes a new version that is never read.
    stored = check_uploaded(store, name, max_bytes=competition.submission_max_bytes, sha256=submission.upload_sha256)
    try:
        with transaction.atomic():
            claim = claim_submission_slot(authorized=authorized, competition=competition, team=submission.team)
            changed = Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.AWAITING_UPLOAD).update(
                status=SubmissionStatus.QUEUED,
                slot_day=claim.day,
                queued_at=timezone.now(),
                file_version=stored.version,
            )
            if not changed:
                raise _NoLongerAwaiting
            # In the transaction: a failed tag leaves the submission awaiting, retryable.
            store.mark(name, COMPLETE, version=stored.version)
            authorized.record(submission, details={"team": submission.team_id, "daily_slots_used": claim.used})
    except (_NoLongerAwaiting, QuotaExceeded):
        current = Submission.objects.filter(pk=submission.pk).first()
        if current is None:
            raise NotFound() from None
        if current.status == SubmissionStatus.AWAITING_UPLOAD:
            raise
        return _already_completed(current)
    enqueue(submission.pk)
    submission.refresh_from_db()
    return submission


def _already_completed(submission: Submission) -> Submission:
    if Submission.objects.filter(pk=submission.pk).message_may_be_lost().exists():
        enqueue(submission.pk)
    return submission


def submit_file(*, authorized: AuthorizedAction, competition: Competition, team: Team, upload: IO[bytes]) -> Submission:
    """The multipart upload of a small file: stored by the web task, then completed like an upload with a ticket
    (the same slot, queue and worker; a bad file becomes ``invalid`` there, not a 400 here)."""
    file_name = str(getattr(upload, "name", "") or "predictions.csv")
    size = int(getattr(upload, "size", 0) or 0)
    limit = competition.submission_max_bytes
    if size > limit:  # refused before anything is stored (the worker would say the same on line 1)
        raise as_domain_error(
            CsvProblem(1, f"the file is larger than the limit of {limit} bytes"), "invalid_submission"
        )
    declared = DeclaredUpload(file_name=file_name, size_bytes=size)
    submission = _new_submission(authorized, competition, team, declared)
    storage = submission.file.storage
    stored_name = storage.save(submission.file.name, upload)
    if stored_name != submission.file.name:  # the storage chose another name (never with a fresh uuid)
        Submission.objects.filter(pk=submission.pk).update(file=stored_name)
        submission.file.name = stored_name
    completing = replace(authorized, action=AuditAction.SUBMISSION_COMPLETE)
    try:
        return complete_upload(authorized=completing, submission=submission)
    except DomainError:  # refused (the daily limit, a leave that came first): the request leaves nothing behind
        Submission.objects.filter(pk=submission.pk, status=SubmissionStatus.AWAITING_UPLOAD).delete()
        object_store(STORAGE_ALIAS).discard(stored_name)
        raise


def delete_submission(*, authorized: AuthorizedAction, submission: Submission) -> None:
    """Delete a submission; its daily slot stays used, its team's boards fall back to the next best.

    Under the team's row lock: two deletions of one team's submissions (or a deletion and a scoring) rewrite the
    team's board rows one after the other, each from what the other left, so a board row never points at a
    submission that another transaction is deleting. A submission deleted meanwhile is a 404. Its file is let go
    after the commit (locally deleted; in S3 tagged for the lifecycle rule, the web task deletes nothing).

    After the end only those who may delete any of the competition's submissions (hosts, e.g. to disqualify) still
    can: private scores are visible by then, and a team deleting its own would bring other submissions among the
    ones its private entry is chosen from (409 ``competition_ended``)."""
    competition = submission.competition
    if competition.has_ended() and not authorized.actor_authorizer().can("delete", "submissions", competition):
        raise Conflict("the competition has ended: its teams' submissions stay as they are", code="competition_ended")
    stored_name, version = submission.file.name or "", submission.file_version
    with transaction.atomic():
        _delete_locked(authorized, submission)
    if stored_name:
        after_commit.run(lambda: object_store(STORAGE_ALIAS).discard(stored_name, version=version))


def _delete_locked(authorized: AuthorizedAction, submission: Submission) -> None:
    Team.lock(submission.team_id)
    if not Submission.objects.filter(pk=submission.pk).exists():
        raise NotFound()
    forget_submission(submission=submission, metric=submission.competition.metric_spec)
    authorized.record(submission, details={"team": submission.team_id})
    submission.delete()
