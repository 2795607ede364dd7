"""The base of every API view: the request's ``Authorizer`` and the competition named in the URL."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from competitions.models import Competition

from . import audit
from .authorizer import AccessDecision, Authorizer


def authorizer_for(request: Request) -> Authorizer:
    """One Authorizer per request (and per user: it is rebuilt if authentication changes the user)."""
    authz: Authorizer | None = getattr(request, "_authorizer", None)
    if authz is None or authz.user is not request.user:
        authz = Authorizer(request.user)
        request._authorizer = authz  # type: ignore[attr-defined]
    return authz


class AuthorizedView(GenericAPIView):  # type: ignore[type-arg]
    """Skinny views: load, authorize through the Authorizer, call a service, serialize."""

    @property
    def authz(self) -> Authorizer:
        return authorizer_for(self.request)

    def get_competition(self) -> Competition:
        """The competition of the URL, or 404 when it does not exist or the caller may not see it."""
        cached: Competition | None = getattr(self, "_competition", None)
        if cached is not None:
            return cached
        competition = Competition.objects.with_ground_truth_flag().filter(slug=self.kwargs["slug"]).first()
        if competition is None:
            raise NotFound()
        self.authz.require_visible("competitions", competition)
        self._competition = competition
        return competition

    def require(
        self,
        verb: str,
        resource: str,
        competition: Competition | None = None,
        team_id: int | None = None,
        *,
        audit_action: str = "",
        target_type: str = "",
        target_id: Any = "",
    ) -> AccessDecision:
        """The caller may do this, or 401/403; audited actions record the denial with its reason."""
        decision = self.authz.decide(verb, resource, competition, team_id)
        if not decision.allowed and audit_action and self.authz.is_authenticated:
            audit.record(
                actor=self.request.user,
                action=audit_action,
                decision=decision,
                competition=competition,
                target_type=target_type,
                target_id=target_id,
            )
        return self.authz.require(verb, resource, competition, team_id) if not decision.allowed else decision
