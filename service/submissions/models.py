"""Submissions and the per-team daily submission counter."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from competitions.models import Competition
from teams.models import Team


def submission_name(competition_id: int, team_id: int, *, compressed: bool) -> str:
    """A new storage name (``submissions/`` is the storage's prefix in the bucket). The uploaded name is not trusted:
    names are opaque and grouped by competition and team; it only chooses the suffix."""
    return f"{competition_id}/{team_id}/{uuid.uuid4().hex}.csv{'.gz' if compressed else ''}"


def submission_path(instance: Submission, filename: str) -> str:
    return submission_name(instance.competition_id, instance.team_id, compressed=filename.lower().endswith(".gz"))


class SubmissionStatus(models.TextChoices):
    """``awaiting_upload`` (a ticket was given) -> ``queued`` (completed: the daily slot is taken) -> ``scoring`` ->
    ``scored``, ``invalid`` (a bad file: the slot is given back) or ``failed`` (scoring could not finish: the slot is
    given back). Every change after ``awaiting_upload`` is a conditional UPDATE on the current status."""

    AWAITING_UPLOAD = "awaiting_upload", "Awaiting upload"
    QUEUED = "queued", "Queued"
    SCORING = "scoring", "Scoring"
    SCORED = "scored", "Scored"
    INVALID = "invalid", "Invalid"
    FAILED = "failed", "Failed"


# Statuses a worker may (still) score from: a redelivered message finds its submission in ``scoring``.
SCORABLE = (SubmissionStatus.QUEUED, SubmissionStatus.SCORING)


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def message_may_be_lost(self) -> SubmissionQuerySet:
        """``queued`` submissions whose scoring message was never sent (the send failed after the commit, or the
        process died in between), queued more than ``SCORING_RESEND_AFTER_SECONDS`` ago (so that a send that is on its
        way is not doubled); and those whose message was sent longer ago than the queue
        keeps one (``SCORING_QUEUE_RETENTION_SECONDS``: SQS has dropped it without a word). A message that is still
        in the queue is never sent again: a duplicate would inflate the backlog the workers scale on."""
        now = timezone.now()
        cutoff = now - dt.timedelta(seconds=settings.SCORING_RESEND_AFTER_SECONDS)
        expired = now - dt.timedelta(seconds=settings.SCORING_QUEUE_RETENTION_SECONDS)
        never_sent = Q(sent_at__isnull=True, queued_at__lt=cutoff)
        return self.filter(never_sent | Q(sent_at__lt=expired), status=SubmissionStatus.QUEUED)


class Submission(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="submissions")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="submissions")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=submission_path, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.AWAITING_UPLOAD)
    public_score = models.FloatField(null=True, blank=True)
    private_score = models.FloatField(null=True, blank=True)
    # Why a submission is invalid or failed, and for an invalid file its first bad line.
    error = models.TextField(blank=True)
    error_line = models.PositiveIntegerField(null=True, blank=True)
    # What the client declared when it asked for the ticket (the SHA-256 is checked while the file is scored).
    upload_bytes = models.BigIntegerField(null=True, blank=True)
    upload_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    # The version of the uploaded object that completion checked (S3's VersionId; "" in storage without versions):
    # the one tagged complete, scored and shown, whatever is uploaded with the ticket afterwards.
    file_version = models.CharField(max_length=1024, blank=True, default="", db_default="")
    # The UTC day whose daily slot the submission holds; None before completion and once the slot was given back.
    slot_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    queued_at = models.DateTimeField(null=True, blank=True)
    # When the scoring message was sent (after the commit that queued the submission); None: not (yet) sent.
    sent_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

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
