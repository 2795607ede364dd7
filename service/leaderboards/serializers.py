from __future__ import annotations

from typing import Any

from rest_framework import serializers


class LeaderboardRowSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    team_id = serializers.IntegerField()
    team_name = serializers.CharField()
    score = serializers.FloatField()
    submission_id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()


class LeaderboardPageSerializer(serializers.Serializer[Any]):
    board = serializers.ChoiceField(choices=["public", "private"])
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LeaderboardRowSerializer(many=True)
    my_team = LeaderboardRowSerializer(allow_null=True)
