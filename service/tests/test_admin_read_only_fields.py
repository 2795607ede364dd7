"""The admin shows what the upload flow and scoring own without letting an operator change it: a ground truth's
file and version (a validated upload sets them, workers cache by version), a submission's slot, status and
declared upload; and it deletes no submission (the service does, with the boards' fallback)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.utils import get_deleted_objects
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from competitions.models import GroundTruth
from submissions.models import Submission

from .factories import all_correct, client_for, make_competition, make_team, make_user, upload_predictions


@pytest.fixture
def operator_request(db):
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("ops", "ops@example.com", "not-used-here")
    return request


def editable_fields(model, request) -> set[str]:
    return set(admin.site.get_model_admin(model).get_form(request).base_fields)


def test_a_ground_truths_file_and_version_cannot_be_edited(operator_request):
    assert not editable_fields(GroundTruth, operator_request) & {"file", "version", "rows"}


def test_a_submissions_slot_status_and_declared_upload_cannot_be_edited(operator_request):
    owned = {"file", "file_version", "upload_bytes", "upload_sha256", "status", "error", "error_line", "slot_day"}
    owned |= {"queued_at", "sent_at", "scored_at", "public_score", "private_score", "row_count"}
    assert not editable_fields(Submission, operator_request) & owned


def test_submissions_cannot_be_deleted_in_the_admin(operator_request):
    """Deleting goes through the service (team lock, audit, the boards' fallback to the next best)."""
    submission_admin = admin.site.get_model_admin(Submission)
    assert not submission_admin.has_delete_permission(operator_request)
    assert "delete_selected" not in submission_admin.get_actions(operator_request)


def test_a_competition_with_submissions_cannot_be_deleted_in_the_admin_either(operator_request):
    member = make_user("member")
    competition = make_competition("kept", make_user("host"))
    make_team(competition, "Team", member)
    assert upload_predictions(client_for(member), "kept", all_correct()).status_code == 201

    _, _, perms_needed, _ = get_deleted_objects([competition], operator_request, admin.site)
    assert perms_needed == {"submission"}
