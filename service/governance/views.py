"""HTTP views of a competition's governance: its role bindings and its audit log."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from access.audit import AuditAction, AuditTarget
from access.models import AuditEvent, RoleBinding
from competitions.api import CompetitionScopedView
from competitions.models import Competition
from core.errors import DomainError, NotFound
from core.openapi import change_schema, error_responses
from teams.models import Team

from . import services
from .serializers import AuditEventSerializer, RoleBindingCreateSerializer, RoleBindingSerializer


class RoleBindingListView(CompetitionScopedView):
    serializer_class = RoleBindingSerializer

    def get_queryset(self) -> Any:
        return RoleBinding.objects.filter(competition=self.get_competition()).select_related(
            "role", "user", "created_by"
        )

    @extend_schema(
        operation_id="role_bindings_list",
        description="The competition's role bindings: hosts and admins.",
        responses={200: RoleBindingSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        self.require("list", "rolebindings", self.get_competition())
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @change_schema(
        "Grant a role in the competition or one of its teams, within the escalation rule.",
        request=RoleBindingCreateSerializer,
        success={201: RoleBindingSerializer},
        conflicts=("binding_exists", "participant_cannot_host"),
    )
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        if not self.authz.can_anywhere_in("create", "rolebindings", competition):
            self.authorize(AuditAction.ROLE_BINDING_CREATE, "create", "rolebindings", competition)
        body = RoleBindingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = self._team_in(competition, body.validated_data.get("team"))
        authorized = self.authorize(
            AuditAction.ROLE_BINDING_CREATE,
            "create",
            "rolebindings",
            competition,
            team.pk if team else None,
            target=AuditTarget.kind(RoleBinding),
        )
        binding = services.grant_role(
            authorized=authorized,
            grantor=self.authz,
            competition=competition,
            user=body.validated_data["user"],
            role=body.validated_data["role"],
            team=team,
        )
        binding = self.get_queryset().get(pk=binding.pk)
        return Response(self.get_serializer(binding).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _team_in(competition: Competition, team_id: int | None) -> Team | None:
        """Ids in the body are checked against the scope of the URL."""
        if team_id is None:
            return None
        team = Team.objects.filter(pk=team_id, competition=competition).first()
        if team is None:
            raise DomainError(
                "no team with this id in this competition", code="invalid_team", details={"team": team_id}
            )
        return team


class RoleBindingDetailView(CompetitionScopedView):
    serializer_class = RoleBindingSerializer

    def get_binding(self) -> RoleBinding:
        competition = self.get_competition()
        binding: RoleBinding | None = (
            RoleBinding.objects.filter(competition=competition, pk=self.kwargs["binding_id"])
            .select_related("role", "user", "created_by")
            .first()
        )
        if binding is None:
            raise NotFound()
        binding.competition = competition
        self.authz.require_visible("rolebindings", competition, binding.team_id)
        return binding

    @extend_schema(
        description="One role binding of the competition.",
        responses={200: RoleBindingSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, slug: str, binding_id: int) -> Response:
        return Response(self.get_serializer(self.get_binding()).data)

    @change_schema(
        "Revoke a role binding (a managed one is a 400; the last host stays).",
        request=None,
        success={204: None},
        conflicts=("last_host",),
    )
    def delete(self, request: Request, slug: str, binding_id: int) -> Response:
        binding = self.get_binding()
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.ROLE_BINDING_DELETE, "delete", "rolebindings", competition, binding.team_id, target=binding
        )
        services.revoke_binding(authorized=authorized, binding=binding)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditLogView(CompetitionScopedView):
    """Hosts of the competition and platform admins read its audit log."""

    serializer_class = AuditEventSerializer

    @extend_schema(
        description="The competition's audit log, newest first; repeated refusals are one event with a count.",
        responses={200: AuditEventSerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        self.require("list", "auditlog", competition)
        page = self.paginate_queryset(AuditEvent.objects.filter(competition=competition))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
