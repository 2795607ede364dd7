from django.contrib import admin

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
    readonly_fields = [
        "public_score",
        "private_score",
        "status",
        "error",
        "row_count",
        "created_at",
        "scored_at",
    ]
    show_full_result_count = False


@admin.register(DailySubmissionQuota)
class DailySubmissionQuotaAdmin(admin.ModelAdmin[DailySubmissionQuota]):
    list_display = ["team", "day", "used"]
    raw_id_fields = ["team"]
    list_select_related = ["team"]
