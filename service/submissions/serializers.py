from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.uploads.serializers import UploadRequestSerializer, UploadTicketSerializer

from .models import Submission, SubmissionStatus


class SubmissionErrorSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(
        required=False, help_text="The first bad line of an invalid file (the header is line 1)."
    )
    reason = serializers.CharField(help_text="Why the file is invalid, or why scoring failed.")


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    team = serializers.SerializerMethodField()
    submitted_by = serializers.SerializerMethodField()
    private_score = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    # Annotated by the view's query (leaderboards.selectors.with_final_flag); a new submission is never final.
    is_final = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text="One of the team's final submissions: the private board ranks the team by its final submissions.",
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "team",
            "submitted_by",
            "status",
            "public_score",
            "private_score",
            "error",
            "is_final",
            "row_count",
            "original_name",
            "created_at",
            "queued_at",
            "scored_at",
        ]
        read_only_fields = fields

    def get_team(self, submission: Submission) -> dict[str, Any]:
        return {"id": submission.team_id, "name": submission.team.name}

    def get_submitted_by(self, submission: Submission) -> str | None:
        return submission.submitted_by.get_username() if submission.submitted_by else None

    def get_private_score(self, submission: Submission) -> float | None:
        """Hidden (null) until the caller may see the private board."""
        return submission.private_score if self.context.get("show_private") else None

    @extend_schema_field(SubmissionErrorSerializer(allow_null=True))
    def get_error(self, submission: Submission) -> dict[str, Any] | None:
        """``{"line", "reason"}`` for an invalid file, ``{"reason"}`` for a failed scoring, else null."""
        if submission.status == SubmissionStatus.INVALID:
            return {"line": submission.error_line or 1, "reason": submission.error}
        if submission.status == SubmissionStatus.FAILED:
            return {"reason": submission.error}
        return None


class SubmissionTicketSerializer(SubmissionSerializer):
    """A new submission awaiting its file, with the ticket to upload it."""

    upload = UploadTicketSerializer()

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "upload"]
        read_only_fields = fields


class SubmissionUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="CSV (or gzip-compressed CSV) with the header id,prediction and one row per ground-truth id.",
    )


class SubmissionUploadRequestSerializer(UploadRequestSerializer):
    max_bytes_setting = "SUBMISSION_MAX_BYTES"
