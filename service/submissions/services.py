"""Service functions of submissions: submit (validate, take a daily slot, store, score) and delete."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access.audit import AuthorizedAction
from competitions.csv_files import CsvProblem
from competitions.models import Competition, GroundTruth
from core.errors import Conflict, NotFound, QuotaExceeded
from leaderboards.services import forget_submission
from teams.models import Team
from teams.services import lock_membership

from .models import DailySubmissionQuota, Submission
from .predictions import parse_predictions
from .scoring import score_submission


def utc_day(moment: dt.datetime | None = None) -> dt.date:
    return (moment or timezone.now()).astimezone(dt.UTC).date()


def claim_daily_slot(team: Team, limit: int, day: dt.date) -> int:
    """Take one of today's slots or raise ``QuotaExceeded``; returns the slots used including this one.

    A single conditional UPDATE: PostgreSQL re-checks ``used < limit`` after waiting for a concurrent
    transaction's row lock, so two uploads can never both take the last slot. Call inside a transaction.
    """
    DailySubmissionQuota.objects.bulk_create([DailySubmissionQuota(team=team, day=day, used=0)], ignore_conflicts=True)
    taken = DailySubmissionQuota.objects.filter(team=team, day=day, used__lt=limit).update(used=F("used") + 1)
    if not taken:
        raise QuotaExceeded(
            f"the team has used all {limit} submissions of {day.isoformat()} (UTC)",
            details={"limit": limit, "day": day.isoformat()},
        )
    return int(DailySubmissionQuota.objects.filter(team=team, day=day).values_list("used", flat=True).get())


def claim_submission_slot(*, authorized: AuthorizedAction, competition: Competition, team: Team) -> int:
    """The one gate a submission passes to take one of its team's daily slots (the upload today; the completion of
    an upload once files go straight to storage). Returns the slots used including this one. Call inside a
    transaction.

    The submitter must be no insider of the competition (409 ``host_cannot_compete``: e.g. a member who became a
    platform admin). Under the team's row lock (the one a member leaving takes too), the submitter must still be a
    member: a leave that came first makes this a 409 ``not_a_member``, a leave that comes second sees the used slot
    and is refused. Then the conditional UPDATE of the quota row (locked after the team, always in that order)."""
    authorized.actor_authorizer().require_may_compete(competition)
    lock_membership(team=team, user=authorized.actor)
    return claim_daily_slot(team, competition.daily_submission_limit, utc_day())


def submit_predictions(
    *, authorized: AuthorizedAction, competition: Competition, team: Team, upload: IO[bytes]
) -> Submission:
    """Validate the file, take a daily slot, store it, then score it (the scorer is request-independent)."""
    if not competition.is_open():
        raise Conflict("the competition is not open for submissions", code="competition_closed")
    ground_truth = GroundTruth.objects.filter(competition=competition).first()
    if ground_truth is None:
        raise Conflict("the competition has no ground truth yet", code="no_ground_truth")
    try:
        predictions = parse_predictions(
            upload, ground_truth.rows, competition.metric_spec, settings.SUBMISSION_MAX_BYTES
        )
    except CsvProblem as problem:
        raise problem.as_domain_error("invalid_submission") from None
    upload.seek(0)
    content = upload.read()
    with transaction.atomic():
        used = claim_submission_slot(authorized=authorized, competition=competition, team=team)
        submission = Submission(
            competition=competition,
            team=team,
            submitted_by=authorized.actor,
            original_name=str(getattr(upload, "name", ""))[:255],
            row_count=len(predictions),
        )
        submission.file.save("predictions.csv", ContentFile(content), save=False)
        submission.save()
        authorized.record(submission, details={"team": team.pk, "daily_slots_used": used})
    return score_submission(submission, predictions)


@transaction.atomic
def delete_submission(*, authorized: AuthorizedAction, submission: Submission) -> None:
    """Delete a submission; its daily slot stays used, its team's boards fall back to the next best.

    Under the team's row lock: two deletions of one team's submissions (or a deletion and a scoring) rewrite the
    team's board rows one after the other, each from what the other left, so a board row never points at a
    submission that another transaction is deleting. A submission deleted meanwhile is a 404.

    After the end only those who may delete any of the competition's submissions (hosts, e.g. to disqualify) still
    can: private scores are visible by then, and a team deleting its own would bring other submissions among the
    ones its private entry is chosen from (409 ``competition_ended``)."""
    competition = submission.competition
    if competition.has_ended() and not authorized.actor_authorizer().can("delete", "submissions", competition):
        raise Conflict("the competition has ended: its teams' submissions stay as they are", code="competition_ended")
    Team.lock(submission.team_id)
    if not Submission.objects.filter(pk=submission.pk).exists():
        raise NotFound()
    forget_submission(submission=submission, metric=submission.competition.metric_spec)
    authorized.record(submission, details={"team": submission.team_id})
    stored_name = submission.file.name
    storage = submission.file.storage
    submission.delete()
    transaction.on_commit(lambda: storage.delete(stored_name) if stored_name else None)
