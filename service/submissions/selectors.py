"""Reading submissions."""

from __future__ import annotations

from django.db.models import QuerySet

from competitions.models import Competition
from core.errors import DomainError

from .models import Submission, SubmissionStatus


def submissions_of(competition: Competition, *, status: str | None = None) -> QuerySet[Submission]:
    """The competition's submissions, newest first, optionally of one status (400 naming ``status`` otherwise)."""
    queryset = Submission.objects.filter(competition=competition).select_related("team", "submitted_by")
    if status is None:
        return queryset
    if status not in SubmissionStatus.values:
        raise DomainError(
            f"status must be one of {', '.join(SubmissionStatus.values)}",
            details={"status": [f"'{status[:50]}' is not a submission status"]},
        )
    return queryset.filter(status=status)
