"""Translating competitions to and from JSON; the ground truth itself never appears here."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Competition

# The rule as the API applies it (validate below, and the database's check constraint) and the schema states it.
ENDS_AFTER_START = (
    "Strictly after starts_at: an end equal to or before the start is refused with 400 (details.ends_at), "
    "on creation and on a change of either."
)


class CompetitionSerializer(serializers.ModelSerializer[Competition]):
    higher_is_better = serializers.BooleanField(read_only=True)
    has_ground_truth = serializers.SerializerMethodField()

    class Meta:
        model = Competition
        fields = [
            "slug",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "visibility",
            "metric",
            "higher_is_better",
            "daily_submission_limit",
            "max_team_size",
            "final_submissions_limit",
            "has_ground_truth",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"ends_at": {"help_text": ENDS_AFTER_START}}

    def get_has_ground_truth(self, competition: Competition) -> bool:
        return bool(getattr(competition, "has_ground_truth", False))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts_at = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends_at = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": "must be after starts_at"})
        return attrs


class CompetitionUpdateSerializer(CompetitionSerializer):
    class Meta(CompetitionSerializer.Meta):
        read_only_fields = ["slug", "created_at"]


class GroundTruthUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        allow_empty_file=True, help_text="CSV with the header id,expected,usage (usage Public or Private)."
    )


class GroundTruthSummarySerializer(serializers.Serializer[Any]):
    public_rows = serializers.IntegerField()
    private_rows = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
