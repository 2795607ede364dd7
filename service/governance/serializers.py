from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from access.models import AuditEvent, Role, RoleBinding


class RoleBindingSerializer(serializers.ModelSerializer[RoleBinding]):
    user = serializers.CharField(source="user.username", read_only=True)
    role = serializers.CharField(source="role.name", read_only=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = RoleBinding
        fields = ["id", "user", "role", "scope", "team", "created_by", "created_at"]
        read_only_fields = fields

    def get_created_by(self, binding: RoleBinding) -> str | None:
        return binding.created_by.get_username() if binding.created_by else None


class RoleBindingCreateSerializer(serializers.Serializer[Any]):
    """Names are resolved here; the team id is checked against the competition of the URL by the view."""

    user = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())
    role = serializers.SlugRelatedField(slug_field="name", queryset=Role.objects.all())
    team = serializers.IntegerField(required=False, allow_null=True)


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor_username")
    competition = serializers.CharField(source="competition_slug")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "competition",
            "actor",
            "action",
            "decision",
            "reason",
            "target_type",
            "target_id",
            "details",
            "repeat_count",
            "last_at",
        ]
        read_only_fields = fields
