from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Competition, GroundTruth


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin[Competition]):
    list_display = ["slug", "title", "visibility", "metric", "starts_at", "ends_at", "daily_submission_limit"]
    list_filter = ["visibility", "metric"]
    search_fields = ["slug", "title"]
    raw_id_fields = ["created_by"]
    # Changed through the API only: a change rebuilds the private board (services.update_competition).
    readonly_fields = ["final_submissions_limit"]


@admin.register(GroundTruth)
class GroundTruthAdmin(admin.ModelAdmin[GroundTruth]):
    list_display = ["competition", "public_rows", "private_rows", "uploaded_by", "uploaded_at"]
    exclude = ["rows"]  # can be large; uploaded through the API
    # The file and its content hash change only with a validated upload (ground_truth_services): workers cache the
    # parsed file by version, and a file set here would be scored without being checked.
    readonly_fields = ["competition", "file", "version", "public_rows", "private_rows", "uploaded_by", "uploaded_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[GroundTruth]:
        return super().get_queryset(request).defer("rows").select_related("competition", "uploaded_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
