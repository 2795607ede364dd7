"""The one place where access is decided.

An ``Authorizer`` belongs to one request: it loads the caller's role bindings once (one query) and answers
every question of that request from memory: single decisions (``decide``/``require``), visibility
(``require_visible`` answers 404 so that existence is not revealed) and permission-filtered querysets.

Scopes nest like this: a platform binding covers everything, a competition binding covers the competition and
everything in it, a team binding covers the team and its submissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, QuerySet

from core.errors import Conflict, DomainError, NotAuthenticated, NotFound, PermissionDenied

from .builtin_roles import ANONYMOUS_ON_PUBLIC, AUTHENTICATED_ON_PUBLIC, IMPLICIT_PERMISSIONS, TEAM_MEMBER
from .models import RoleBinding, Scope
from .rules import Permission, Resource, Verb, expand_rules

M = TypeVar("M", bound=Model)

# Whoever may read one of these in a competition (before its end, when the private board opens to all) knows the
# answers or the final ranking: an insider, who cannot compete in it. Derived from permissions, not role names, so
# a platform admin or a custom role is covered like a host.
INSIDER_PERMISSIONS: tuple[Permission, ...] = (("groundtruth", "get"), ("leaderboards/private", "get"))


class CompetitionScope(Protocol):
    """What a decision needs to know of a competition (``competitions.models.Competition`` is one)."""

    @property
    def pk(self) -> Any: ...

    @property
    def slug(self) -> str: ...

    @property
    def is_public(self) -> bool: ...


@dataclass(frozen=True)
class Grant:
    """A role binding of the caller, with its rules expanded."""

    binding_id: int
    role: str
    scope: str
    competition_id: int | None
    team_id: int | None
    permissions: frozenset[Permission]

    def covers(self, competition_id: int | None, team_id: int | None) -> bool:
        if self.scope == Scope.PLATFORM:
            return True
        if self.scope == Scope.COMPETITION:
            return competition_id is not None and self.competition_id == competition_id
        return team_id is not None and self.team_id == team_id

    def describe(self) -> str:
        where = {
            Scope.PLATFORM: "the platform",
            Scope.COMPETITION: f"competition {self.competition_id}",
            Scope.TEAM: f"team {self.team_id}",
        }[Scope(self.scope)]
        return f"role binding #{self.binding_id} (role {self.role} on {where})"


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    reason: str


def describe_target(competition: CompetitionScope | None, team_id: int | None) -> str:
    if team_id is not None:
        return f"team {team_id} of competition '{competition.slug if competition else '?'}'"
    if competition is not None:
        return f"competition '{competition.slug}'"
    return "the platform"


class Authorizer:
    def __init__(self, user: User | AnonymousUser) -> None:
        self.user = user

    @property
    def authenticated_user(self) -> User | None:
        """The caller, when they identified themselves."""
        return None if isinstance(self.user, AnonymousUser) else self.user

    @property
    def is_authenticated(self) -> bool:
        return self.authenticated_user is not None

    @cached_property
    def grants(self) -> tuple[Grant, ...]:
        user = self.authenticated_user
        if user is None:
            return ()
        bindings = RoleBinding.objects.filter(user=user).select_related("role").order_by("id")
        return tuple(
            Grant(
                binding_id=binding.pk,
                role=binding.role.name,
                scope=binding.scope,
                competition_id=binding.competition_id,
                team_id=binding.team_id,
                permissions=expand_rules(binding.role.rules),
            )
            for binding in bindings
        )

    # -- single decisions ----------------------------------------------------------------------------------
    def _implicit_role(self, competition: CompetitionScope | None) -> str | None:
        if competition is None or not competition.is_public:
            return None
        return AUTHENTICATED_ON_PUBLIC if self.is_authenticated else ANONYMOUS_ON_PUBLIC

    def decide(
        self, verb: Verb, resource: Resource, competition: CompetitionScope | None = None, team_id: int | None = None
    ) -> AccessDecision:
        competition_id = competition.pk if competition is not None else None
        for grant in self.grants:
            if (resource, verb) in grant.permissions and grant.covers(competition_id, team_id):
                return AccessDecision(True, f"allowed by {grant.describe()}")
        implicit = self._implicit_role(competition)
        if implicit and (resource, verb) in IMPLICIT_PERMISSIONS[implicit]:
            return AccessDecision(True, f"allowed by the implicit role {implicit} (public competition)")
        who = "anonymous caller" if not self.is_authenticated else f"user {self.user.get_username()}"
        return AccessDecision(
            False,
            f"denied: no role binding of the {who} grants {verb} on {resource} in "
            f"{describe_target(competition, team_id)}",
        )

    def can(
        self, verb: Verb, resource: Resource, competition: CompetitionScope | None = None, team_id: int | None = None
    ) -> bool:
        return self.decide(verb, resource, competition, team_id).allowed

    def require(
        self, verb: Verb, resource: Resource, competition: CompetitionScope | None = None, team_id: int | None = None
    ) -> AccessDecision:
        """The decision if allowed; otherwise the refusal is raised."""
        decision = self.decide(verb, resource, competition, team_id)
        if not decision.allowed:
            raise self.refusal(verb, resource, decision)
        return decision

    def refusal(self, verb: Verb, resource: Resource, decision: AccessDecision) -> DomainError:
        """The error for a denied decision: 401 for anonymous callers, 403 for everyone else."""
        if not self.is_authenticated:
            return NotAuthenticated()
        return PermissionDenied(f"You may not {verb} {resource} here ({decision.reason}).")

    def require_visible(
        self, resource: Resource, competition: CompetitionScope | None, team_id: int | None = None
    ) -> AccessDecision:
        """``get`` on the object, or 404: an object the caller may not see does not exist for them."""
        decision = self.decide("get", resource, competition, team_id)
        if not decision.allowed:
            raise NotFound()
        return decision

    def can_anywhere_in(self, verb: Verb, resource: Resource, competition: CompetitionScope) -> bool:
        """Whether some binding allows this on the competition or on one of its teams."""
        if self.can(verb, resource, competition):
            return True
        return any(
            g.scope == Scope.TEAM and g.competition_id == competition.pk and (resource, verb) in g.permissions
            for g in self.grants
        )

    def permissions_in(self, competition: CompetitionScope | None, team_id: int | None = None) -> frozenset[Permission]:
        """Everything the caller may do on this target: what the escalation rule compares against."""
        competition_id = competition.pk if competition is not None else None
        held: set[Permission] = set()
        for grant in self.grants:
            if grant.covers(competition_id, team_id):
                held |= grant.permissions
        implicit = self._implicit_role(competition)
        if implicit:
            held |= IMPLICIT_PERMISSIONS[implicit]
        return frozenset(held)

    def require_may_compete(self, competition: CompetitionScope) -> None:
        """The caller is no insider of the competition (see ``INSIDER_PERMISSIONS``), or 409 ``host_cannot_compete``:
        checked on creating or joining a team and on taking a daily submission slot."""
        for resource, verb in INSIDER_PERMISSIONS:
            decision = self.decide(verb, resource, competition)
            if decision.allowed:
                raise Conflict(
                    f"whoever can read the {resource} of a competition before its end cannot compete in it "
                    f"({decision.reason})",
                    code="host_cannot_compete",
                    details={"permission": f"{verb} {resource}"},
                )

    def team_id_in(self, competition: CompetitionScope) -> int | None:
        """The caller's team in this competition (from the team-member binding made on joining)."""
        for grant in self.grants:
            if grant.role == TEAM_MEMBER and grant.competition_id == competition.pk:
                return grant.team_id
        return None

    # -- permission-filtered querysets -------------------------------------------------------------------
    def _platform_allows(self, verb: Verb, resource: Resource) -> bool:
        return any(g.scope == Scope.PLATFORM and (resource, verb) in g.permissions for g in self.grants)

    def competitions_granting(self, verb: Verb, resource: Resource) -> list[int] | None:
        """The competitions where a competition-wide binding allows this, sorted; None when a platform binding
        allows it everywhere. (The implicit roles of public competitions are the caller's to add.)"""
        if self._platform_allows(verb, resource):
            return None
        return sorted(
            {
                g.competition_id
                for g in self.grants
                if g.scope == Scope.COMPETITION and g.competition_id is not None and (resource, verb) in g.permissions
            }
        )

    def filter_in_competition(
        self,
        queryset: QuerySet[M],
        verb: Verb,
        resource: Resource,
        competition: CompetitionScope,
        team_field: str = "team_id",
    ) -> QuerySet[M]:
        """Objects of one competition the caller may ``verb``: all of them when a binding (or the implicit
        role) covers the competition, else those of the teams a team binding covers."""
        if self.can(verb, resource, competition):
            return queryset
        team_ids = sorted(
            {
                g.team_id
                for g in self.grants
                if g.scope == Scope.TEAM
                and g.team_id is not None
                and g.competition_id == competition.pk
                and (resource, verb) in g.permissions
            }
        )
        filters: dict[str, Any] = {f"{team_field}__in": team_ids}
        return queryset.filter(**filters)
