"""HTTP views of access control: tokens, role bindings of a competition, its audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from competition_platform.errors import DomainError
from competition_platform.throttling import PostRateThrottle
from teams.models import Team

from . import services
from .api import AuthorizedView
from .models import AuditEvent, RoleBinding
from .serializers import (
    AuditEventSerializer,
    RoleBindingCreateSerializer,
    RoleBindingSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class ObtainTokenView(APIView):
    """A token for username + password (throttled per client address)."""

    authentication_classes: list[Any] = []
    throttle_classes = [PostRateThrottle]
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'  # wrong credentials answer 401, not 403

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(request, username=body.validated_data["username"], password=body.validated_data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed("Unable to log in with the credentials provided.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class RoleBindingListView(AuthorizedView):
    serializer_class = RoleBindingSerializer

    def get_queryset(self) -> Any:
        return RoleBinding.objects.filter(competition=self.get_competition()).select_related(
            "role", "user", "created_by"
        )

    @extend_schema(operation_id="role_bindings_list")
    def get(self, request: Request, slug: str) -> Response:
        self.require("list", "rolebindings", self.get_competition())
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=RoleBindingCreateSerializer, responses={201: RoleBindingSerializer})
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        if not self.authz.can_anywhere_in("create", "rolebindings", competition):
            self.require("create", "rolebindings", competition, audit_action="rolebinding.create")
        body = RoleBindingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = None
        team_id = body.validated_data.get("team")
        if team_id is not None:
            # Ids in the body are checked against the scope of the URL.
            team = Team.objects.filter(pk=team_id, competition=competition).first()
            if team is None:
                raise DomainError(
                    "no team with this id in this competition", code="invalid_team", details={"team": team_id}
                )
        decision = self.require(
            "create",
            "rolebindings",
            competition,
            team.pk if team else None,
            audit_action="rolebinding.create",
            target_type="rolebinding",
        )
        binding = services.grant_role(
            self.authz, competition, body.validated_data["user"], body.validated_data["role"], team, decision
        )
        binding = self.get_queryset().get(pk=binding.pk)
        return Response(self.get_serializer(binding).data, status=status.HTTP_201_CREATED)


class RoleBindingDetailView(AuthorizedView):
    serializer_class = RoleBindingSerializer

    def get_binding(self) -> RoleBinding:
        competition = self.get_competition()
        binding = (
            RoleBinding.objects.filter(competition=competition, pk=self.kwargs["binding_id"])
            .select_related("role", "user", "created_by")
            .first()
        )
        if binding is None:
            raise NotFound()
        binding.competition = competition
        self.authz.require_visible("rolebindings", competition, binding.team_id)
        return binding

    def get(self, request: Request, slug: str, binding_id: int) -> Response:
        return Response(self.get_serializer(self.get_binding()).data)

    def delete(self, request: Request, slug: str, binding_id: int) -> Response:
        binding = self.get_binding()
        decision = self.require(
            "delete",
            "rolebindings",
            binding.competition,
            binding.team_id,
            audit_action="rolebinding.delete",
            target_type="rolebinding",
            target_id=binding.pk,
        )
        services.revoke_binding(self.authz, binding, decision)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditLogView(AuthorizedView):
    """Hosts of the competition and platform admins read its audit log."""

    serializer_class = AuditEventSerializer

    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        self.require("list", "auditlog", competition)
        page = self.paginate_queryset(AuditEvent.objects.filter(competition=competition))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
