"""The denormalized leaderboard: one row per team and board holding that team's best scored submission."""

from __future__ import annotations

from django.db import models

from competitions.models import Competition
from teams.models import Team


class Board(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class LeaderboardEntry(models.Model):
    """Maintained in the same transaction that scores (or deletes) a submission.

    ``sort_key`` is the score oriented so that larger is better (the score, or minus the score for
    lower-is-better metrics): one index serves every metric, and a rank is ``1 + COUNT(sort_key > mine)``.
    """

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="leaderboard_entries")
    board = models.CharField(max_length=8, choices=Board.choices)
    # By name: the submissions app builds on this one (it calls leaderboards.services), not the other way round.
    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    sort_key = models.FloatField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "board"], name="one_entry_per_team_and_board")]
        indexes = [
            models.Index(
                fields=["competition", "board", "-sort_key", "submitted_at", "team"], name="leaderboard_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.board} {self.team_id}: {self.score}"
