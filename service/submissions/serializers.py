from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Submission


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    team = serializers.SerializerMethodField()
    submitted_by = serializers.SerializerMethodField()
    private_score = serializers.SerializerMethodField()
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


class SubmissionUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        allow_empty_file=True, help_text="CSV with the header id,prediction and one row per ground-truth id."
    )
