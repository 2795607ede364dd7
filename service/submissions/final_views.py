"""HTTP view of final submissions: ``POST`` marks a submission final, ``DELETE`` unmarks it (services: ``finals``)."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.request import Request
from rest_framework.response import Response

from access.audit import AuditAction, AuthorizedAction
from core.openapi import change_schema

from . import finals
from .models import Submission
from .serializers import SubmissionSerializer
from .views import SubmissionDetailView

CHOICE_CONFLICTS = ("host_cannot_compete", "not_a_member", "competition_ended")


class FinalSubmissionView(SubmissionDetailView):
    """The submission's own lookup (404 unless the caller sees it); only its team's members may choose (``update
    submissions``, which hosts do not hold: 403)."""

    http_method_names = ["post", "delete", "options"]

    @change_schema(
        "Mark a scored submission of the caller's team as final, until the end (marking it again changes nothing). "
        "A team marks at most the competition's `final_submissions_limit`; the private board ranks it by the best "
        "private score among them (or, with none marked, among its best public scores, as many).",
        request=None,
        success={200: SubmissionSerializer},
        conflicts=(*CHOICE_CONFLICTS, "submission_not_scored", "final_limit_reached"),
    )
    def post(self, request: Request, slug: str, submission_id: int) -> Response:
        return self._choose(AuditAction.SUBMISSION_FINAL_MARK, finals.mark_final)

    @change_schema(
        "The submission is no longer final, until the end (unmarking one that is not changes nothing).",
        request=None,
        success={200: SubmissionSerializer},
        conflicts=CHOICE_CONFLICTS,
    )
    def delete(self, request: Request, slug: str, submission_id: int) -> Response:
        return self._choose(AuditAction.SUBMISSION_FINAL_UNMARK, finals.unmark_final)

    def _choose(self, action: AuditAction, change: Callable[..., None]) -> Response:
        submission = self.get_submission()
        authorized: AuthorizedAction = self.authorize(
            action, "update", "submissions", submission.competition, submission.team_id, target=submission
        )
        change(authorized=authorized, submission=submission)
        changed: Submission = self.get_submission()
        return Response(self.get_serializer(changed).data)
