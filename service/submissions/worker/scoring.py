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
from competitions.models import GroundTruth
from core.uploads.declared import HashingReader
from core.uploads.objects import MissingObject
from core.uploads.stores import object_store
from scoring.ground_truth import GroundTruth as ParsedGroundTruth
from scoring.problems import CsvProblem
from scoring.scorer import Scores, score_predictions
from scoring.upload_reading import SizeLimits

from .. import transitions
from ..models import Submission

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SCORED = "scored"
    INVALID = "invalid"
    FAILED = "failed"
    NOTHING_TO_DO = "nothing to do"  # already final (a duplicate message), deleted, or lost to a concurrent worker


def submission_limits() -> SizeLimits:
    return SizeLimits(
        max_bytes=settings.SUBMISSION_MAX_BYTES, max_decompressed_bytes=settings.SUBMISSION_MAX_DECOMPRESSED_BYTES
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
            reader = HashingReader(stream)
            scores: Scores | CsvProblem = _score(reader, truth)
    except MissingObject:
        return _failed(submission, "the uploaded file is no longer in storage; submit it again")
    except ValueError as exc:  # the file is valid, the metric is not finite (e.g. rmse overflowing)
        return _failed(submission, f"the score could not be computed: {exc}")
    declared = submission.upload_sha256
    if declared and reader.at_end and reader.hexdigest() != declared:
        scores = CsvProblem(
            1, f"the file's SHA-256 is {reader.hexdigest()}, not the {declared} declared when the upload was requested"
        )
    if isinstance(scores, CsvProblem):
        changed = transitions.finish_invalid(submission, scores.line, scores.reason)
        return Outcome.INVALID if changed else Outcome.NOTHING_TO_DO
    changed = transitions.finish_scored(submission, scores, row_count=len(truth))
    return Outcome.SCORED if changed else Outcome.NOTHING_TO_DO


def _score(reader: HashingReader, truth: ParsedGroundTruth) -> Scores | CsvProblem:
    try:
        return score_predictions(reader, truth, submission_limits())
    except CsvProblem as problem:
        return problem


def _failed(submission: Submission, reason: str) -> Outcome:
    logger.warning("submission %s failed: %s", submission.pk, reason)
    return Outcome.FAILED if transitions.finish_failed(submission, reason) else Outcome.NOTHING_TO_DO
