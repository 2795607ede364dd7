"""Granting and revoking roles within a competition, with the Kubernetes escalation rule."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from rest_framework.exceptions import PermissionDenied

from competition_platform.errors import Conflict, DomainError
from competitions.models import Competition
from teams.models import Team, TeamMembership

from . import audit
from .authorizer import AccessDecision, Authorizer
from .builtin_roles import COMPETITION_HOST
from .models import Role, RoleBinding, Scope


def _escalation_check(grantor: Authorizer, role: Role, competition: Competition, team: Team | None) -> AccessDecision:
    """Nobody may grant a role that carries a permission they do not hold on the same target."""
    missing = role.permissions - grantor.permissions_in(competition, team.pk if team else None)
    if missing:
        listed = ", ".join(f"{verb} {resource}" for resource, verb in sorted(missing))
        return AccessDecision(False, f"denied by the escalation rule: the grantor does not hold {listed}")
    return AccessDecision(True, "")


def grant_role(
    grantor: Authorizer,
    competition: Competition,
    user: AbstractBaseUser,
    role: Role,
    team: Team | None,
    decision: AccessDecision,
) -> RoleBinding:
    """Bind ``role`` to ``user`` on the competition (or one of its teams). ``decision`` allowed the
    ``create rolebindings`` itself; this adds the rules of the role and the escalation rule."""
    scope = Scope.TEAM if team is not None else Scope.COMPETITION
    target = {
        "user": user.get_username(),
        "role": role.name,
        "scope": scope,
        "team": team.pk if team else None,
    }
    if role.managed:
        raise DomainError(f"the role {role.name} is managed by the platform and cannot be granted", code="managed_role")
    if scope not in role.bindable_scopes:
        raise DomainError(f"the role {role.name} cannot be bound to a {scope}", code="invalid_scope")
    if role.name == COMPETITION_HOST and TeamMembership.objects.filter(competition=competition, user=user).exists():
        raise Conflict(
            f"{user.get_username()} competes in a team of this competition and cannot become its host",
            code="participant_cannot_host",
        )
    escalation = _escalation_check(grantor, role, competition, team)
    if not escalation.allowed:
        audit.record(
            actor=grantor.user,
            action="rolebinding.create",
            decision=escalation,
            competition=competition,
            target_type="rolebinding",
            details=target,
        )
        raise PermissionDenied(f"You may not grant {role.name} ({escalation.reason}).")
    try:
        with transaction.atomic():
            binding = RoleBinding.objects.create(
                role=role,
                user=user,
                scope=scope,
                competition=competition,
                team=team,
                created_by=grantor.user if grantor.is_authenticated else None,
            )
            audit.record(
                actor=grantor.user,
                action="rolebinding.create",
                decision=decision,
                competition=competition,
                target_type="rolebinding",
                target_id=binding.pk,
                details=target,
            )
    except IntegrityError:
        raise Conflict("this role binding already exists", code="binding_exists") from None
    return binding


@transaction.atomic
def revoke_binding(grantor: Authorizer, binding: RoleBinding, decision: AccessDecision) -> None:
    role = binding.role
    if role.managed:
        raise DomainError(
            f"the role {role.name} is managed by the platform (leave the team instead)", code="managed_role"
        )
    if role.name == COMPETITION_HOST and binding.scope == Scope.COMPETITION:
        hosts = RoleBinding.hosts_of(binding.competition_id).select_for_update(of=("self",))
        if len(hosts) <= 1:
            raise Conflict("a competition keeps at least one host", code="last_host")
    audit.record(
        actor=grantor.user,
        action="rolebinding.delete",
        decision=decision,
        competition=binding.competition,
        target_type="rolebinding",
        target_id=binding.pk,
        details=binding.audit_details(),
    )
    binding.delete()
