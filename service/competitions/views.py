"""HTTP views of competitions: authorize, call a service function, serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from access.api import AuthorizedView
from access.audit import AuditAction
from core.errors import NotFound
from core.openapi import change_schema, error_responses

from . import services
from .api import CompetitionScopedView
from .models import GroundTruth
from .selectors import visible_competitions
from .serializers import (
    CompetitionSerializer,
    CompetitionUpdateSerializer,
    GroundTruthSummarySerializer,
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
    parser_classes = [MultiPartParser, FormParser]

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
        "Upload (or replace) the ground truth: hosts; refused once submissions exist.",
        request=GroundTruthUploadSerializer,
        success={201: GroundTruthSummarySerializer},
        conflicts=("submissions_exist", "metric_changed"),
    )
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        authorized = self.authorize(
            AuditAction.GROUND_TRUTH_UPLOAD, "create", "groundtruth", competition, target=competition
        )
        upload = GroundTruthUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        ground_truth = services.upload_ground_truth(
            authorized=authorized, competition=competition, upload=upload.validated_data["file"]
        )
        return Response(self.get_serializer(ground_truth).data, status=status.HTTP_201_CREATED)
