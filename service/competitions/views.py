"""HTTP views of competitions: authorize, call a service function, serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from access.api import AuthorizedView
from access.audit import AuditAction
from core.errors import NotFound
from core.openapi import change_schema, error_responses
from core.parsers import FormParser, JSONParser, MultiPartParser
from core.uploads.serializers import file_or_ticket_schema

from . import ground_truth_services, services
from .api import CompetitionScopedView
from .models import GroundTruth, GroundTruthUpload
from .selectors import visible_competitions
from .serializers import (
    CompetitionSerializer,
    CompetitionUpdateSerializer,
    GroundTruthSummarySerializer,
    GroundTruthTicketSerializer,
    GroundTruthUploadRequestSerializer,
    GroundTruthUploadSerializer,
)


class CompetitionListView(AuthorizedView):
    serializer_class = CompetitionSerializer

    def get_queryset(self) -> Any:
        return visible_competitions(self.authz)

    @extend_schema(
        operation_id="competitions_list",
        description="The competitions the caller may see, a page at a time.",
        responses={200: CompetitionSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        description="A new competition (`create competitions` on the platform); its creator becomes its host. "
        "Slugs are one namespace: a slug taken by a competition the caller cannot see is refused too.",
        request=CompetitionSerializer,
        responses={201: CompetitionSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        authorized = self.authorize(AuditAction.COMPETITION_CREATE, "create", "competitions")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        slug = fields.pop("slug")
        competition = services.create_competition(
            authorized=authorized, slug=slug, fields=services.CompetitionFields(**fields)
        )
        return Response(self.get_serializer(competition).data, status=status.HTTP_201_CREATED)


class CompetitionDetailView(CompetitionScopedView):
    serializer_class = CompetitionSerializer

    @extend_schema(
        operation_id="competitions_retrieve",
        description="One competition the caller may see.",
        responses={200: CompetitionSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(self.get_serializer(self.get_competition()).data)

    @change_schema(
        "Change a competition: hosts. The metric is frozen once a ground truth exists. `final_submissions_limit` "
        "changes until the end (then 409 `competition_ended`) and rebuilds the private board; lowering it below the "
        "number of final submissions a team has marked is refused (409 `final_choices_exceed_limit`).",
        request=CompetitionUpdateSerializer,
        success={200: CompetitionSerializer},
        conflicts=("metric_frozen", "competition_ended", "final_choices_exceed_limit"),
    )
    def patch(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.COMPETITION_UPDATE, "update", "competitions", competition, target=competition
        )
        serializer = CompetitionUpdateSerializer(competition, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = services.CompetitionFields(**serializer.validated_data)
        competition = services.update_competition(authorized=authorized, competition=competition, changes=changes)
        return Response(self.get_serializer(competition).data)

    @extend_schema(
        description="Delete a competition with everything in it: hosts.",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.COMPETITION_DELETE, "delete", "competitions", competition, target=competition
        )
        services.delete_competition(authorized=authorized, competition=competition)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroundTruthView(CompetitionScopedView):
    """Hosts upload the ground truth; only a summary is ever returned."""

    serializer_class = GroundTruthSummarySerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        description="A summary of the ground truth (the rows are never served): hosts.",
        responses={200: GroundTruthSummarySerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        self.require("get", "groundtruth", competition)
        ground_truth = GroundTruth.objects.defer("rows").filter(competition=competition).first()
        if ground_truth is None:
            raise NotFound("No ground truth has been uploaded yet.")
        return Response(self.get_serializer(ground_truth).data)

    @change_schema(
        "Upload (or replace) the ground truth: hosts; refused once submissions exist. Multipart `file` (small files): "
        "validated and stored at once (201 with the summary). JSON `{file_name, size_bytes, sha256?}` (big files): "
        "201 with an upload ticket; POST the file to `upload.url` with `upload.fields` first, then complete it at "
        "`ground-truth/uploads/{id}/complete/`.",
        conflicts=("submissions_exist", "metric_changed"),
        **file_or_ticket_schema(
            created="GroundTruthUploadResult",
            multipart=GroundTruthUploadSerializer,
            ticket_request=GroundTruthUploadRequestSerializer,
            results=[GroundTruthSummarySerializer(), GroundTruthTicketSerializer()],
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.GROUND_TRUTH_UPLOAD, "create", "groundtruth", competition, target=competition
        )
        if not str(request.content_type).startswith("multipart/"):
            body = GroundTruthUploadRequestSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            upload, ticket = ground_truth_services.request_ground_truth_upload(
                authorized=authorized,
                competition=competition,
                declared=body.declared(),
                absolute_url=request.build_absolute_uri,
            )
            representation = {"id": upload.pk, "status": "awaiting_upload", "upload": ticket.as_dict()}
            return Response(representation, status=status.HTTP_201_CREATED)
        upload_form = GroundTruthUploadSerializer(data=request.data)
        upload_form.is_valid(raise_exception=True)
        ground_truth = ground_truth_services.upload_ground_truth(
            authorized=authorized, competition=competition, upload=upload_form.validated_data["file"]
        )
        return Response(self.get_serializer(ground_truth).data, status=status.HTTP_201_CREATED)


class GroundTruthUploadCompleteView(CompetitionScopedView):
    """The host's uploaded ground-truth file is validated and becomes the competition's ground truth."""

    serializer_class = GroundTruthSummarySerializer

    @change_schema(
        "Complete a ground-truth upload made with a ticket: the file is validated (400 `invalid_ground_truth` names "
        "the first bad line) and replaces the ground truth; 409 when nothing was uploaded, the file is too large or "
        "its SHA-256 is not the declared one.",
        request=None,
        success={201: GroundTruthSummarySerializer},
        conflicts=("submissions_exist", "metric_changed", "upload_missing", "upload_too_large", "checksum_mismatch"),
    )
    def post(self, request: Request, slug: str, upload_id: int) -> Response:
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.GROUND_TRUTH_UPLOAD, "create", "groundtruth", competition, target=competition
        )
        upload = GroundTruthUpload.objects.filter(pk=upload_id, competition=competition).first()
        if upload is None:
            raise NotFound()
        upload.competition = competition
        ground_truth = ground_truth_services.complete_ground_truth_upload(authorized=authorized, upload=upload)
        return Response(self.get_serializer(ground_truth).data, status=status.HTTP_201_CREATED)
