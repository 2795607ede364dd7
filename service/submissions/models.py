"""Submissions and the per-team daily submission counter."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from competitions.models import Competition
from teams.models import Team


def submission_path(instance: Submission, filename: str) -> str:
    # The uploaded name is not trusted: paths are opaque and grouped by competition and team.
    return f"{instance.competition_id}/{instance.team_id}/{uuid.uuid4().hex}.csv"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCORED = "scored", "Scored"
    FAILED = "failed", "Failed"


class Submission(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="submissions")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="submissions")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=submission_path, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING)
    public_score = models.FloatField(null=True, blank=True)
    private_score = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["competition", "-created_at"], name="submission_comp_created"),
            models.Index(fields=["team", "-created_at"], name="submission_team_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="scored")
                | (models.Q(public_score__isnull=False) & models.Q(private_score__isnull=False)),
                name="scored_submission_has_scores",
            ),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} of team {self.team_id}"

    @property
    def is_scored(self) -> bool:
        return self.status == SubmissionStatus.SCORED

    def scored_of_team(self) -> models.QuerySet[Submission]:
        """The scored submissions of this one's team (this one too once it is scored): what the team's board rows
        are chosen from (``leaderboards.services``)."""
        return Submission.objects.filter(team_id=self.team_id, status=SubmissionStatus.SCORED)


class DailySubmissionQuota(models.Model):
    """How many submissions a team made on a UTC day. Deleting a submission leaves the count alone, and the
    count only grows through one conditional UPDATE, so two concurrent uploads cannot share the last slot."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="daily_quotas")
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="one_quota_row_per_team_day")]

    def __str__(self) -> str:
        return f"team {self.team_id} on {self.day}: {self.used}"
