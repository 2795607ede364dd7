"""HTTP views of submissions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from access.audit import AuditAction, AuditTarget
from competitions.api import CompetitionScopedView
from core.errors import Conflict, NotFound
from core.openapi import change_schema, error_responses
from core.throttling import PostRateThrottle
from leaderboards.models import Board
from leaderboards.selectors import with_final_flag
from leaderboards.visibility import can_see_board
from teams.models import Team

from . import services
from .models import Submission
from .serializers import SubmissionSerializer, SubmissionUploadSerializer


class SubmissionViewMixin(CompetitionScopedView):
    serializer_class = SubmissionSerializer

    def get_queryset(self) -> Any:
        submissions = Submission.objects.filter(competition=self.get_competition()).select_related(
            "team", "submitted_by"
        )
        return with_final_flag(submissions)

    def get_serializer_context(self) -> dict[str, Any]:
        show_private = can_see_board(self.authz, self.get_competition(), Board.PRIVATE)
        return {**super().get_serializer_context(), "show_private": show_private}


class SubmissionListView(SubmissionViewMixin):
    """A participant sees their team's submissions, a host all of the competition's."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [PostRateThrottle]
    throttle_scope = "submissions"

    @extend_schema(
        operation_id="submissions_list",
        description="Submissions, newest first: a participant's team's, or all of them for hosts.",
        responses={200: SubmissionSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        queryset = self.authz.filter_in_competition(self.get_queryset(), "list", "submissions", competition)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @change_schema(
        "Upload predictions: validated, counted against the team's daily limit, stored and scored.",
        request=SubmissionUploadSerializer,
        success={201: SubmissionSerializer},
        conflicts=("no_team", "not_a_member", "host_cannot_compete", "competition_closed", "no_ground_truth"),
    )
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        team_id = self.authz.team_id_in(competition)
        # A refused upload is logged against the caller's team (the submission does not exist).
        authorized = self.authorize(
            AuditAction.SUBMISSION_CREATE,
            "create",
            "submissions",
            competition,
            team_id,
            target=AuditTarget.kind(Team, team_id),
        )
        if team_id is None:  # allowed (e.g. a platform admin) but a submission needs a team
            raise Conflict("you are not in a team of this competition", code="no_team")
        body = SubmissionUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = Team.objects.get(pk=team_id, competition=competition)
        submission = services.submit_predictions(
            authorized=authorized, competition=competition, team=team, upload=body.validated_data["file"]
        )
        return Response(self.get_serializer(submission).data, status=status.HTTP_201_CREATED)


class SubmissionDetailView(SubmissionViewMixin):
    def get_submission(self) -> Submission:
        submission: Submission | None = self.get_queryset().filter(pk=self.kwargs["submission_id"]).first()
        if submission is None:
            raise NotFound()
        submission.competition = self.get_competition()
        self.authz.require_visible("submissions", submission.competition, submission.team_id)
        return submission

    @extend_schema(
        description="One submission: the team's members and hosts.",
        responses={200: SubmissionSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, slug: str, submission_id: int) -> Response:
        return Response(self.get_serializer(self.get_submission()).data)

    @extend_schema(
        description="Delete a submission (its daily slot stays used); the team's boards fall back to the next best. "
        "After the end only hosts may (409 `competition_ended` for the team's members).",
        responses={204: None, **error_responses(401, 403, 404, 409, 429, conflicts=("competition_ended",))},
    )
    def delete(self, request: Request, slug: str, submission_id: int) -> Response:
        submission = self.get_submission()
        competition, team_id = submission.competition, submission.team_id
        authorized = self.authorize(
            AuditAction.SUBMISSION_DELETE, "delete", "submissions", competition, team_id, target=submission
        )
        services.delete_submission(authorized=authorized, submission=submission)
        return Response(status=status.HTTP_204_NO_CONTENT)
