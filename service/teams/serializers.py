from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Team


class TeamSerializer(serializers.ModelSerializer[Team]):
    members = serializers.SerializerMethodField()
    invite_code = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "members", "invite_code", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_members(self, team: Team) -> list[str]:
        return [membership.user.get_username() for membership in team.memberships.all()]

    def get_invite_code(self, team: Team) -> str | None:
        """Only members see the code they can share."""
        return team.invite_code if team.pk == self.context.get("my_team_id") else None


class TeamCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)


class JoinTeamSerializer(serializers.Serializer[Any]):
    invite_code = serializers.CharField(max_length=32)
