from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from core.uploads.stores import object_store

from .models import DailySubmissionQuota, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = [
        "id",
        "competition",
        "team",
        "submitted_by",
        "status",
        "public_score",
        "private_score",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["competition__slug", "team__name", "submitted_by__username"]
    list_select_related = ["competition", "team", "submitted_by"]
    raw_id_fields = ["competition", "team", "submitted_by"]
    # The file is not replaced here, and its link is to the version that was checked and scored (a ticket keeps
    # working until it expires: a later upload with it is a newer version of the same name).
    exclude = ["file"]
    # What the upload flow and the status changes own (submissions.transitions): e.g. the daily slot a submission
    # holds is given back by its slot_day, and the declared size and SHA-256 are what completion and scoring check.
    readonly_fields = [
        "stored_file",
        "file_version",
        "upload_bytes",
        "upload_sha256",
        "public_score",
        "private_score",
        "status",
        "error",
        "error_line",
        "row_count",
        "slot_day",
        "created_at",
        "queued_at",
        "sent_at",
        "scored_at",
    ]
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        """Never here: the admin would delete the row without the service's team lock, audit event and board
        rebuild (the team's entries would not fall back to its next best, the private board's choice would not be
        made again). Hosts delete through the API (``DELETE .../submissions/{id}/``)."""
        return False

    @admin.display(description="file")
    def stored_file(self, submission: Submission) -> str:
        name = submission.file.name or ""
        if not name:
            return "-"
        url = object_store("default").download_url(name, version=submission.file_version)
        return format_html('<a href="{}">{}</a>', url, name)


@admin.register(DailySubmissionQuota)
class DailySubmissionQuotaAdmin(admin.ModelAdmin[DailySubmissionQuota]):
    list_display = ["team", "day", "used"]
    raw_id_fields = ["team"]
    list_select_related = ["team"]
