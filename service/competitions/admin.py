from django.contrib import admin

from .models import Competition, GroundTruth


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["slug", "title", "visibility", "metric", "starts_at", "ends_at", "daily_submission_limit"]
    list_filter = ["visibility", "metric"]
    search_fields = ["slug", "title"]
    raw_id_fields = ["created_by"]


@admin.register(GroundTruth)
class GroundTruthAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["competition", "public_rows", "private_rows", "uploaded_by", "uploaded_at"]
    exclude = ["rows"]  # can be large; uploaded through the API
    readonly_fields = ["competition", "public_rows", "private_rows", "uploaded_by", "uploaded_at"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).defer("rows").select_related("competition", "uploaded_by")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
