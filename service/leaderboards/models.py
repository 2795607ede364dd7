"""The denormalized leaderboard: one row per team and board holding that team's best scored submission."""

from __future__ import annotations

from django.conf import settings
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


class FinalChoice(models.Model):
    """A submission its team marked as final: after the end the private board ranks the team by the best private
    score among its final submissions (``leaderboards.private_board``).

    Kept here, beside the board it decides, rather than as a column of the submission: the rule is the board's, and
    the submissions app's table is left alone. A submission is final at most once (its primary key); its team is
    the submission's, so a team's choices are found through the submission (no second copy of the team to drift).
    """

    submission = models.OneToOneField(
        "submissions.Submission", primary_key=True, on_delete=models.CASCADE, related_name="final_choice"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"submission {self.submission_id} is final"
