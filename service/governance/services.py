"""Granting and revoking roles within a competition, with the Kubernetes escalation rule."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from access.audit import AuditTarget, AuthorizedAction
from access.authorizer import INSIDER_PERMISSIONS, Authorizer
from access.builtin_roles import COMPETITION_HOST
from access.models import Role, RoleBinding, Scope
from competitions.models import Competition
from core.errors import Conflict, DomainError, PermissionDenied
from teams.models import Team, TeamMembership


def missing_permissions(grantor: Authorizer, role: Role, competition: Competition, team: Team | None) -> str:
    """The escalation rule: nobody may grant a role that carries a permission they do not hold on the same
    target. The permissions the grantor lacks, listed ("" when none)."""
    missing = role.permissions - grantor.permissions_in(competition, team.pk if team else None)
    return ", ".join(f"{verb} {resource}" for resource, verb in sorted(missing))


def _require_bindable(role: Role, scope: Scope, competition: Competition, user: User) -> None:
    if role.managed:
        raise DomainError(f"the role {role.name} is managed by the platform and cannot be granted", code="managed_role")
    if scope not in role.bindable_scopes:
        raise DomainError(f"the role {role.name} cannot be bound to a {scope}", code="invalid_scope")
    # The other side of "insiders cannot compete" (Authorizer.require_may_compete): a competitor is not made one.
    insider = scope == Scope.COMPETITION and not role.permissions.isdisjoint(INSIDER_PERMISSIONS)
    if insider and TeamMembership.objects.filter(competition=competition, user=user).exists():
        raise Conflict(
            f"{user.get_username()} competes in a team of this competition and cannot be given {role.name}, which "
            "reads its ground truth or private board",
            code="participant_cannot_host",
        )


def grant_role(
    *,
    authorized: AuthorizedAction,
    grantor: Authorizer,
    competition: Competition,
    user: User,
    role: Role,
    team: Team | None = None,
) -> RoleBinding:
    """Bind ``role`` to ``user`` on the competition (or one of its teams). ``authorized`` allowed the
    ``create rolebindings`` itself; this adds the rules of the role and the escalation rule."""
    scope = Scope.TEAM if team is not None else Scope.COMPETITION
    request = {"user": user.get_username(), "role": role.name, "scope": scope, "team": team.pk if team else None}
    _require_bindable(role, scope, competition, user)
    missing = missing_permissions(grantor, role, competition, team)
    if missing:
        reason = f"denied by the escalation rule: the grantor does not hold {missing}"
        authorized.record_denial(reason, target=AuditTarget.kind(RoleBinding), details=request)
        raise PermissionDenied(f"You may not grant {role.name} ({reason}).")
    try:
        with transaction.atomic():
            binding = RoleBinding.objects.create(
                role=role, user=user, scope=scope, competition=competition, team=team, created_by=authorized.actor
            )
            authorized.record(binding, details=request)
    except IntegrityError:
        raise Conflict("this role binding already exists", code="binding_exists") from None
    return binding


@transaction.atomic
def revoke_binding(*, authorized: AuthorizedAction, binding: RoleBinding) -> None:
    """Remove a binding; a competition keeps at least one host, and managed bindings go with their membership."""
    role = binding.role
    if role.managed:
        raise DomainError(
            f"the role {role.name} is managed by the platform (leave the team instead)", code="managed_role"
        )
    if role.name == COMPETITION_HOST and binding.scope == Scope.COMPETITION and binding.competition_id is not None:
        hosts = RoleBinding.hosts_of(binding.competition_id).select_for_update(of=("self",))
        if len(hosts) <= 1:
            raise Conflict("a competition keeps at least one host", code="last_host")
    authorized.record(binding, details=binding.audit_details())
    binding.delete()
