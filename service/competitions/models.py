"""Competitions and their ground truth."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .metrics import METRICS, MetricSpec


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class Metric(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy (higher is better)"
    MACRO_F1 = "macro_f1", "Macro-averaged F1 (higher is better)"
    RMSE = "rmse", "Root mean squared error (lower is better)"
    MAE = "mae", "Mean absolute error (lower is better)"


class CompetitionQuerySet(models.QuerySet["Competition"]):
    def with_ground_truth_flag(self) -> CompetitionQuerySet:
        """Annotates ``has_ground_truth`` (what the API shows) without loading the rows."""
        return self.annotate(
            has_ground_truth=models.Exists(GroundTruth.objects.filter(competition=models.OuterRef("pk")))
        )


class Competition(models.Model):
    # The audit log names a competition by its slug, as its URL does.
    audit_id_field = "slug"

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    metric = models.CharField(max_length=16, choices=Metric.choices)
    daily_submission_limit = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1)], help_text="Submissions allowed per team per UTC day."
    )
    max_team_size = models.PositiveIntegerField(default=4, validators=[MinValueValidator(1)])
    # A database default too: during a rolling deploy the previous release inserts competitions without it.
    final_submissions_limit = models.PositiveIntegerField(
        default=2,
        db_default=2,
        validators=[MinValueValidator(1)],
        help_text="Submissions a team may mark as final; the private board ranks each team by the best of "
        "them (or, when it marked none, of its best public scores, this many).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CompetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="competition_ends_after_start"),
            models.CheckConstraint(condition=Q(daily_submission_limit__gte=1), name="competition_daily_limit_positive"),
            models.CheckConstraint(condition=Q(max_team_size__gte=1), name="competition_team_size_positive"),
            models.CheckConstraint(
                condition=Q(final_submissions_limit__gte=1), name="competition_final_submissions_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def metric_spec(self) -> MetricSpec:
        return METRICS[self.metric]

    @property
    def higher_is_better(self) -> bool:
        return self.metric_spec.higher_is_better

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def submission_max_bytes(self) -> int:
        """The largest predictions file this competition accepts: the one value the ticket's ``content-length-range``,
        the completion's check, the multipart upload and the worker all use (``SUBMISSION_MAX_BYTES`` for every
        competition today: a limit of its own would be a column read here)."""
        limit: int = settings.SUBMISSION_MAX_BYTES
        return limit

    def has_ended(self, at: datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.ends_at

    def is_open(self, at: datetime | None = None) -> bool:
        """Submissions are accepted in [starts_at, ends_at)."""
        moment = at or timezone.now()
        return self.starts_at <= moment < self.ends_at


def ground_truth_storage() -> Storage:
    """Ground-truth files: ``ground-truth/`` in the bucket (``STORAGES["ground_truth"]``)."""
    return storages["ground_truth"]


class GroundTruth(models.Model):
    """A competition's ground truth: a Parquet file in storage (``ground-truth/<competition id>/<version>.parquet``,
    written by ``scoring.ground_truth_store``) and its summary here. Never served to participants.

    ``version`` is the SHA-256 of the content (``scoring.ground_truth.content_version``): workers cache the parsed
    file by (competition, version). ``rows`` is the previous release's JSON column (id -> [expected, usage]): no
    longer written, read only to convert a ground truth that has no file yet; a later release drops it.
    """

    competition = models.OneToOneField(
        Competition, primary_key=True, on_delete=models.CASCADE, related_name="ground_truth"
    )
    rows = models.JSONField(null=True, blank=True)
    version = models.CharField(max_length=64, blank=True, default="", db_default="")
    file = models.FileField(storage=ground_truth_storage, max_length=255, blank=True, default="", db_default="")
    public_rows = models.PositiveIntegerField()
    private_rows = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"ground truth of {self.competition_id} ({self.public_rows}+{self.private_rows} rows)"


class GroundTruthUpload(models.Model):
    """A host's ground-truth CSV uploaded straight to storage with a ticket (``ground-truth/<id>/uploads/``); on
    completion it is validated and becomes the competition's ``GroundTruth``. The CSV itself keeps its
    ``upload=pending`` tag: the lifecycle rule removes it, the Parquet file is what stays."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="ground_truth_uploads")
    file = models.FileField(storage=ground_truth_storage, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    upload_bytes = models.BigIntegerField()
    upload_sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ground-truth upload {self.pk} of {self.competition_id}"
