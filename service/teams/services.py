"""Service functions of teams: creating, joining and leaving, each audited with the reason it was allowed."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from access.audit import AuthorizedAction
from access.builtin_roles import TEAM_MEMBER
from access.models import Role, RoleBinding, Scope
from competitions.models import Competition
from core.errors import Conflict, NotFound, PermissionDenied

from .models import Team, TeamMembership


def _require_not_ended(competition: Competition) -> None:
    if competition.has_ended():
        raise Conflict("the competition has ended; teams can no longer change", code="competition_ended")


def _add_member(team: Team, user: User) -> TeamMembership:
    """Membership plus its team-member binding. The database refuses a second team in one competition."""
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, competition_id=team.competition_id, user=user)
    except IntegrityError:
        raise Conflict("you are already in a team of this competition", code="already_in_team") from None
    RoleBinding.objects.create(
        role=Role.objects.get(name=TEAM_MEMBER),
        user=user,
        scope=Scope.TEAM,
        competition_id=team.competition_id,
        team=team,
        membership=membership,
    )
    return membership


@transaction.atomic
def create_team(*, authorized: AuthorizedAction, competition: Competition, name: str) -> Team:
    """A new team of the caller, who becomes its first member."""
    creator = authorized.actor
    _require_not_ended(competition)
    authorized.actor_authorizer().require_may_compete(competition)
    try:
        with transaction.atomic():
            team = Team.objects.create(competition=competition, name=name, created_by=creator)
    except IntegrityError:
        raise Conflict(f"a team named '{name}' already exists in this competition", code="team_name_taken") from None
    _add_member(team, creator)
    authorized.record(team, details={"name": name})
    return team


def join_team(*, authorized: AuthorizedAction, team: Team, invite_code: str) -> TeamMembership:
    """The caller joins with the team's invite code, while the team has room."""
    competition = team.competition
    _require_not_ended(competition)
    authorized.actor_authorizer().require_may_compete(competition)
    if not secrets.compare_digest(invite_code.encode(), team.invite_code.encode()):
        authorized.record_denial(
            f"denied: wrong invite code for team {team.pk} ({authorized.decision.reason})", target=team
        )
        raise PermissionDenied("The invite code is not valid for this team.")
    with transaction.atomic():
        # The row lock serializes joins of one team, so the size limit holds under concurrency.
        locked = _lock(team)
        if locked.memberships.count() >= competition.max_team_size:
            raise Conflict(f"the team is full ({competition.max_team_size} members at most)", code="team_full")
        membership = _add_member(locked, authorized.actor)
        authorized.record(team)
    return membership


def _lock(team: Team) -> Team:
    locked = Team.lock(team.pk)
    if locked is None:  # deleted with its competition meanwhile
        raise NotFound()
    return locked


def lock_membership(*, team: Team, user: User) -> Team:
    """The team's row, locked, with ``user`` one of its members (else 409 ``not_a_member``). Call inside a
    transaction.

    A member leaving and a daily slot claimed for that member's submission both go through here, so they happen
    one after the other: a leave after the claim sees the used slot (``leave_team``), a claim after the leave sees
    that the submitter is no longer a member."""
    locked = _lock(team)
    # A statement of its own, after the lock: a membership joined into the locking SELECT would be read as it was
    # before the wait (PostgreSQL re-checks only the locked row), and a leave that just committed would go unseen.
    if not TeamMembership.objects.filter(team=locked, user=user).exists():
        raise Conflict("you are not a member of this team", code="not_a_member")
    return locked


@transaction.atomic
def leave_team(*, authorized: AuthorizedAction, team: Team) -> None:
    """The caller leaves the team (their team-member binding goes with the membership)."""
    _require_not_ended(team.competition)
    locked = lock_membership(team=team, user=authorized.actor)
    # The daily limit counts per team: a member who could leave after submitting would get fresh slots in a new
    # team and a second row on the leaderboard. A team that has submitted keeps its members.
    if locked.has_submitted():
        raise Conflict(
            "the team has already submitted; its members stay with its submissions", code="team_has_submitted"
        )
    TeamMembership.objects.filter(team=locked, user=authorized.actor).delete()
    authorized.record(team)
