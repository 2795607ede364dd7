"""HTTP views of teams."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from access.audit import AuditAction, AuditTarget, AuthorizedAction
from access.rules import Verb
from competitions.api import CompetitionScopedView
from core.errors import NotFound
from core.openapi import change_schema, error_responses

from . import services
from .models import Team, TeamMembership
from .serializers import JoinTeamSerializer, TeamCreateSerializer, TeamSerializer


class TeamViewMixin(CompetitionScopedView):
    serializer_class = TeamSerializer

    def get_queryset(self) -> Any:
        members = Prefetch("memberships", queryset=TeamMembership.objects.select_related("user"))
        return Team.objects.filter(competition=self.get_competition()).prefetch_related(members)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "my_team_id": self.authz.team_id_in(self.get_competition())}

    def get_team(self) -> Team:
        """The team of the URL within the competition of the URL, or 404."""
        competition = self.get_competition()
        team: Team | None = self.get_queryset().filter(pk=self.kwargs["team_id"]).first()
        if team is None:
            raise NotFound()
        self.authz.require_visible("teams", competition, team.pk)
        return team

    def authorize_on_team(self, action: AuditAction, verb: Verb) -> tuple[Team, AuthorizedAction]:
        """The team of the URL, and the caller's authorization to ``verb`` it (a refusal is audited)."""
        team = self.get_team()
        return team, self.authorize(action, verb, "teams", self.get_competition(), team.pk, target=team)

    def created_response(self, team: Team) -> Response:
        """201 with the team as its members see it (with its invite code)."""
        team = self.get_queryset().get(pk=team.pk)
        context = {**self.get_serializer_context(), "my_team_id": team.pk}
        return Response(TeamSerializer(team, context=context).data, status=status.HTTP_201_CREATED)


class TeamListView(TeamViewMixin):
    @extend_schema(
        operation_id="teams_list",
        description="The competition's teams, a page at a time (members also see their own team's invite code).",
        responses={200: TeamSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        queryset = self.authz.filter_in_competition(self.get_queryset(), "list", "teams", competition, "pk")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @change_schema(
        "A new team with the caller as its first member: participants not yet in a team.",
        request=TeamCreateSerializer,
        success={201: TeamSerializer},
        conflicts=("already_in_team", "team_name_taken", "host_cannot_compete", "competition_ended"),
    )
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.TEAM_CREATE, "create", "teams", competition, target=AuditTarget.kind(Team)
        )
        body = TeamCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = services.create_team(authorized=authorized, competition=competition, name=body.validated_data["name"])
        return self.created_response(team)


class TeamDetailView(TeamViewMixin):
    @extend_schema(
        description="One team (its members also see its invite code).",
        responses={200: TeamSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, slug: str, team_id: int) -> Response:
        return Response(self.get_serializer(self.get_team()).data)


class JoinTeamView(TeamViewMixin):
    @change_schema(
        "Join the team with its invite code (a wrong code is a 403), while it has room.",
        request=JoinTeamSerializer,
        success={201: TeamSerializer},
        conflicts=("already_in_team", "team_full", "host_cannot_compete", "competition_ended"),
    )
    def post(self, request: Request, slug: str, team_id: int) -> Response:
        team, authorized = self.authorize_on_team(AuditAction.TEAM_JOIN, "join")
        body = JoinTeamSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.join_team(authorized=authorized, team=team, invite_code=body.validated_data["invite_code"])
        return self.created_response(team)


class LeaveTeamView(TeamViewMixin):
    @extend_schema(
        description="Leave the team; refused once the team has submitted (its members stay with its submissions).",
        request=None,
        responses={
            204: None,
            **error_responses(
                401,
                403,
                404,
                409,
                429,
                conflicts=("team_has_submitted", "not_a_member", "competition_ended"),
            ),
        },
    )
    def post(self, request: Request, slug: str, team_id: int) -> Response:
        team, authorized = self.authorize_on_team(AuditAction.TEAM_LEAVE, "leave")
        services.leave_team(authorized=authorized, team=team)
        return Response(status=status.HTTP_204_NO_CONTENT)
