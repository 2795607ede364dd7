from django.contrib import admin
from django.http import HttpRequest

from .models import LeaderboardEntry


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(admin.ModelAdmin[LeaderboardEntry]):
    list_display = ["competition", "board", "team", "score", "submitted_at"]
    list_filter = ["board"]
    list_select_related = ["competition", "team"]
    readonly_fields = ["competition", "team", "board", "submission", "score", "sort_key", "submitted_at"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # maintained by scoring
