"""Writing the audit log: permission changes, joins and submissions, each with the reason of its decision."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from competitions.models import Competition

from .authorizer import AccessDecision
from .models import AuditEvent, Decision


def record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    decision: AccessDecision,
    competition: Competition | None = None,
    target_type: str = "",
    target_id: object = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    authenticated = actor is not None and actor.is_authenticated
    return AuditEvent.objects.create(
        competition=competition if competition is not None and competition.pk else None,
        competition_slug=competition.slug if competition is not None else "",
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated and actor is not None else "",
        action=action,
        decision=Decision.ALLOW if decision.allowed else Decision.DENY,
        reason=decision.reason,
        target_type=target_type,
        target_id=str(target_id) if target_id not in (None, "") else "",
        details=details or {},
    )
