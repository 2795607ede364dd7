"""The audit log: who did what, whether it was allowed, and why.

A view authorizes an action and gets an ``AuthorizedAction`` (decision, action, actor, competition); the service
that carries the action out records it against its target in one call (``authorized.record(team)``). The target's
type and id come from the model instance, so the strings a view and a service must agree on are gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, Model
from django.utils import timezone

from .authorizer import AccessDecision, Authorizer, CompetitionScope
from .denial_throttle import DeniedWriteThrottle
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
    SUBMISSION_FINAL_MARK = "submission.final.mark"
    SUBMISSION_FINAL_UNMARK = "submission.final.unmark"
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


# Refusals of one actor, action, target and reason within this time of the first are one event with a count.
REPEAT_WINDOW = dt.timedelta(minutes=10)


def record_event(
    *,
    actor: User,
    action: AuditAction,
    decision: AccessDecision,
    competition: CompetitionScope | None,
    target: AuditTarget = NO_TARGET,
    details: dict[str, Any] | None = None,
) -> None:
    """Log one action. A refusal is first admitted by the user's ``DeniedWriteThrottle`` (else 429, not logged),
    then counted on the same refusal's event of the last ``REPEAT_WINDOW`` if there is one, so that a flood of
    refused attempts stays one readable, bounded entry."""
    event = AuditEvent(
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
    if not decision.allowed:
        DeniedWriteThrottle(actor.pk).admit_refusal()
        if _count_as_repeat(event):
            return
    event.save()


def _count_as_repeat(event: AuditEvent) -> bool:
    """One UPDATE (atomic under concurrency): +1 on the latest event of the same refusal within the window. Two
    first refusals at the same moment may both start an event; every later one counts on the latest."""
    now = timezone.now()
    same = AuditEvent.objects.filter(
        competition=event.competition_id,
        actor=event.actor,
        action=event.action,
        decision=event.decision,
        reason=event.reason,
        target_type=event.target_type,
        target_id=event.target_id,
        created_at__gte=now - REPEAT_WINDOW,
    ).order_by("-created_at", "-id")
    counted = AuditEvent.objects.filter(pk__in=same.values("pk")[:1]).update(
        repeat_count=F("repeat_count") + 1, last_at=now
    )
    return counted > 0


@dataclass(frozen=True)
class AuthorizedAction:
    """An allowed action of an authenticated caller, ready to be recorded by the service that carries it out."""

    decision: AccessDecision
    action: AuditAction
    actor: User
    competition: CompetitionScope | None = None
    # The request's Authorizer, which has the actor's bindings loaded (None outside a request: built on demand).
    authorizer: Authorizer | None = field(default=None, compare=False, repr=False)

    def actor_authorizer(self) -> Authorizer:
        """What the actor may do, for the rules a service checks beyond the action itself."""
        return self.authorizer if self.authorizer is not None else Authorizer(self.actor)

    def within(self, competition: CompetitionScope) -> AuthorizedAction:
        """The same action, logged in ``competition``: for the action that created it."""
        return replace(self, competition=competition)

    def record(self, target: Model | AuditTarget, details: dict[str, Any] | None = None) -> None:
        """The action was carried out on ``target``."""
        self._record(self.decision, target, details)

    def record_denial(self, reason: str, target: Model | AuditTarget, details: dict[str, Any] | None = None) -> None:
        """A rule of the service refused the action after the view allowed it (wrong invite code, escalation)."""
        self._record(AccessDecision(False, reason), target, details)

    def _record(self, decision: AccessDecision, target: Model | AuditTarget, details: dict[str, Any] | None) -> None:
        record_event(
            actor=self.actor,
            action=self.action,
            decision=decision,
            competition=self.competition,
            target=target if isinstance(target, AuditTarget) else AuditTarget.of(target),
            details=details,
        )
