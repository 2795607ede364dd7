"""HTTP views of competitions: authorize, call a service function, serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from access.api import AuthorizedView

from . import services
from .models import Competition, GroundTruth
from .serializers import (
    CompetitionSerializer,
    CompetitionUpdateSerializer,
    GroundTruthSummarySerializer,
    GroundTruthUploadSerializer,
)


class CompetitionListView(AuthorizedView):
    serializer_class = CompetitionSerializer

    def get_queryset(self) -> Any:
        return self.authz.visible_competitions(Competition.objects.with_ground_truth_flag())

    @extend_schema(operation_id="competitions_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        decision = self.require("create", "competitions", audit_action="competition.create")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        competition = services.create_competition(request.user, serializer.validated_data, decision)
        competition.has_ground_truth = False  # type: ignore[attr-defined]
        return Response(self.get_serializer(competition).data, status=status.HTTP_201_CREATED)


class CompetitionDetailView(AuthorizedView):
    serializer_class = CompetitionSerializer

    @extend_schema(operation_id="competitions_retrieve")
    def get(self, request: Request, slug: str) -> Response:
        return Response(self.get_serializer(self.get_competition()).data)

    @extend_schema(request=CompetitionUpdateSerializer, responses=CompetitionSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        decision = self.require(
            "update",
            "competitions",
            competition,
            audit_action="competition.update",
            target_type="competition",
            target_id=slug,
        )
        serializer = CompetitionUpdateSerializer(competition, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        competition = services.update_competition(competition, request.user, serializer.validated_data, decision)
        return Response(self.get_serializer(competition).data)

    def delete(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        decision = self.require(
            "delete",
            "competitions",
            competition,
            audit_action="competition.delete",
            target_type="competition",
            target_id=slug,
        )
        services.delete_competition(competition, request.user, decision)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroundTruthView(AuthorizedView):
    """Hosts upload the ground truth; only a summary is ever returned."""

    serializer_class = GroundTruthSummarySerializer
    parser_classes = [MultiPartParser, FormParser]

    def get(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        self.require("get", "groundtruth", competition)
        ground_truth = GroundTruth.objects.defer("rows").filter(competition=competition).first()
        if ground_truth is None:
            raise NotFound("No ground truth has been uploaded yet.")
        return Response(self.get_serializer(ground_truth).data)

    @extend_schema(request=GroundTruthUploadSerializer, responses={201: GroundTruthSummarySerializer})
    def post(self, request: Request, slug: str) -> Response:
        competition = self.get_competition()
        decision = self.require(
            "create",
            "groundtruth",
            competition,
            audit_action="groundtruth.upload",
            target_type="competition",
            target_id=slug,
        )
        upload = GroundTruthUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        ground_truth = services.upload_ground_truth(competition, request.user, upload.validated_data["file"], decision)
        return Response(self.get_serializer(ground_truth).data, status=status.HTTP_201_CREATED)
