"""HTTP views of submissions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from access.audit import AuditAction, AuditTarget, AuthorizedAction
from competitions.api import CompetitionScopedView
from core.errors import Conflict, NotFound
from core.openapi import change_schema, error_responses
from core.parsers import FormParser, JSONParser, MultiPartParser
from core.throttling import PostRateThrottle
from core.uploads.serializers import file_or_ticket_schema
from leaderboards.models import Board
from leaderboards.selectors import with_final_flag
from leaderboards.visibility import can_see_board
from teams.models import Team

from . import services
from .models import Submission, SubmissionStatus
from .selectors import submissions_of
from .serializers import (
    SubmissionSerializer,
    SubmissionTicketSerializer,
    SubmissionUploadRequestSerializer,
    SubmissionUploadSerializer,
)

UPLOAD_CONFLICTS = ("no_team", "not_a_member", "host_cannot_compete", "competition_closed", "no_ground_truth")
COMPLETE_CONFLICTS = (
    "not_a_member",
    "host_cannot_compete",
    "competition_closed",
    "upload_missing",
    "upload_too_large",
    "checksum_mismatch",
)


class SubmissionViewMixin(CompetitionScopedView):
    serializer_class = SubmissionSerializer

    def get_queryset(self) -> Any:
        return with_final_flag(submissions_of(self.get_competition()))

    def get_serializer_context(self) -> dict[str, Any]:
        show_private = can_see_board(self.authz, self.get_competition(), Board.PRIVATE)
        return {**super().get_serializer_context(), "show_private": show_private}


class SubmissionListView(SubmissionViewMixin):
    """A participant sees their team's submissions, a host all of the competition's."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [PostRateThrottle]
    throttle_scope = "submissions"

    @extend_schema(
        operation_id="submissions_list",
        description="Submissions, newest first: a participant's team's, or all of them for hosts.",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=SubmissionStatus.values, description="Only submissions in this status."
            )
        ],
        responses={200: SubmissionSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        queryset = with_final_flag(submissions_of(competition, status=request.query_params.get("status")))
        visible = self.authz.filter_in_competition(queryset, "list", "submissions", competition)
        page = self.paginate_queryset(visible)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @change_schema(
        "Submit predictions. JSON `{file_name, size_bytes, sha256?}`: 201 with the submission (`awaiting_upload`) and "
        "an upload ticket; POST the file to `upload.url` as `multipart/form-data`, every field of `upload.fields` "
        "first and the file last as `file`, then call `complete/`. Multipart `file` (small files): stored, completed "
        "and queued at once. Either way the file is validated and scored by the scoring worker; the status shows "
        "the outcome (`invalid` with the first bad line).",
        conflicts=UPLOAD_CONFLICTS,
        **file_or_ticket_schema(
            created="SubmissionCreated",
            multipart=SubmissionUploadSerializer,
            ticket_request=SubmissionUploadRequestSerializer,
            results=[SubmissionTicketSerializer(), SubmissionSerializer()],
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        team, authorized = self.authorize_for_team(AuditAction.SUBMISSION_CREATE)
        if str(request.content_type).startswith("multipart/"):
            body = SubmissionUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            submission = services.submit_file(
                authorized=authorized, competition=competition, team=team, upload=body.validated_data["file"]
            )
            submission.refresh_from_db()  # scored in this process when no queue is configured
            return Response(self.get_serializer(submission).data, status=status.HTTP_201_CREATED)
        request_body = SubmissionUploadRequestSerializer(
            data=request.data, context={"max_bytes": competition.submission_max_bytes}
        )
        request_body.is_valid(raise_exception=True)
        submission, ticket = services.request_upload(
            authorized=authorized,
            competition=competition,
            team=team,
            declared=request_body.declared(),
            absolute_url=request.build_absolute_uri,
        )
        representation = {**self.get_serializer(submission).data, "upload": ticket.as_dict()}
        return Response(representation, status=status.HTTP_201_CREATED)

    def authorize_for_team(self, action: AuditAction) -> tuple[Team, AuthorizedAction]:
        competition = self.get_competition()
        team_id = self.authz.team_id_in(competition)
        # A refused upload is logged against the caller's team (the submission does not exist).
        authorized = self.authorize(
            action, "create", "submissions", competition, team_id, target=AuditTarget.kind(Team, team_id)
        )
        # Before the team: an insider (a platform admin, a host) has none, and the answer that fits is that they may
        # not compete, not that they should join a team.
        self.authz.require_may_compete(competition)
        if team_id is None:  # allowed but a submission needs a team
            raise Conflict("you are not in a team of this competition", code="no_team")
        return Team.objects.get(pk=team_id, competition=competition), authorized


class SubmissionObjectView(SubmissionViewMixin):
    def get_submission(self) -> Submission:
        submission: Submission | None = self.get_queryset().filter(pk=self.kwargs["submission_id"]).first()
        if submission is None:
            raise NotFound()
        submission.competition = self.get_competition()
        self.authz.require_visible("submissions", submission.competition, submission.team_id)
        return submission


class SubmissionDetailView(SubmissionObjectView):
    @extend_schema(
        description="One submission (its status: awaiting_upload, queued, scoring, scored, invalid, failed): the "
        "team's members and hosts.",
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


class SubmissionCompleteView(SubmissionObjectView):
    throttle_classes = [PostRateThrottle]
    throttle_scope = "submissions"

    @change_schema(
        "Complete an upload made with the ticket: the file is checked (it exists, within the size limit, the "
        "declared SHA-256 where storage keeps one), a daily slot is taken (429 `daily_limit_reached`) and the "
        "submission is `queued` for the scoring worker. Completing again returns the submission as it is.",
        request=None,
        success={200: SubmissionSerializer},
        conflicts=COMPLETE_CONFLICTS,
    )
    def post(self, request: Request, slug: str, submission_id: int) -> Response:
        submission = self.get_submission()
        authorized = self.authorize(
            AuditAction.SUBMISSION_COMPLETE,
            "create",
            "submissions",
            submission.competition,
            submission.team_id,
            target=submission,
        )
        submission = services.complete_upload(authorized=authorized, submission=submission)
        submission.refresh_from_db()  # scored in this process when no queue is configured
        return Response(self.get_serializer(submission).data)
