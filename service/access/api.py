"""The base of every API view: the request's ``Authorizer``, checks, and authorized actions for the services."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework.generics import GenericAPIView

from core.errors import NotAuthenticated

from .audit import NO_TARGET, AuditAction, AuditTarget, AuthorizedAction, record_event
from .authorizer import AccessDecision, Authorizer, CompetitionScope
from .rules import Resource, Verb


class AuthorizedView(GenericAPIView[Any]):
    """Skinny views: load, authorize through the Authorizer, call a service, serialize."""

    _authorizer: Authorizer | None = None

    @property
    def authz(self) -> Authorizer:
        """One Authorizer per request (a view instance serves one request), rebuilt if authentication changes
        the user: it loads the caller's bindings once and answers every check of the request from memory."""
        if self._authorizer is None or self._authorizer.user is not self.request.user:
            self._authorizer = Authorizer(self.request.user)
        return self._authorizer

    def require(
        self, verb: Verb, resource: Resource, competition: CompetitionScope | None = None, team_id: int | None = None
    ) -> AccessDecision:
        """The caller may do this, or 401/403 (reads and other checks the audit log does not record)."""
        return self.authz.require(verb, resource, competition, team_id)

    def authorize(
        self,
        action: AuditAction,
        verb: Verb,
        resource: Resource,
        competition: CompetitionScope | None = None,
        team_id: int | None = None,
        *,
        target: Model | AuditTarget = NO_TARGET,
    ) -> AuthorizedAction:
        """The caller may do this audited action, or 401/403; a refused attempt is recorded against ``target``."""
        decision = self.authz.decide(verb, resource, competition, team_id)
        actor = self.authz.authenticated_user
        if actor is None:  # anonymous callers never carry out an audited action
            raise NotAuthenticated()
        if not decision.allowed:
            record_event(
                actor=actor,
                action=action,
                decision=decision,
                competition=competition,
                target=target if isinstance(target, AuditTarget) else AuditTarget.of(target),
            )
            raise self.authz.refusal(verb, resource, decision)
        return AuthorizedAction(
            decision=decision, action=action, actor=actor, competition=competition, authorizer=self.authz
        )
