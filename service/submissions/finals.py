"""Final submissions: a team's members mark up to ``final_submissions_limit`` of its scored submissions as final,
until the end; the private board ranks the team by them (the rule: ``leaderboards.private_board``).

Every change takes the team's row lock first (the lock of its daily slots, members and board rows), then reads the
competition and the team's choices, so two marks racing for the last final slot happen one after the other and the
second sees the first. A change of the limit itself locks every team of the competition (``on_limit_changed``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count

from access.audit import AuthorizedAction
from competitions.models import Competition
from core.errors import Conflict, NotFound
from leaderboards.models import FinalChoice
from leaderboards.private_board import refresh_private_entries
from teams.models import Team
from teams.services import lock_membership

from .models import Submission, SubmissionStatus


def _team_choices(team_id: int) -> list[int]:
    """The ids of the team's final submissions, in order."""
    return sorted(FinalChoice.objects.filter(submission__team_id=team_id).values_list("submission_id", flat=True))


def _lock_for_choice(*, authorized: AuthorizedAction, submission: Submission) -> tuple[Competition, str]:
    """The team's lock with the caller one of its members, then the competition and the submission as they are
    now: the competition not ended, the submission still there. Returns the competition and the submission's
    status as they are now."""
    authorized.actor_authorizer().require_may_compete(submission.competition)
    lock_membership(team=submission.team, user=authorized.actor)
    competition = Competition.objects.filter(pk=submission.competition_id).first()
    status = Submission.objects.filter(pk=submission.pk).values_list("status", flat=True).first()
    if competition is None or status is None:  # deleted meanwhile
        raise NotFound()
    if competition.has_ended():
        raise Conflict("the competition has ended: final submissions no longer change", code="competition_ended")
    return competition, status


def _refresh_team(submission: Submission, competition: Competition) -> None:
    refresh_private_entries(
        competition_id=competition.pk,
        team_ids=[submission.team_id],
        scored=submission.scored_of_team(),
        metric=competition.metric_spec,
    )


@transaction.atomic
def mark_final(*, authorized: AuthorizedAction, submission: Submission) -> None:
    """Mark a scored submission of the caller's team as final (marking it again changes nothing): 409
    ``submission_not_scored``, ``final_limit_reached`` (the team has marked the limit already), ``competition_ended``,
    ``not_a_member``, ``host_cannot_compete``."""
    competition, status = _lock_for_choice(authorized=authorized, submission=submission)
    if status != SubmissionStatus.SCORED:
        raise Conflict(
            f"only a scored submission can be final (this one is {status})",
            code="submission_not_scored",
            details={"status": status},
        )
    chosen = _team_choices(submission.team_id)
    if submission.pk not in chosen:
        limit = competition.final_submissions_limit
        if len(chosen) >= limit:
            raise Conflict(
                f"the team has marked {len(chosen)} of its {limit} final submissions already: unmark one first",
                code="final_limit_reached",
                details={"limit": limit, "final_submissions": chosen},
            )
        FinalChoice.objects.create(submission_id=submission.pk, chosen_by=authorized.actor)
        chosen = sorted([*chosen, submission.pk])
        _refresh_team(submission, competition)
    authorized.record(submission, details={"team": submission.team_id, "final_submissions": chosen})


@transaction.atomic
def unmark_final(*, authorized: AuthorizedAction, submission: Submission) -> None:
    """The submission is no longer final (unmarking one that is not changes nothing): 409 ``competition_ended``,
    ``not_a_member``, ``host_cannot_compete``."""
    competition, _status = _lock_for_choice(authorized=authorized, submission=submission)
    if FinalChoice.objects.filter(submission_id=submission.pk).delete()[0]:
        _refresh_team(submission, competition)
    chosen = _team_choices(submission.team_id)
    authorized.record(submission, details={"team": submission.team_id, "final_submissions": chosen})


def _refresh_all(competition: Competition, team_ids: list[int]) -> None:
    refresh_private_entries(
        competition_id=competition.pk,
        team_ids=team_ids,
        scored=Submission.objects.filter(competition_id=competition.pk, status=SubmissionStatus.SCORED),
        metric=competition.metric_spec,
    )


def on_limit_changed(sender: Any, *, competition: Competition, **kwargs: Any) -> None:
    """Receiver of ``competitions.signals.final_submissions_limit_changed`` (in the change's transaction, the
    competition's row locked): every team locked, the limit must leave each team's choices valid (else 409
    ``final_choices_exceed_limit``: teams unmark first), then every private entry is chosen again."""
    team_ids = Team.lock_all_in(competition.pk)
    limit = competition.final_submissions_limit
    over = (
        FinalChoice.objects.filter(submission__competition_id=competition.pk)
        .values("submission__team_id")
        .annotate(chosen=Count("pk"))
        .filter(chosen__gt=limit)
        .values_list("chosen", flat=True)
    )
    counts = list(over)
    if counts:
        raise Conflict(
            f"{len(counts)} team(s) marked more than {limit} final submissions (up to {max(counts)}): they must "
            "unmark some before the limit can be lowered",
            code="final_choices_exceed_limit",
            details={"limit": limit, "teams_over_limit": len(counts), "most_marked": max(counts)},
        )
    _refresh_all(competition, team_ids)


@transaction.atomic
def rebuild_private_board(*, competition: Competition) -> int:
    """Every private entry of the competition chosen again (idempotent; the command ``rebuild_private_boards``):
    the competition's row, then every team, locked in the order a change of the limit takes them. Returns the
    number of teams."""
    Competition.objects.select_for_update(no_key=True).filter(pk=competition.pk).first()
    team_ids = Team.lock_all_in(competition.pk)
    _refresh_all(competition, team_ids)
    return len(team_ids)
