"""The team's daily submission slots: taken when an upload completes, given back when a file turns out invalid or
cannot be scored. A scored submission's slot is never given back, and deleting a submission never gives it back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from access.audit import AuthorizedAction
from competitions.models import Competition
from core.errors import QuotaExceeded
from teams.models import Team
from teams.services import lock_membership

from .models import DailySubmissionQuota, Submission


def utc_day(moment: dt.datetime | None = None) -> dt.date:
    return (moment or timezone.now()).astimezone(dt.UTC).date()


@dataclass(frozen=True)
class SlotClaim:
    day: dt.date  # the UTC day whose slot was taken
    used: int  # slots of that day used, this one included


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


def claim_submission_slot(*, authorized: AuthorizedAction, competition: Competition, team: Team) -> SlotClaim:
    """The one gate a submission passes to take one of its team's daily slots: the completion of its upload (the
    multipart upload completes the same way). Call inside a transaction.

    The submitter must be no insider of the competition (409 ``host_cannot_compete``: e.g. a member who became a
    platform admin). Under the team's row lock (the one a member leaving takes too), the submitter must still be a
    member: a leave that came first makes this a 409 ``not_a_member``, a leave that comes second sees the used slot
    and is refused. Then the conditional UPDATE of the quota row (locked after the team, always in that order)."""
    authorized.actor_authorizer().require_may_compete(competition)
    lock_membership(team=team, user=authorized.actor)
    day = utc_day()
    return SlotClaim(day, claim_daily_slot(team, competition.daily_submission_limit, day))


def give_back_slot(submission_id: int, team_id: int) -> bool:
    """Return the submission's slot to its day, once (its ``slot_day`` is cleared in the same statement's guard).
    Call inside a transaction that holds the team's row lock (``Team.lock``)."""
    day = Submission.objects.filter(pk=submission_id).values_list("slot_day", flat=True).first()
    if day is None or not Submission.objects.filter(pk=submission_id, slot_day=day).update(slot_day=None):
        return False
    DailySubmissionQuota.objects.filter(team_id=team_id, day=day, used__gt=0).update(used=F("used") - 1)
    return True
