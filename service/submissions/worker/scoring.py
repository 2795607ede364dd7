"""The unit of work: score one submission, whoever asks (the SQS loop, or the in-process default).

Safe to run more than once for a submission, and by two workers at once: the status changes are conditional
(``submissions.transitions``), so one scored submission and one board update come out. Raises only for what a retry
may cure (the database, storage or the ground truth's file unreachable); everything a retry cannot change is an
outcome: ``scored``, ``invalid`` with the first bad line (or a SHA-256 that is not the declared one), ``failed``
(a metric that is not finite, the file gone from storage, no ground truth).
"""

from __future__ import annotations

import logging
from enum import StrEnum

from django.conf import settings

from competitions.ground_truth_files import load_for_scoring
from competitions.models import Competition, GroundTruth
from core.uploads.declared import HashingReader
from core.uploads.objects import MissingObject
from core.uploads.stores import object_store
from scoring.ground_truth import GroundTruth as ParsedGroundTruth
from scoring.predictions import AlignedPredictions, read_predictions
from scoring.problems import CsvProblem
from scoring.scorer import score_aligned
from scoring.upload_reading import BinaryStream, SizeLimits

from .. import transitions
from ..models import Submission

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SCORED = "scored"
    INVALID = "invalid"
    FAILED = "failed"
    NOTHING_TO_DO = "nothing to do"  # already final (a duplicate message), deleted, or lost to a concurrent worker


def submission_limits(competition: Competition) -> SizeLimits:
    return SizeLimits(
        max_bytes=competition.submission_max_bytes, max_decompressed_bytes=settings.SUBMISSION_MAX_DECOMPRESSED_BYTES
    )


def score_submission(submission_id: int) -> Outcome:
    if not transitions.start_scoring(submission_id):
        return Outcome.NOTHING_TO_DO
    submission = Submission.objects.select_related("competition").filter(pk=submission_id).first()
    if submission is None:  # deleted meanwhile
        return Outcome.NOTHING_TO_DO
    record = GroundTruth.objects.defer("rows").filter(competition_id=submission.competition_id).first()
    if record is None:
        return _failed(submission, "the competition has no ground truth")
    truth = load_for_scoring(record, metric=submission.competition.metric)
    try:
        pinned = submission.file_version  # the version completion checked, not what was uploaded since
        with object_store("default").open_stream(submission.file.name or "", version=pinned) as stream:
            checked = _read_checked(stream, truth, submission)
        scores = checked if isinstance(checked, CsvProblem) else score_aligned(checked, truth)
    except MissingObject:
        return _failed(submission, "the uploaded file is no longer in storage; submit it again")
    except ValueError as exc:  # the file is valid, the metric is not finite (e.g. rmse overflowing)
        return _failed(submission, f"the score could not be computed: {exc}")
    if isinstance(scores, CsvProblem):
        changed = transitions.finish_invalid(submission, scores.line, scores.reason)
        return Outcome.INVALID if changed else Outcome.NOTHING_TO_DO
    changed = transitions.finish_scored(submission, scores, row_count=len(truth))
    return Outcome.SCORED if changed else Outcome.NOTHING_TO_DO


def _read_checked(
    stream: BinaryStream, truth: ParsedGroundTruth, submission: Submission
) -> AlignedPredictions | CsvProblem:
    """The file's predictions, or its first problem. A file whose SHA-256 is not the one declared with the ticket is
    a problem on line 1, found before any metric is computed: a file that is not the participant's is never scored
    (and its score never shown)."""
    reader = HashingReader(stream)
    try:
        predictions = read_predictions(reader, truth, submission_limits(submission.competition))
    except CsvProblem as problem:
        return problem
    declared_sha256 = submission.upload_sha256
    sha256 = reader.hexdigest()  # of the whole file, whatever the parser left unread
    if declared_sha256 and sha256 != declared_sha256:
        return CsvProblem(
            1, f"the file's SHA-256 is {sha256}, not the {declared_sha256} declared when the upload was requested"
        )
    return predictions


def _failed(submission: Submission, reason: str) -> Outcome:
    logger.warning("submission %s failed: %s", submission.pk, reason, extra={"submission_id": submission.pk})
    return Outcome.FAILED if transitions.finish_failed(submission, reason) else Outcome.NOTHING_TO_DO
