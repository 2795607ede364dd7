from django.contrib import admin

from .models import LeaderboardEntry


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["competition", "board", "team", "score", "submitted_at"]
    list_filter = ["board"]
    list_select_related = ["competition", "team"]
    readonly_fields = ["competition", "team", "board", "submission", "score", "sort_key", "submitted_at"]
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # maintained by scoring
