"""The audit log: who did what, whether it was allowed, and why.

A view authorizes an action and gets an ``AuthorizedAction`` (decision, action, actor, competition); the service
that carries the action out records it against its target in one call (``authorized.record(team)``). The target's
type and id come from the model instance, so the strings a view and a service must agree on are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Model

from .authorizer import AccessDecision, CompetitionScope
from .models import AuditEvent, Decision


class AuditAction(StrEnum):
    """Every audited action; the value is what the log stores."""

    COMPETITION_CREATE = "competition.create"
    COMPETITION_UPDATE = "competition.update"
    COMPETITION_DELETE = "competition.delete"
    GROUND_TRUTH_UPLOAD = "groundtruth.upload"
    TEAM_CREATE = "team.create"
    TEAM_JOIN = "team.join"
    TEAM_LEAVE = "team.leave"
    SUBMISSION_CREATE = "submission.create"
    SUBMISSION_DELETE = "submission.delete"
    ROLE_BINDING_CREATE = "rolebinding.create"
    ROLE_BINDING_UPDATE = "rolebinding.update"  # Django admin only
    ROLE_BINDING_DELETE = "rolebinding.delete"
    ROLE_CREATE = "role.create"  # Django admin only
    ROLE_UPDATE = "role.update"  # Django admin only
    ROLE_DELETE = "role.delete"  # Django admin only


@dataclass(frozen=True)
class AuditTarget:
    """What an action was done to: the model's name and the object's id (a competition's is its slug, as in its
    URL). ``kind(Team)`` names a type without an object, for an attempt refused before the object existed."""

    type_name: str
    id: str = ""

    @classmethod
    def of(cls, instance: Model) -> AuditTarget:
        id_field: str = getattr(instance, "audit_id_field", "pk")
        return cls(instance._meta.model_name or "", str(getattr(instance, id_field)))

    @classmethod
    def kind(cls, model: type[Model], pk: int | None = None) -> AuditTarget:
        return cls(model._meta.model_name or "", "" if pk is None else str(pk))


NO_TARGET = AuditTarget("")


def record_event(
    *,
    actor: User,
    action: AuditAction,
    decision: AccessDecision,
    competition: CompetitionScope | None,
    target: AuditTarget = NO_TARGET,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        competition_id=competition.pk if competition is not None and competition.pk else None,
        competition_slug=competition.slug if competition is not None else "",
        actor=actor,
        actor_username=actor.get_username(),
        action=action.value,
        decision=Decision.ALLOW if decision.allowed else Decision.DENY,
        reason=decision.reason,
        target_type=target.type_name,
        target_id=target.id,
        details=details or {},
    )


@dataclass(frozen=True)
class AuthorizedAction:
    """An allowed action of an authenticated caller, ready to be recorded by the service that carries it out."""

    decision: AccessDecision
    action: AuditAction
    actor: User
    competition: CompetitionScope | None = None

    def within(self, competition: CompetitionScope) -> AuthorizedAction:
        """The same action, logged in ``competition``: for the action that created it."""
        return replace(self, competition=competition)

    def record(self, target: Model | AuditTarget, details: dict[str, Any] | None = None) -> AuditEvent:
        """The action was carried out on ``target``."""
        return self._record(self.decision, target, details)

    def record_denial(
        self, reason: str, target: Model | AuditTarget, details: dict[str, Any] | None = None
    ) -> AuditEvent:
        """A rule of the service refused the action after the view allowed it (wrong invite code, escalation)."""
        return self._record(AccessDecision(False, reason), target, details)

    def _record(
        self, decision: AccessDecision, target: Model | AuditTarget, details: dict[str, Any] | None
    ) -> AuditEvent:
        return record_event(
            actor=self.actor,
            action=self.action,
            decision=decision,
            competition=self.competition,
            target=target if isinstance(target, AuditTarget) else AuditTarget.of(target),
            details=details,
        )
